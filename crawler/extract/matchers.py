"""Equivalents of trafilatura's costliest XPath expressions, without per-element Python calls.

trafilatura 2.3.1 selects page sections with XPath expressions that call EXSLT's
``re:test`` on the ``id`` and ``class`` of every candidate element. libxml2 calls
back into Python for each of those tests (and builds an element proxy for each),
which makes a handful of expressions a third of trafilatura's run time.

Each matcher here returns exactly what its expression returns, in document order:
lxml's tag-filtered iteration (C code, and several times faster than libxml2's
``self::div or self::p ...`` tests) walks the elements of the right tags, those
without any of the attributes the expression reads are passed over, and the
expression's tests run in Python once per distinct combination of those attribute
values (pages repeat them a lot), on the same regular expressions (``re:test`` is
Python's ``re.search``).

XPath details kept: ``re:test(@id|@class, ...)`` and ``contains(@class|@id, ...)``
read the attribute that comes first on the element; a missing attribute tests as
the empty string; ``//`` searches the whole document, ``.//`` only below the
context element. ``tests/test_matchers.py`` checks every matcher against its
expression, on real pages and on markup built to hit each clause.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from lxml import etree

_ID_CLASS = ("id", "class")
#: Entries a matcher's cache may hold (a bound on memory in a long-running worker:
#: about 0.3 kB each). A site's pages share a few hundred attribute combinations;
#: 181 different sites crawled at once need up to 9,500 in the largest cache.
_CACHE_LIMIT = 12_000


def _first_of(elem: Any, names: tuple[str, str], values: tuple[str | None, str | None]) -> str:
    """String value of ``@a|@b``: whichever of the two attributes comes first on ``elem``."""
    a, b = values
    if a is None:
        return b or ""
    if b is None:
        return a
    keys = elem.keys()
    return a if keys.index(names[0]) < keys.index(names[1]) else b


class _Matcher:
    """Elements of ``tags`` (any element when empty) below the context element (from the
    document root, itself included, when ``absolute``) whose ``key`` is not None and
    passes ``test``; tests are cached by key."""

    def __init__(
        self,
        tags: tuple[str, ...],
        key: Callable[[Any], tuple[Any, ...] | None],
        test: Callable[[tuple[Any, ...]], bool],
        absolute: bool = False,
    ) -> None:
        self.tags: tuple[Any, ...] = tags or (etree.Element,)
        self.key = key
        self.test = test
        self.absolute = absolute
        self.cache: dict[tuple[Any, ...], bool] = {}

    def __call__(self, tree: Any) -> list[Any]:
        if self.absolute:
            elements = tree.getroottree().getroot().iter(*self.tags)
        else:
            elements = tree.iterdescendants(*self.tags)
        cache, key_of, test = self.cache, self.key, self.test
        if len(cache) > _CACHE_LIMIT:
            # forget the older half (dicts keep insertion order): the sites being
            # crawled now keep their entries
            for key in list(itertools.islice(cache, len(cache) // 2)):
                del cache[key]
        out = []
        for elem in elements:
            key = key_of(elem)
            if key is None:
                continue
            hit = cache.get(key)
            if hit is None:
                hit = cache[key] = test(key)
            if hit:
                out.append(elem)
        return out

    def matches(self, elem: Any) -> bool:
        """Whether ``elem`` is one this matcher selects (given it lies in its scope)."""
        if self.tags != (etree.Element,) and elem.tag not in self.tags:
            return False
        if not isinstance(elem.tag, str):
            return False
        key = self.key(elem)
        if key is None:
            return False
        hit = self.cache.get(key)
        if hit is None:
            hit = self.cache[key] = self.test(key)
        return hit


def _search(pattern: str, flags: int = 0) -> Callable[[str], bool]:
    compiled = re.compile(pattern, flags)
    return lambda value: compiled.search(value) is not None


# --- htmlprocessing / core: comment sections and raw-tree prunes ------------------

_COMMENTS_ID = _search("^(?:[Cc]omment(?!ary)|comol|disqus_thread|dsq-comments)")
_COMMENTS_ID_SHORT = _search("^(?:[Cc]omment(?!ary)|comol)")
_COMMENTS_CLASS = _search("^[Cc]omment(?!ary)|(?:article|post)-comments")


def _id_class_key(elem: Any) -> tuple[Any, ...] | None:
    id_, cls = elem.get("id"), elem.get("class")
    if id_ is None and cls is None:
        return None
    return (elem.tag, id_ or "", cls or "")


def _comments_and_lists(key: tuple[Any, ...]) -> bool:
    tag, id_, cls = key
    if not (_COMMENTS_ID(id_) or _COMMENTS_CLASS(cls)):
        return False
    return tag not in ("ol", "ul") or _COMMENTS_ID_SHORT(id_) or _COMMENTS_CLASS(cls)


#: ``REMOVE_COMMENTS_AND_LISTS_XPATH[0]``
REMOVE_COMMENTS_AND_LISTS = _Matcher(
    ("div", "list", "section", "details", "ol", "ul"),
    _id_class_key,
    _comments_and_lists,
)


def _comments(key: tuple[Any, ...]) -> bool:
    _, id_, cls = key
    return _COMMENTS_ID(id_) or _COMMENTS_CLASS(cls)


#: ``REMOVE_COMMENTS_XPATH[0]``
REMOVE_COMMENTS = _Matcher(("div", "list", "section", "details"), _id_class_key, _comments)

_INFINITE = _search("mvp-post-add-(?:box|wrap)|infinite-?scroll")
_MVP = _search("mvp-post-add-(?:box|wrap)")


def _raw_prune_key(elem: Any) -> tuple[Any, ...] | None:
    id_, cls = elem.get("id") or "", elem.get("class") or ""
    if not (_INFINITE(id_) or _INFINITE(cls)):
        return None
    # ``not(.//h1)`` depends on the element's content, not only its attributes
    return (True, _MVP(id_) or _MVP(cls) or elem.find(".//h1") is None)


#: ``RAW_TREE_PRUNE_XPATH[0]``
RAW_TREE_PRUNE = _Matcher(
    ("div", "section", "aside"),
    _raw_prune_key,
    lambda key: key[0] and key[1],
)
#: ``RAW_TREE_PRUNE_XPATH[1]``
RAW_TREE_PRUNE_BUTTONS = _Matcher(
    ("div", "section", "aside"),
    lambda elem: (elem.get("class"),) if elem.get("class") else None,
    lambda key: "elementor-share-buttons" in key[0],
)


# --- main extractor: sections discarded before extraction -------------------------

_OVERALL_ID = _search(
    "^shar|social|viral|newsletter|syndication|tags|sidebar|banner|bread-?crumb|button|author"
    "|^(?:jp-|dpsp-content)|bmdh|footer|Footer|share|Share|nav|Nav|menu|related"
    "|message-container|premium|^ad-"
)
_OVERALL_CLASS = _search(
    "^shar|social|viral|newsletter|syndication|tags|sidebar|banner|bread-?crumb|button|author"
    "|^(?:nav|post-nav|ZendeskForm)|subnav|avigation|navbar|navbox|menu|bar| ad |-ad-|(?:^| )ad-"
    "|dfp[Aa]d|outbrain|taboola|criteo|paid-?content|widget|footer|Footer|byline|Byline|share-"
    "|sociable|embedded|embed|tag-list|consent|modal-content|permission|elated|next-|-stories"
    "|most-popular|more-on|meta|rating|attachment|timestamp|user-info|user-profile|-icon"
    "|article-infos|message-container|slide|viewport|overlay|options|expand|obfuscated|blurred"
    "|mol-factbox|yin|zlylin|nfoline"
)
_COOKIE = _search("cookie")


def _overall_key(elem: Any) -> tuple[Any, ...] | None:
    if not elem.attrib:
        return None
    id_, cls = elem.get("id"), elem.get("class")
    role, component = elem.get("role"), elem.get("data-component")
    lp = elem.get("data-lp-replacement-content") is not None
    if id_ is None and cls is None and role is None and component is None and not lp:
        return None
    return (
        lp,
        role or "",
        component or "",
        _first_of(elem, _ID_CLASS, (id_, cls)),
        id_ or "",
        cls or "",
    )


def _overall(key: tuple[Any, ...]) -> bool:
    lp, role, component, first, id_, cls = key
    return (
        lp
        or "nav" in role.replace("N", "n")
        or "MostPopularStories" in component
        or _COOKIE(first)
        or _OVERALL_ID(id_)
        or _OVERALL_CLASS(cls)
    )


#: ``OVERALL_DISCARD_XPATH[0]``
OVERALL_DISCARD_SECTIONS = _Matcher(
    ("div", "item", "list", "p", "section", "span"),
    _overall_key,
    _overall,
)

_HIDDEN = _search("hidden")
_HIDDEN_ID = _search("reader-comments|akismet")
_HIDDEN_CLASS = _search(
    "^hide-|comments-title|nocomments|-reply-|message|akismet|suggest-links|-hide-|hide-print"
    "| hidden| hide|noprint|notloaded"
)


def _hidden_key(elem: Any) -> tuple[Any, ...] | None:
    if not elem.attrib:
        return None
    id_, cls, style = elem.get("id"), elem.get("class"), elem.get("style")
    aria = elem.get("aria-hidden")
    if id_ is None and cls is None and style is None and aria is None:
        return None
    return (
        cls or "",
        _first_of(elem, _ID_CLASS, (id_, cls)),
        _first_of(elem, ("id", "style"), (id_, style)),
        style or "",
        id_ or "",
        aria,
    )


def _hidden(key: tuple[Any, ...]) -> bool:
    cls, id_or_class, id_or_style, style, id_, aria = key
    return (
        cls == "comments-title"
        or id_or_class.startswith("reply-")
        or _HIDDEN(id_or_style)
        or "display:none" in style
        or "display: none" in style
        or _HIDDEN_ID(id_)
        or _HIDDEN_CLASS(cls)
        or aria == "true"
    )


#: ``OVERALL_DISCARD_XPATH[1]``
OVERALL_DISCARD_HIDDEN = _Matcher((), _hidden_key, _hidden)

# --- main extractor: where the article body is ------------------------------------

_BODY_ID = _search(
    "(?:entry|article|art)-content|article__content|article(?:-|__)?body|articleBody|body-text"
)
_BODY_CLASS = _search(
    "post[-_]text|post-body|post-?entry|post[-_]?content|postContent|post_inner_wrapper"
    "|article-?text|articleText|(?:entry|page|text|article|art)-content|article__content"
    "|article(?:-|__)?body|articleBody|ArticleContent|body-text|article__container"
)


def _body_key(elem: Any) -> tuple[Any, ...] | None:
    cls, itemprop, id_ = elem.get("class"), elem.get("itemprop"), elem.get("id")
    if cls is None and itemprop is None and id_ is None:
        return None
    return (cls or "", itemprop, id_ or "")


def _body(key: tuple[Any, ...]) -> bool:
    cls, itemprop, id_ = key
    return (
        cls in ("post", "entry")
        or itemprop == "articleBody"
        or id_ == "articleContent"
        or _BODY_ID(id_)
        or _BODY_CLASS(cls)
    )


class _FirstChildMatcher(_Matcher):
    """An expression ending in ``[1]`` on a ``.//*`` step: each parent's first matching child."""

    def __call__(self, tree: Any) -> list[Any]:
        out, parents = [], set()
        for elem in super().__call__(tree):
            parent = elem.getparent()
            if parent not in parents:
                parents.add(parent)
                out.append(elem)
        return out


#: ``BODY_XPATH[0]``
BODY_FIRST = _FirstChildMatcher(
    ("article", "div", "main", "section"),
    _body_key,
    _body,
)

# --- metadata: bylines ---------------------------------------------------------------

_AUTHOR_NAME_CLASS = _search("author-?name|AuthorName|authorName")


class _Bylines(_Matcher):
    """``AUTHOR_XPATHS[0]``, whose ``rel='me'`` clause tests a child ``<rel>`` element's text
    (found once per call: such children are rare)."""

    def __init__(self) -> None:
        super().__init__(
            ("a", "address", "div", "link", "p", "span", "strong", "author"),
            self._key,
            _author0,
            absolute=True,
        )
        self.rel_me: set[Any] = set()

    def __call__(self, tree: Any) -> list[Any]:
        root = tree.getroottree().getroot()
        self.rel_me = {rel.getparent() for rel in root.iter("rel") if rel.xpath("string()") == "me"}
        try:
            return super().__call__(tree)
        finally:
            self.rel_me = set()

    def _key(self, elem: Any) -> tuple[Any, ...] | None:
        if elem.tag == "author":
            return (True,)
        rel_me = elem in self.rel_me
        if not elem.attrib and not rel_me:
            return None
        return (
            False,
            elem.get("rel"),
            elem.get("id"),
            elem.get("class"),
            elem.get("itemprop"),
            elem.get("data-testid"),
            rel_me,
        )


def _author0(key: tuple[Any, ...]) -> bool:
    if key[0]:
        return True
    _, rel, id_, cls, itemprop, testid, rel_me = key
    return (
        rel == "author"
        or id_ == "author"
        or cls == "author"
        or itemprop == "author name"
        or rel_me
        or testid in ("AuthorCard", "AuthorURL")
        or _AUTHOR_NAME_CLASS(cls or "")
    )


_AUTHOR1_ID = _search("author|zuozhe|bianji|xiaobian")
_AUTHOR1_CLASS = _search(
    "author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"
)


def _author1_key(elem: Any) -> tuple[Any, ...] | None:
    cls, itemprop, id_ = elem.get("class"), elem.get("itemprop"), elem.get("id")
    if cls is None and itemprop is None and id_ is None:
        return None
    return (cls or "", itemprop or "", id_ or "")


def _author1(key: tuple[Any, ...]) -> bool:
    cls, itemprop, id_ = key
    return (
        cls in ("byline", "username", "byl", "BBL")
        or "author" in itemprop
        or _AUTHOR1_ID(id_)
        or _AUTHOR1_CLASS(cls)
    )


_AUTHOR2_ID = _search("[Aa]uthor")
_AUTHOR2_CLASS = _search("[Aa]uthor|screenname|writer|[Bb]yline")


def _author2_key(elem: Any) -> tuple[Any, ...] | None:
    if not elem.attrib:
        return None
    component, itemprop = elem.get("data-component"), elem.get("itemprop")
    id_, cls = elem.get("id"), elem.get("class")
    if component is None and itemprop is None and id_ is None and cls is None:
        return None
    return (component or "", itemprop or "", id_ or "", cls or "")


def _author2(key: tuple[Any, ...]) -> bool:
    component, itemprop, id_, cls = key
    return "Byline" in component or "author" in itemprop or _AUTHOR2_ID(id_) or _AUTHOR2_CLASS(cls)


#: ``AUTHOR_XPATHS``, in order
AUTHOR_BYLINES = [
    _Bylines(),
    _Matcher(
        ("a", "div", "h3", "h4", "p", "span"),
        _author1_key,
        _author1,
        absolute=True,
    ),
    _Matcher(
        (),
        _author2_key,
        _author2,
        absolute=True,
    ),
]

_DISCARD_ID = _search("^comments|comment-?list|ProductReviews")
_DISCARD_CLASS = _search(
    "^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram"
    "|article-(?:share|support)|print|category|meta-date|meta-reviewer"
)


def _author_discard_key(elem: Any) -> tuple[Any, ...] | None:
    id_, cls, component = elem.get("id"), elem.get("class"), elem.get("data-component")
    if id_ is None and cls is None and component is None:
        return None
    return (id_ or "", cls or "", component or "")


def _author_discard(key: tuple[Any, ...]) -> bool:
    id_, cls, component = key
    return (
        id_ == "comments"
        or cls in ("comments", "title", "date")
        or _DISCARD_ID(id_)
        or _DISCARD_CLASS(cls)
        or "Figure" in component
    )


#: ``AUTHOR_DISCARD_XPATHS``, in order
AUTHOR_DISCARD = [
    _Matcher(
        ("a", "div", "section", "span"),
        _author_discard_key,
        _author_discard,
    ),
    etree.XPath("//time|//figure"),
]


def author_discarded(elem: Any, root: Any) -> bool:
    """Whether ``AUTHOR_DISCARD`` evaluated on ``root`` selects ``elem`` (an element of
    root's document), without evaluating it on the whole tree."""
    if elem.tag in ("time", "figure"):
        return True
    return elem is not root and AUTHOR_DISCARD[0].matches(elem)


# --- baseline: the page text trafilatura measures an extraction against ------------

_COOKIE_CONSENT = _search(
    "cookie[-_]?(?:banner|bar|consent|law|notice|policy|description)|notice[-_]{0,2}cookie"
    "|consent[-_]?(?:banner|manager|sdk)|borlabs|cookiebot|cmplz|onetrust|moove[-_]?gdpr",
    re.IGNORECASE,
)
#: Tags ``BASIC_CLEAN`` removes whatever their attributes
BASIC_TAGS = frozenset(("aside", "fencedframe", "footer", "script", "style", "svg", "template"))


def _basic_key(elem: Any) -> tuple[Any, ...] | None:
    tag = elem.tag
    if tag in BASIC_TAGS:
        return (True,)
    if not elem.attrib:
        return None
    id_, cls = elem.get("id"), elem.get("class")
    if id_ is None and cls is None:
        return None
    return (
        tag == "div" and "footer" in _first_of(elem, ("class", "id"), (cls, id_)),
        cls or "",
        id_ or "",
    )


def _basic(key: tuple[Any, ...]) -> bool:
    if key[0]:
        return True
    _, cls, id_ = key
    return _COOKIE_CONSENT(cls) or _COOKIE_CONSENT(id_)


#: ``trafilatura.settings.BASIC_CLEAN_XPATH``
BASIC_CLEAN = _Matcher((), _basic_key, _basic)
