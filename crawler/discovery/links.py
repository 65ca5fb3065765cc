"""Listing pages: their same-site links and pagination, and what a URL's shape
suggests (article, listing, pagination, non-content).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from lxml import html as lxml_html

from crawler.discovery.parsing import _clean_url, base_url_of
from crawler.net.urls import on_site, site_host


@dataclass
class PageLinks:
    """Links of an HTML page: all same-site links and which of them paginate."""

    links: list[str] = field(default_factory=list)
    pagination: list[str] = field(default_factory=list)


#: Anchor texts that lead to the next (older) page of a listing, in several languages.
NEXT_TEXTS = frozenset(
    {
        "next",
        "next page",
        "next »",
        "next \u203a",
        "next →",
        "next >",
        "more",
        "more stories",
        "more articles",
        "load more",
        "show more",
        "older",
        "older posts",
        "older entries",
        "older articles",
        "older stories",
        "earlier",
        "previous posts",
        "»",
        "\u203a",
        "→",
        ">",
        ">>",
        "»»",
        "weiter",
        "nächste",
        "nächste seite",
        "ältere",
        "ältere beiträge",
        "mehr",
        "далее",
        "дальше",
        "следующая",
        "следующая страница",
        "вперед",
        "вперёд",
        "ещё",
        "еще",
        "показать ещё",
        "показать еще",
        "suivant",
        "suivante",
        "page suivante",
        "plus",
        "siguiente",
        "página siguiente",
        "más",
        "successivo",
        "successiva",
        "avanti",
        "volgende",
        "próxima",
        "próximo",
        "seguinte",
        "następna",
        "dalej",
        "nästa",
        "næste",
        "neste",
        "seuraava",
        "sonraki",
        "další",
        "következő",
        "наступна",
        "далі",
        "下一页",
        "次へ",
        "次のページ",
        "다음",
    }
)
_NEXT_CLASS = re.compile(r"(?:^|[\s_-])(?:next|older|pagination-next|nav-next)(?:$|[\s_-])", re.I)
_PAGE_PARAMS = frozenset(
    {
        "page",
        "p",
        "paged",
        "pg",
        "pagenum",
        "page_num",
        "pageno",
        "start",
        "offset",
        "seite",
        "strana",
        "stranitsa",
    }
)
_PAGE_PATH = re.compile(
    r"/(?:page|seite|strana|pagina|p)/?\d+/?$|[/_-]page[-_]?\d+(?:\.html?)?$", re.I
)
_SKIP_EXT = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|ico|bmp|tiff?|pdf|zip|gz|tgz|rar|7z|mp[34]|m4a|m4v|avi|mov|"
    r"wmv|webm|ogg|wav|flac|css|js|json|woff2?|ttf|eot|exe|dmg|apk|docx?|xlsx?|pptx?|ics|"
    r"vcf|csv|txt)$",
    re.I,
)


def is_pagination_url(url: str, page_url: str | None = None) -> bool:
    """True for ``?page=N``, ``/page/N/`` style URLs (same path as ``page_url`` when given)."""
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() in _PAGE_PARAMS and value.isdigit():
            if page_url is None:
                return True
            base = urlsplit(page_url).path.rstrip("/")
            return parts.path.rstrip("/") == base or _PAGE_PATH.search(base) is not None
    return bool(_PAGE_PATH.search(parts.path))


def _anchor_text(a: lxml_html.HtmlElement) -> str:
    text = " ".join(a.text_content().split()).lower()
    if not text:
        text = (a.get("aria-label") or a.get("title") or "").strip().lower()
    return text


def page_links(
    tree: lxml_html.HtmlElement, url: str, same_site: str | None = None, max_links: int = 2000
) -> PageLinks:
    """Same-site links of a listing page and its pagination links.

    ``same_site`` is a host (without "www."): links to it and its subdomains are
    kept. Relative links resolve against ``<base href>``. Static files,
    ``mailto:`` and ``javascript:`` links are dropped.
    """
    base = base_url_of(tree, url)
    site = (same_site or site_host(url)).lower()
    out = PageLinks()
    seen: set[str] = set()

    def add(href: str | None, is_next: bool) -> None:
        if not href:
            return
        link = _clean_url(href, base)
        if link is None or _SKIP_EXT.search(urlsplit(link).path):
            return
        if not on_site(link, site) or link == url:
            return
        if is_next and link not in out.pagination:
            out.pagination.append(link)
        if link not in seen and len(out.links) < max_links:
            seen.add(link)
            out.links.append(link)

    for link in tree.iter("link"):
        if "next" in (link.get("rel") or "").lower().split():
            add(link.get("href"), True)
    for a in tree.iter("a"):
        href = a.get("href")
        if not href or href.strip().lower().startswith(("mailto:", "javascript:", "tel:", "#")):
            continue
        rels = (a.get("rel") or "").lower().split()
        is_next = (
            "next" in rels
            or _anchor_text(a) in NEXT_TEXTS
            or bool(_NEXT_CLASS.search(a.get("class") or ""))
        )
        if not is_next:
            resolved = _clean_url(href, base)
            is_next = bool(resolved) and is_pagination_url(resolved, url)
        add(href, is_next)
    return out


# ---------------------------------------------------------------------- URL shape

_NON_CONTENT = re.compile(
    r"/(?:log-?in|log-?out|sign-?in|sign-?up|sign-?out|register|registration|account|"
    r"my-?account|profile|password|auth|oauth|cart|checkout|basket|subscribe|subscription|"
    r"subscriptions|newsletters?|search|suche|poisk|about(?:-us)?|contact(?:-us)?|impressum|"
    r"imprint|privacy(?:-policy)?|datenschutz|terms(?:-of-(?:use|service))?|cookies?|"
    r"cookie-policy|legal|advertise|advertising|careers|jobs|help|faq|feedback|"
    r"wp-admin|wp-login\.php|wp-json|xmlrpc\.php|cdn-cgi|print|share|amp-?stories)(?:/|$|\.)",
    re.I,
)
_LISTING = re.compile(
    r"/(?:tags?|topics?|themes?|authors?|autor|avtor|writers?|people|persons?|category|"
    r"categories|rubrik|rubric|rubrika|section|sections|ressort|archives?|archiv|arkhiv|"
    r"events?|calendar|video|videos|gallery|galleries|photos?|podcasts?|live|latest|"
    r"newest|most-?read|popular)(?:/|$)",
    re.I,
)
_DATE_PATH = re.compile(r"/(?:19|20)\d{2}/(?:0?[1-9]|1[0-2])(?:/(?:0?[1-9]|[12]\d|3[01]))?/")
_SLUG = re.compile(r"/[^/]*[^\W_]+(?:[-_][^\W_]+){3,}[^/]*/?$")
_NUMERIC_ID = re.compile(r"(?:[/_-]|^)\d{5,}(?:\.html?|/)?$|\.html?$")


def url_kind(url: str) -> str:
    """What a URL's shape suggests: "non_content", "listing", "pagination", "article" or "".

    non_content: login, search, about, newsletter, legal pages (never fetched while
    following links); listing: tag, author, section, archive pages; article: dated
    paths, long slugs, numeric ids. "" when the shape says nothing.
    """
    parts = urlsplit(url)
    path = parts.path or "/"
    if path == "/" and not parts.query:
        return "listing"
    if _NON_CONTENT.search(path):
        return "non_content"
    if parts.query and any(
        k.lower() in ("s", "q", "query", "search")
        for k, _ in parse_qsl(parts.query, keep_blank_values=True)
    ):
        return "non_content"
    if is_pagination_url(url):
        return "pagination"
    if _LISTING.search(path):
        return "listing"
    if _DATE_PATH.search(path) and re.search(r"/[^/]*[^\W\d_][^/]*/?$", path):
        return "article"
    if _SLUG.search(path) or _NUMERIC_ID.search(path):
        return "article"
    return ""
