"""Publication and modification times of an article page.

``published`` is the first publication time as the page declares it, offset kept.
Sources, most trusted first: the article's JSON-LD ``datePublished``; publication
``<meta>`` tags; another JSON-LD object's ``datePublished`` (only when the page has
no article object); the byline (``itemprop=datePublished``, or a ``<time datetime>``
in the article header); the sitemap/feed date; a date standing alone in the title;
htmldate's guess on a copy of the article without body text, teasers or modification
stamps; a date in the URL. A clearly implausible value (in the future, or far older
than every other date the page declares) loses to the next source. Modification
times never count. Numeric day/month order follows the page's locale.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import Any
from urllib.parse import urljoin, urlsplit

from dateutil import parser as date_parser
from htmldate import find_date
from lxml import etree
from lxml.html import HtmlElement, document_fromstring

from crawler.extract.detect import is_article_object, json_ld_objects, json_ld_types
from crawler.extract.metadata import meta_index

#: publication ``<meta>`` names (property, name or itemprop; case-folded), most trusted first
PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "http://ogp.me/ns/article#published_time",
    "article:published",
    "og:published_time",
    "article_published_time",
    "published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "publication_date",
    "dc.date.issued",
    "dcterms.issued",
    "parsely-pub-date",
    "cxenseparse:recs:publishtime",
    "cxenseparse:publishtime",
    "sailthru.date",
    "date.available",
    "citation_publication_date",
    "dc.date",
    "dcterms.date",
    "date",
)
#: modification ``<meta>`` names, most trusted first
MODIFIED_META = (
    "article:modified_time",
    "og:article:modified_time",
    "http://ogp.me/ns/article#modified_time",
    "og:updated_time",
    "article_modified_time",
    "datemodified",
    "dc.date.modified",
    "dcterms.modified",
    "date.modified",
    "cxenseparse:modified_time",
    "last_updated_date",
    "last-modified",
    "lastmod",
    "lastupdate",
)
#: how far ahead of now a date may be (time zones, scheduled releases)
FUTURE_SLACK = timedelta(days=1)
#: a date this much older than every other publication date the page declares is a stray
STRAY_AGE = timedelta(days=365)
#: years a date may have (beyond them: an unset or broken field)
MIN_YEAR, MAX_YEAR = 1000, 9000
#: text at least this long is prose (body text), not a byline
PROSE_CHARS = 120

_YEAR_FIRST = re.compile(r"\s*\d{4}\D")
_HAS_TIME = re.compile(r"\d:\d\d|T\d\d")
_FRACTION = re.compile(r"[:]\d\d[.,](\d+)")
_ENDS_Z = re.compile(r"\dZ\s*$", re.IGNORECASE)
#: "GMT+0200": dateutil would read the sign POSIX-style (as -02:00)
_GMT_SIGN = re.compile(r"\b(?:GMT|UTC)(?=[+-]\d)")
_COMMENT = re.compile(r"\([^)]*\)")
_SENTINELS = (datetime(1, 1, 1), datetime(2, 2, 2))
_NOT_THE_PAGE = frozenset(
    {
        "organization",
        "newsmediaorganization",
        "person",
        "website",
        "breadcrumblist",
        "listitem",
        "itemlist",
        "imageobject",
        "comment",
        "searchaction",
    }
)
_MONTH_FIRST_REGIONS = frozenset({"us", "ph", "fm", "mh", "pw", "as", "gu", "mp", "pr", "vi", "um"})
_MODIFIED_CUE = re.compile(r"modif|updat|lastmod|edited|revis", re.IGNORECASE)
_PUBLISHED_CUE = re.compile(r"publi|pubdate|entry-date|created|posted", re.IGNORECASE)
_UPDATED_LABEL = re.compile(
    r"updated|aktualisiert|actualizado|actualis|mis à jour|mise à jour|oppdatert|uppdaterad"
    r"|opdateret|bijgewerkt|aggiornato|atualizado|zaktualizowano|päivitetty|frissítve"
    r"|обновлено|оновлено|更新",
    re.IGNORECASE,
)
_AMBIGUOUS_NUMERIC = re.compile(r"(?<![\d.])(\d{1,2})([./-])(\d{1,2})\2((?:19|20)\d\d)(?!\d)")
#: a date in a URL: "/2024/05/03/", "20240503", or an article id minted from the
#: publication time, a letter code and then the date, alone or followed by the hour and
#: minute and a serial number ("A2024050314320001234", "AKR20240503071800009")
_URL_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d\d)[/_.-](\d{1,2})[/_.-](\d{1,2})(?!\d)"
    r"|(?<![\w])((?:19|20)\d\d)(\d\d)(\d\d)(?![\w])"
    r"|(?<![A-Za-z\d])[A-Za-z]{1,4}((?:19|20)\d\d)(\d\d)(\d\d)"
    r"(?:(?:[01]\d|2[0-3])[0-5]\d\d*)?(?![A-Za-z\d])"
)
_BYLINE = etree.XPath("//time[@datetime] | //*[@itemprop='datePublished'][not(self::meta)] | //p")
_PROSE_PARENTS = ("p", "li", "dd", "td", "blockquote", "pre")
#: elements whose dates are not the page's: media, figures, scripts, styles, asset links
_NOT_A_DATE = (
    "script",
    "style",
    "link",
    "noscript",
    "img",
    "picture",
    "source",
    "svg",
    "video",
    "audio",
    "iframe",
    "figure",
    "figcaption",
)
_HEADINGS = ("h2", "h3", "h4", "h5", "h6")
#: how many levels up a teaser card may wrap its heading
_CARD_DEPTH = 4
_TITLE_PARTS = re.compile(r"\s+[|\u2013\u2014\u00b7\u2022-]\s+")
#: attributes a date or its label may sit in; other values (URLs, data) are dropped
_KEPT_ATTRIBUTES = frozenset(
    {
        "class",
        "id",
        "itemprop",
        "datetime",
        "content",
        "name",
        "property",
        "http-equiv",
        "pubdate",
        "title",
    }
)
_META_KEYS = ("name", "property", "itemprop", "http-equiv")


@dataclass(frozen=True)
class Stamp:
    """A parsed date: its ISO text (offset as declared) and the instant it names."""

    text: str
    value: datetime  # aware when the page gave an offset

    def day(self) -> date:
        """Calendar day in UTC when the offset is known, else as written."""
        value = self.value.astimezone(UTC) if self.value.tzinfo else self.value
        return value.date()

    def same_instant(self, other: Stamp) -> bool:
        """Same moment (to the second); naive and aware values compare as written."""
        a, b = self.value, other.value
        if (a.tzinfo is None) != (b.tzinfo is None):
            a, b = a.replace(tzinfo=None), b.replace(tzinfo=None)
        return abs((a - b).total_seconds()) < 1


def parse_date(value: Any, day_first: bool = True) -> Stamp | None:
    """A date or datetime string as a :class:`Stamp`, or None.

    A declared offset is kept (``Z`` stays ``Z``), a naive value stays naive, a date
    without a time stays a date. When the year comes first the order is always
    year-month-day; otherwise ``day_first`` (the page's locale) orders day and month.
    A value missing its year, month or day, or of a year outside ``MIN_YEAR`` to
    ``MAX_YEAR`` (an unset field, "0001-01-01"), is not a date."""
    if isinstance(value, list) and value:  # JSON-LD may list one value
        value = value[0]
    if not value or not isinstance(value, str):
        return None
    raw = " ".join(value.split())
    if not raw or len(raw) > 80:
        return None
    parsed = _from_iso(raw)
    if parsed is None:
        parsed = _from_text(raw, day_first)
    if parsed is None or not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return None
    if not _HAS_TIME.search(raw):
        day = parsed.date()
        return Stamp(day.isoformat(), datetime(day.year, day.month, day.day))
    fraction = _FRACTION.search(raw)
    digits = len(fraction.group(1)) if fraction else 0
    spec = "seconds" if not digits else "milliseconds" if digits <= 3 else "microseconds"
    text = parsed.isoformat(timespec=spec)
    if parsed.utcoffset() == timedelta(0) and _ENDS_Z.search(raw):
        text = text.removesuffix("+00:00") + "Z"
    return Stamp(text, parsed)


def iso_datetime(value: Any, day_first: bool = True) -> str | None:
    """ISO 8601 form of a date or datetime string (see :func:`parse_date`), or None."""
    stamp = parse_date(value, day_first)
    return stamp.text if stamp else None


def _from_iso(raw: str) -> datetime | None:
    if not _YEAR_FIRST.match(raw):
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def _from_text(raw: str, day_first: bool) -> datetime | None:
    text = _GMT_SIGN.sub("", _COMMENT.sub(" ", raw)).strip()
    year_first = bool(_YEAR_FIRST.match(text))
    results = []
    for default in _SENTINELS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # unknown zone names ("EST") parse as naive
                results.append(
                    date_parser.parse(
                        text,
                        default=default,
                        dayfirst=day_first and not year_first,
                        yearfirst=year_first,
                    )
                )
        except (ValueError, OverflowError, TypeError, LookupError):
            return None
    first, second = results
    if first.date() != second.date():  # year, month or day came from the default
        return None
    return first


def month_first(tree: HtmlElement, url: str = "") -> bool:
    """Whether the page's locale writes numeric dates month first (US English).

    The region comes from ``<html lang>``, then ``og:locale``, then the URL's country
    domain; English without any region is taken as month first, every other language
    as day first."""
    lang = (tree.get("lang") or tree.get("xml:lang") or "").strip().lower()
    index = meta_index(tree)
    locale = next(iter(index.get(("property", "og:locale"), ())), "").strip().lower()
    if not lang:
        lang = locale
    language, _, region = lang.replace("_", "-").partition("-")
    if not region and locale.replace("_", "-").startswith(language + "-"):
        region = locale.replace("_", "-").partition("-")[2]
    if language not in ("en", ""):
        return False
    if not region:
        host = urlsplit(url).hostname or ""
        tld = host.rsplit(".", 1)[-1]
        region = tld if len(tld) == 2 else ""
    region = region[:2]
    return region in _MONTH_FIRST_REGIONS or (not region and language == "en")


def _json_ld(tree: HtmlElement) -> Iterator[tuple[bool, dict[str, Any]]]:
    """(is an article object, object) of the page's JSON-LD, ``mainEntity`` included."""
    for obj in json_ld_objects(tree):
        for node in (obj, obj.get("mainEntity")):
            if isinstance(node, dict) and not json_ld_types(node) & _NOT_THE_PAGE:
                yield is_article_object(node), node


def _ld_dates(tree: HtmlElement, key: str, day_first: bool) -> tuple[list[Stamp], list[Stamp]]:
    """``key`` values of the page's (article objects, other objects)."""
    articles: list[Stamp] = []
    others: list[Stamp] = []
    for is_article, obj in _json_ld(tree):
        stamp = parse_date(obj.get(key), day_first)
        if stamp:
            (articles if is_article else others).append(stamp)
    return articles, others


def _meta_dates(tree: HtmlElement, names: Iterable[str], day_first: bool) -> list[Stamp]:
    """Parsed values of the ``<meta>`` tags named ``names`` (case-folded), in that order."""
    folded: dict[str, list[str]] = {}
    for (_attr, name), values in meta_index(tree).items():
        folded.setdefault(name.strip().lower(), []).extend(values)
    found = []
    for name in names:
        for value in folded.get(name, ()):
            stamp = parse_date(value, day_first)
            if stamp:
                found.append(stamp)
                break
    return found


def _page_path(url: str) -> str:
    return urlsplit(url).path.rstrip("/")


def _links_elsewhere(elem: HtmlElement, url: str, inside: bool = False) -> bool:
    """Whether ``elem`` lies in a link to another page (``inside``: or holds one)."""
    anchors = list(elem.iterancestors("a"))
    if inside:
        anchors += elem.iter("a")
    return any(_links_elsewhere_href(a.get("href"), url) for a in anchors)


def _is_teaser(node: HtmlElement, url: str) -> bool:
    """Whether ``node`` is (part of) a teaser card: it holds headings that all link to
    one other page, and not the page's headline (``h1``)."""
    if next(node.iter("h1"), None) is not None:
        return False
    targets = set()
    for heading in node.iter(*_HEADINGS):
        for anchor in (*heading.iterancestors("a"), *heading.iter("a")):
            href = anchor.get("href")
            if _links_elsewhere_href(href, url):
                targets.add(href)
    return len(targets) == 1


def _in_teaser(elem: HtmlElement, url: str) -> bool:
    """Whether ``elem`` sits in a teaser card (a few levels up), so its date is the
    linked page's."""
    return any(_is_teaser(node, url) for node in islice(elem.iterancestors(), _CARD_DEPTH))


def _foreign(elem: HtmlElement, url: str) -> bool:
    """Whether ``elem`` belongs to another page: in a link to it or in its teaser card."""
    return _links_elsewhere(elem, url) or _in_teaser(elem, url)


def _marked_modified(elem: HtmlElement) -> bool:
    """Whether ``elem`` (or its parent) is labelled as a modification time: by its class,
    id or itemprop, or by an "updated" label in its text or just before it."""
    parent = elem.getparent()
    for node in (elem, parent):
        if node is None:
            continue
        cues = " ".join(filter(None, (node.get("class"), node.get("id"), node.get("itemprop"))))
        if _MODIFIED_CUE.search(cues) and not _PUBLISHED_CUE.search(cues):
            return True
    label = elem.text_content() if elem.tag == "time" else (elem.text or "")
    if parent is not None:
        label += " " + (parent.text or "")
    return len(label) < 2 * PROSE_CHARS and bool(_UPDATED_LABEL.search(label))


def _byline(
    tree: HtmlElement, url: str, day_first: bool, modified: list[Stamp]
) -> tuple[Stamp | None, Stamp | None]:
    """(``itemprop=datePublished`` value, ``<time datetime>`` of the article header).

    The header ends where the second prose paragraph starts. A date inside a link to
    another page or in its teaser card is that page's; a time labelled as an update
    or equal to a declared modification time is not the publication time."""
    declared: Stamp | None = None
    header: Stamp | None = None
    prose = 0
    for elem in _BYLINE(tree):
        itemprop = elem.get("itemprop")
        if elem.tag == "p" and itemprop is None:
            if prose < 2 and len(elem.text_content().strip()) >= PROSE_CHARS:
                prose += 1
            continue
        if itemprop == "datePublished":
            if declared is None and not _foreign(elem, url):
                value = elem.get("datetime") or elem.get("content") or elem.text_content()
                declared = parse_date(value, day_first)
        elif (
            itemprop != "dateModified"
            and header is None
            and prose < 2
            and not _marked_modified(elem)
            and not _foreign(elem, url)
        ):
            stamp = parse_date(elem.get("datetime"), day_first)
            if stamp and not any(stamp.same_instant(m) for m in modified):
                header = stamp
    return declared, header


def title_date(tree: HtmlElement, day_first: bool) -> Stamp | None:
    """A date standing as a part of its own in the page title ("Headline | Site |
    28.04.2023"): a publisher stamping the page with its date."""
    index = meta_index(tree)
    titles = [*index.get(("property", "og:title"), ()), tree.findtext(".//title") or ""]
    for title in titles:
        parts = _TITLE_PARTS.split(title.strip())
        for part in (parts[-1], parts[0]) if len(parts) > 1 else ():
            stamp = parse_date(part, day_first)
            if stamp:
                return stamp
    return None


def url_date(url: str) -> Stamp | None:
    """A full date (year, month, day) in the URL's path, or None: in the path's folders
    or words, or starting an article id minted from the publication time (see
    ``_URL_DATE``)."""
    for match in _URL_DATE.finditer(urlsplit(url).path):
        year, month, day = (int(g) for g in match.groups() if g)
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        return Stamp(found.isoformat(), datetime(year, month, day))
    return None


def _plausible(stamp: Stamp, others: list[Stamp], now: datetime) -> bool:
    """Not in the future (beyond a day), not the Unix epoch, and not far older than
    every other publication date the page declares."""
    value = stamp.value if stamp.value.tzinfo else stamp.value.replace(tzinfo=UTC)
    if value > now + FUTURE_SLACK or stamp.day() == date(1970, 1, 1):
        return False
    return not others or stamp.day() + STRAY_AGE >= min(o.day() for o in others)


def published(
    tree: HtmlElement, url: str, hints: dict[str, Any], now: datetime | None = None
) -> str | None:
    """Publication time of the page (ISO 8601, offset as declared), or None.

    The first plausible value of: the article's JSON-LD, publication ``<meta>`` tags,
    other JSON-LD (when no article object), the byline, the sitemap/feed date,
    htmldate's guess without body text, the URL. ``now``: the reference for "future"."""
    now = now or datetime.now(UTC)
    day_first = not month_first(tree, url)
    ld_article, ld_other = _ld_dates(tree, "datePublished", day_first)
    hinted = parse_date(hints.get("published"), day_first)
    structured = [
        *ld_article[:1],
        *_meta_dates(tree, PUBLISHED_META, day_first),
        *([] if ld_article else ld_other[:1]),
    ]
    from_url = url_date(url)
    # The byline search is the costly source. A declared date plausible against the
    # other dates found without it is plausible against all of them (more dates can
    # only lower the oldest one), so the byline is read only when that does not settle.
    cheap = [*structured, *(s for s in (hinted, from_url) if s)]
    if structured and len(cheap) > 1:
        first = structured[0]
        if _plausible(first, [s for s in cheap if s is not first], now):
            return first.text
    modified = list(declared_modified(tree, day_first))
    byline = _byline(tree, url, day_first, modified)
    declared = [*structured, *(s for s in (*byline, hinted) if s)]
    everything = [*declared, *([from_url] if from_url else [])]
    for stamp in declared:
        if _plausible(stamp, [s for s in everything if s is not stamp], now):
            return stamp.text
    titled = title_date(tree, day_first)
    if titled and _plausible(titled, everything, now):
        return titled.text
    guess = parse_date(guessed(tree, url, day_first, modified))
    if guess and _plausible(guess, everything, now):
        return guess.text
    if from_url and _plausible(from_url, [], now):
        return from_url.text
    return None


def declared_modified(tree: HtmlElement, day_first: bool) -> Iterator[Stamp]:
    """The modification times the page declares, best first: the article's JSON-LD
    ``dateModified``, modification ``<meta>`` tags, other JSON-LD objects'
    ``dateModified``. One reader for :func:`modified` (the first) and :func:`published`
    (all: a time equal to one of them is no publication time)."""
    articles, others = _ld_dates(tree, "dateModified", day_first)
    yield from articles
    yield from _meta_dates(tree, MODIFIED_META, day_first)
    yield from others


def modified(tree: HtmlElement) -> str | None:
    """Last modification time the page declares (ISO 8601, offset as declared), or None:
    the first of :func:`declared_modified`, then an ``itemprop=dateModified`` element."""
    day_first = not month_first(tree)
    for stamp in declared_modified(tree, day_first):
        return stamp.text
    for elem in tree.iterfind(".//*[@itemprop='dateModified']"):
        stamp = parse_date(elem.get("datetime") or elem.get("content"), day_first)
        if stamp:
            return stamp.text
    return None


def guessed(
    tree: HtmlElement, url: str, day_first: bool, modified: Iterable[Stamp] = ()
) -> str | None:
    """htmldate's date (``YYYY-MM-DD``) on a copy of what may carry the page's own
    publication date: the head and the article holding the headline (not the site's
    date widgets and sidebars), without prose (body text), media, teaser cards, links
    to other pages, scripts, attribute values other than dates and names, modification
    stamps (labelled so, or equal to a ``modified`` time) and the URL (read separately,
    last). On a month-first page numeric dates
    are rewritten year first (htmldate reads them day first)."""
    copy = _article_copy(tree)
    etree.strip_elements(copy, *_NOT_A_DATE, with_tail=False)
    modified = list(modified)
    doomed = []
    for elem in copy.iter(etree.Element):
        tag = elem.tag
        if tag == "meta":
            names = " ".join(filter(None, (elem.get(a) for a in _META_KEYS))).lower()
            content = elem.get("content") or ""
            if (
                _MODIFIED_CUE.search(names)
                or names in ("og:url", "copyrightyear")
                or content.startswith(("http", "/"))
                or len(content) > 64  # a description or a data blob, not a date
            ):
                doomed.append(elem)
        elif tag in _HEADINGS and _links_elsewhere(elem, url, inside=True):
            card = elem
            for node in islice(elem.iterancestors(), _CARD_DEPTH):
                if not _is_teaser(node, url):
                    break
                card = node
            doomed.append(card)
        elif (
            (tag in _PROSE_PARENTS and len(elem.text_content()) >= PROSE_CHARS)
            or (tag == "a" and _links_elsewhere_href(elem.get("href"), url))
            or (tag in ("time", "span", "div", "li", "p") and _marked_modified(elem))
            or (modified and _states(elem, modified, day_first))
        ):
            doomed.append(elem)
    for elem in doomed:
        if elem.getparent() is not None:  # not dropped already
            elem.drop_tree()
    for elem in copy.iter(etree.Element):
        for name in [a for a in elem.attrib if a not in _KEPT_ATTRIBUTES]:
            del elem.attrib[name]
        elem.text = _prune_text(elem.text, day_first)
        elem.tail = _prune_text(elem.tail, day_first)
    try:
        return find_date(copy, extensive_search=False, original_date=True, url="")
    except Exception:  # htmldate on pathological markup
        return None


def _states(elem: HtmlElement, stamps: list[Stamp], day_first: bool) -> bool:
    """Whether ``elem``'s machine-readable date is one of ``stamps``."""
    value = elem.get("datetime")
    stamp = parse_date(value, day_first) if value else None
    return stamp is not None and any(stamp.same_instant(s) for s in stamps)


def _article_copy(tree: HtmlElement) -> HtmlElement:
    """A copy of the page's head and of the ``<article>`` (else ``<main>``) holding the
    first ``<h1>``; of the whole page when there is no such container."""
    h1 = next(tree.iter("h1"), None)
    head = tree.find("head")
    container = None
    if h1 is not None:
        ancestors = list(h1.iterancestors())
        container = next((a for a in ancestors if a.tag == "article"), None)
        if container is None:
            container = next((a for a in ancestors if a.tag == "main"), None)
    if container is None or head is None:
        return deepcopy(tree)
    page = document_fromstring("<html><body></body></html>")
    page.insert(0, deepcopy(head))
    page[-1].append(deepcopy(container))
    return page


def _links_elsewhere_href(href: str | None, url: str) -> bool:
    if not href or href.startswith("#"):
        return False
    if not url:
        return True
    # an absolute http(s) link is its own join (urljoin's cost, on every link of a page)
    target = href if href.startswith(("http://", "https://")) else urljoin(url, href)
    return _page_path(target) != _page_path(url)


def _prune_text(text: str | None, day_first: bool) -> str | None:
    """``text`` without prose; on a month-first page, its numeric dates year first."""
    if not text or len(text) < 6:
        return text
    if len(text.strip()) >= PROSE_CHARS:
        return None
    if day_first:
        return text
    return _AMBIGUOUS_NUMERIC.sub(_year_first, text)


def _year_first(match: re.Match[str]) -> str:
    """A month/day/year date as `` YYYY-MM-DD `` (day/month swapped when impossible)."""
    month, day, year = int(match.group(1)), int(match.group(3)), match.group(4)
    if month > 12 >= day:
        day, month = month, day
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return match[0]
    return f" {year}-{month:02d}-{day:02d} "
