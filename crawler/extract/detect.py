"""Is this page an article? Decided from the evidence real sites give.

Evidence, strongest first:
- what the page says it is: ``og:type`` and JSON-LD ``@type`` (also inside
  ``@graph``): NewsArticle, Article, BlogPosting, ReportageNewsArticle ... say
  article; CollectionPage, ProfilePage, SearchResultsPage, AboutPage, Event ...
  say not;
- the URL's shape: tag, author, category, section, search, login, about,
  newsletter and event paths are not articles; dated paths and long slugs are;
- where the URL was found: a news sitemap or a feed lists articles;
- the extracted text: too few words, or mostly link text, is a listing.

Detection errs towards emitting. Strong evidence against a page (a home, section,
tag, author, search or login page by its URL; a collection, profile or search
results page by its markup; a text made of links) always wins. Weaker evidence (an
about, contact, event or team URL, ``og:type`` website, FAQ or about-page markup,
a short text) does not outweigh a page that a sitemap or feed lists, or whose
main content is long prose. Every verdict says why (``Verdict.detail``).

Pure: takes the lxml tree, the URL and the extraction's numbers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from crawler.extract.page_reads import per_page, tagged

#: JSON-LD / schema.org types of a single article.
ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "blogposting",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "reviewnewsarticle",
        "backgroundnewsarticle",
        "liveblogposting",
        "scholarlyarticle",
        "techarticle",
        "report",
        "socialmediaposting",
        "review",
        "advertisercontentarticle",
        "satiricalarticle",
        "askpublicnewsarticle",
    }
)
#: Types of pages that are not one article: a listing, a person, search results, a checkout.
LISTING_TYPES = frozenset({"collectionpage", "profilepage", "searchresultspage", "checkoutpage"})
#: Types that a page of prose may carry too (an FAQ block on a post, an about page).
WEAK_NON_ARTICLE_TYPES = frozenset({"aboutpage", "contactpage", "faqpage", "qapage"})
NON_ARTICLE_TYPES = LISTING_TYPES | WEAK_NON_ARTICLE_TYPES
#: og:type values of non-article pages.
NON_ARTICLE_OG = frozenset({"website", "profile", "event", "product", "books.author"})

#: Path segments that mark a page that is not one article.
NON_ARTICLE_SEGMENTS = frozenset(
    {
        "tag",
        "tags",
        "topic",
        "topics",
        "author",
        "authors",
        "autor",
        "autoren",
        "by",
        "category",
        "categories",
        "kategorie",
        "rubrique",
        "rubrik",
        "section",
        "sections",
        "search",
        "suche",
        "login",
        "signin",
        "sign-in",
        "register",
        "signup",
        "sign-up",
        "account",
        "subscribe",
        "subscription",
        "newsletter",
        "newsletters",
        "about",
        "about-us",
        "contact",
        "contact-us",
        "impressum",
        "imprint",
        "privacy",
        "terms",
        "events",
        "event",
        "page",
        "archive",
        "archives",
        "feed",
        "rss",
        "people",
        "staff",
        "team",
        "profile",
        "user",
        "users",
        "cart",
        "shop",
        "jobs",
        "careers",
    }
)
#: Of those, the segments of pages about the site (about, contact, events, team,
#: newsletter ...): weak evidence, which yields to a listed page or long prose.
SITE_PAGE_SEGMENTS = frozenset(
    {
        "about",
        "about-us",
        "careers",
        "contact",
        "contact-us",
        "event",
        "events",
        "impressum",
        "imprint",
        "jobs",
        "newsletter",
        "newsletters",
        "people",
        "privacy",
        "shop",
        "staff",
        "subscribe",
        "subscription",
        "team",
        "terms",
    }
)
#: The others, segments of a home, section, tag, author, search or login page (or a
#: listing's later pages): strong evidence.
LISTING_SEGMENTS = NON_ARTICLE_SEGMENTS - SITE_PAGE_SEGMENTS
#: Segments that usually precede an article slug.
ARTICLE_SEGMENTS = frozenset(
    {"article", "articles", "story", "stories", "news", "post", "posts", "blog", "a", "p"}
)
_DATE_PATH = re.compile(r"/(19|20)\d{2}[/-](0?[1-9]|1[0-2])([/-](0?[1-9]|[12]\d|3[01]))?(/|$)")
_LONG_ID = re.compile(r"\d{5,}")
_SEARCH_QUERY = re.compile(r"(^|&)(q|s|query|search|keyword)=", re.IGNORECASE)
#: A query naming one page: an id or slug parameter with a value.
_PAGE_QUERY = re.compile(
    r"(^|&)(p|page_id|id|article|articleid|story|storyid|post|news|newsid|nid|aid|artikel)"
    r"=[^&]+",
    re.IGNORECASE,
)


def url_page_kind(url: str) -> str:
    """ "home", "not_article", "article" or "unknown", from the URL alone."""
    parts = urlsplit(url)
    path = parts.path or "/"
    segments = [s.lower() for s in path.split("/") if s]
    if not segments:
        if _SEARCH_QUERY.search(parts.query):
            return "not_article"
        # "/?p=123", "/index.php?id=7": a page chosen by its query, not the home page
        return "unknown" if _PAGE_QUERY.search(parts.query) else "home"
    if _SEARCH_QUERY.search(parts.query):
        return "not_article"
    if segments[-1].lower() in {"index.php", "index.html", "index.htm", "default.aspx"}:
        segments = segments[:-1]
        if not segments:
            return "unknown" if _PAGE_QUERY.search(parts.query) else "home"
    last = re.sub(r"\.(html?|php|aspx?|shtml)$", "", segments[-1])
    if _DATE_PATH.search(path + ("/" if not path.endswith("/") else "")) and len(last) > 12:
        return "article"
    in_non_article = any(s in NON_ARTICLE_SEGMENTS for s in segments[:-1])
    # /tag/foo, /author/jane, /about, /page/2 -- unless a long slug follows a section word
    long_slug = last.count("-") >= 4 and segments[-2:-1] != ["tag"]
    if (in_non_article or last in NON_ARTICLE_SEGMENTS) and not long_slug:
        return "not_article"
    if last.count("-") >= 3 or last.count("_") >= 3 or _LONG_ID.search(last):
        return "article"
    if len(segments) >= 2 and segments[-2] in ARTICLE_SEGMENTS and len(last) > 8:
        return "article"
    return "unknown"


#: Embedded JSON larger than this is not read (a JSON-LD block describes an article in
#: kilobytes; megabytes are a data dump or a poisoned page).
JSON_MAX_CHARS = 1024 * 1024
#: Nesting deeper than this is not read (real JSON-LD nests a few levels; thousands
#: of levels exhaust the recursion of every reader that walks it).
JSON_MAX_DEPTH = 64


def _too_deep(data: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return False


def load_json(raw: str, strict: bool = True) -> Any:
    """``raw`` parsed, within :data:`JSON_MAX_CHARS` and :data:`JSON_MAX_DEPTH`.

    Raises ``ValueError`` for text that is not JSON or is over either bound."""
    if len(raw) > JSON_MAX_CHARS:
        raise ValueError(f"JSON of {len(raw)} characters, over {JSON_MAX_CHARS}")
    try:
        data = json.loads(raw, strict=strict)
    except RecursionError as exc:
        raise ValueError("JSON nested too deep") from exc
    if _too_deep(data, JSON_MAX_DEPTH):
        raise ValueError(f"JSON nested deeper than {JSON_MAX_DEPTH}")
    return data


def _json_ld_scripts(tree: HtmlElement) -> list[HtmlElement]:
    """XPath's ``//script[@type="application/ld+json"]``."""
    return [s for s in tagged(tree)["script"] if s.get("type") == "application/ld+json"]


def oversized_json_ld(tree: HtmlElement) -> int:
    """How many JSON-LD blocks of the page are over the size bound (not read)."""
    return sum(len(s.text or "") > JSON_MAX_CHARS for s in _json_ld_scripts(tree))


@per_page
def json_ld_objects(tree: HtmlElement) -> list[dict[str, Any]]:
    """Every JSON-LD object of the page, ``@graph`` members and lists flattened (parsed
    once per page: detection and every metadata field read it)."""
    found: list[dict[str, Any]] = []
    for script in _json_ld_scripts(tree):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = load_json(raw)
        except ValueError:
            continue
        stack: list[Any] = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(reversed(node))
            elif isinstance(node, dict):
                found.append(node)
                if isinstance(node.get("@graph"), list):
                    stack.extend(reversed(node["@graph"]))
    return found


def json_ld_types(obj: dict[str, Any]) -> set[str]:
    """A JSON-LD object's ``@type`` values, lower-cased, without a schema.org URL prefix."""
    raw = obj.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {v.rsplit("/", 1)[-1].lower() for v in values if isinstance(v, str) and v}


#: How the type of an article object ends: NewsArticle, BlogPosting, Report ...
ARTICLE_TYPE_ENDINGS = ("article", "posting", "report")


def is_article_object(obj: dict[str, Any]) -> bool:
    """The JSON-LD object describes an article (its headline, date, image are the page's)."""
    return any(t.endswith(ARTICLE_TYPE_ENDINGS) for t in json_ld_types(obj))


@dataclass(frozen=True)
class PageEvidence:
    """What a page says about itself (read once from the tree)."""

    og_type: str | None = None
    ld_types: frozenset[str] = frozenset()
    #: Headings that are links to other pages: a listing's teasers (or an article's
    #: related-stories block).
    headline_links: int = 0

    @classmethod
    def from_tree(cls, tree: HtmlElement) -> PageEvidence:
        og = [
            content
            for m in tagged(tree)["meta"]
            if (m.get("property") == "og:type" or m.get("name") == "og:type")
            and (content := m.get("content")) is not None
        ]
        ld: set[str] = set()
        for obj in json_ld_objects(tree):
            ld |= json_ld_types(obj)
        headline_links = sum(
            any((a.get("href") or "#")[:1] != "#" for a in h.iter("a"))
            for tag in ("h2", "h3", "h4")
            for h in tagged(tree)[tag]
        )
        return cls(
            og_type=(str(og[0]).strip().lower() if og else None),
            ld_types=frozenset(ld),
            headline_links=headline_links,
        )

    @property
    def says_article(self) -> bool:
        return bool(self.ld_types & ARTICLE_TYPES) or (self.og_type or "").startswith("article")

    @property
    def says_not_article(self) -> bool:
        return bool(self.ld_types & NON_ARTICLE_TYPES) and not self.ld_types & ARTICLE_TYPES


def url_evidence_against(url: str) -> tuple[bool, str]:
    """For a URL :func:`url_page_kind` calls ``not_article``: (strong, what it shows).

    Strong: a section, tag, author, search or login page, or a listing's later page."""
    parts = urlsplit(url)
    if _SEARCH_QUERY.search(parts.query):
        return True, "search URL"
    segments = [s.lower() for s in (parts.path or "/").split("/") if s]
    if segments:
        segments[-1] = re.sub(r"\.(html?|php|aspx?|shtml)$", "", segments[-1])
    hits = [s for s in segments if s in NON_ARTICLE_SEGMENTS]
    strong = [s for s in hits if s in LISTING_SEGMENTS]
    if strong:
        return True, f"/{strong[0]}/ URL"
    return False, f"/{hits[0]}/ URL" if hits else "URL"


#: Words of running text from which a page's main content counts as long prose: a
#: page of that much text with few links is read, whatever weaker evidence says ...
LONG_PROSE_WORDS = 150
#: ... at most this link density ...
LONG_PROSE_LINK_DENSITY = 0.2
#: ... unless its markup is a listing's: this many headlines linking elsewhere
#: (teasers whose summaries make the prose).
LISTING_HEADLINE_LINKS = 5


@dataclass(frozen=True)
class Verdict:
    is_article: bool
    #: The stat suffix when skipped ("not_article", "empty_text") or the evidence when kept.
    reason: str
    #: Why, in a few words ("tag page URL", "og:type website, 40 words" ...), for the log.
    detail: str = ""


class ArticleDetector:
    """Decides per page whether it is an article, from markup, URL, source and text."""

    def __init__(self, min_words: int = 60, max_link_density: float = 0.5) -> None:
        self.min_words = min_words
        self.max_link_density = max_link_density

    def decide(
        self,
        url: str,
        evidence: PageEvidence,
        source: str,
        word_count: int,
        link_density: float,
    ) -> Verdict:
        """The verdict for one page, given its extracted text's size and link density."""
        kind = url_page_kind(url)
        marked = evidence.says_article
        listed = source in {"news_sitemap", "feed", "sitemap"}
        prose = (
            word_count >= LONG_PROSE_WORDS
            and link_density <= LONG_PROSE_LINK_DENSITY
            and evidence.headline_links < LISTING_HEADLINE_LINKS
        )
        # weak evidence against a page yields to these
        vouched = listed or prose or marked or kind == "article"
        if kind == "home":
            return Verdict(False, "not_article", "home page URL")
        if word_count == 0:
            return Verdict(False, "empty_text", "no text extracted")
        # a dated slug URL or article markup tolerates a link-heavy sidebar caught in the text
        strong = marked or kind == "article"
        max_density = (1 + self.max_link_density) / 2 if strong else self.max_link_density
        if link_density > max_density:
            return Verdict(False, "not_article", f"link density over {max_density:.2f}")
        if kind == "not_article" and not marked:
            strong_url, what = url_evidence_against(url)
            if strong_url or not vouched:
                return Verdict(False, "not_article", what)
        listing = evidence.ld_types & LISTING_TYPES and not evidence.ld_types & ARTICLE_TYPES
        # a page calling itself a collection or profile, with nothing saying otherwise
        if listing and not (listed and kind == "article"):
            types = ", ".join(sorted(evidence.ld_types & LISTING_TYPES))
            return Verdict(False, "not_article", f"JSON-LD {types}")
        if evidence.says_not_article and not vouched:
            types = ", ".join(sorted(evidence.ld_types & NON_ARTICLE_TYPES))
            return Verdict(False, "not_article", f"JSON-LD {types}")
        if evidence.og_type in NON_ARTICLE_OG and not vouched:
            return Verdict(False, "not_article", f"og:type {evidence.og_type}")
        if marked or kind == "article" or listed:
            floor = max(1, self.min_words // 4)
        else:
            floor = self.min_words
        if word_count < floor:
            return Verdict(
                False,
                "not_article" if not marked else "empty_text",
                f"{word_count} words, under {floor}",
            )
        if marked:
            return Verdict(True, "markup")
        if kind == "article":
            return Verdict(True, "url")
        if listed:
            return Verdict(True, "source")
        return Verdict(True, "text")
