"""Every matcher in crawler.extract.matchers selects exactly what its trafilatura XPath selects."""

from __future__ import annotations

import functools
import gzip
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from trafilatura.settings import BASIC_CLEAN_XPATH
from trafilatura.xpaths import (
    AUTHOR_DISCARD_XPATHS,
    AUTHOR_XPATHS,
    BODY_XPATH,
    CATEGORIES_XPATHS,
    OVERALL_DISCARD_XPATH,
    RAW_TREE_PRUNE_XPATH,
    REMOVE_COMMENTS_AND_LISTS_XPATH,
    REMOVE_COMMENTS_XPATH,
    TAGS_XPATHS,
)

from crawler.extract import matchers as fx
from crawler.extract.metadata import may_hold_category_links
from crawler.extract.record import parse_html

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT.parent / "shared" / "bench" / "articles"

PAIRS: dict[str, tuple[Callable[[Any], list[Any]], Callable[[Any], list[Any]]]] = {
    "remove_comments_and_lists": (fx.REMOVE_COMMENTS_AND_LISTS, REMOVE_COMMENTS_AND_LISTS_XPATH[0]),
    "remove_comments": (fx.REMOVE_COMMENTS, REMOVE_COMMENTS_XPATH[0]),
    "raw_tree_prune": (fx.RAW_TREE_PRUNE, RAW_TREE_PRUNE_XPATH[0]),
    "raw_tree_prune_buttons": (fx.RAW_TREE_PRUNE_BUTTONS, RAW_TREE_PRUNE_XPATH[1]),
    "overall_discard_sections": (fx.OVERALL_DISCARD_SECTIONS, OVERALL_DISCARD_XPATH[0]),
    "overall_discard_hidden": (fx.OVERALL_DISCARD_HIDDEN, OVERALL_DISCARD_XPATH[1]),
    "body_first": (fx.BODY_FIRST, BODY_XPATH[0]),
    "author_0": (fx.AUTHOR_BYLINES[0], AUTHOR_XPATHS[0]),
    "author_1": (fx.AUTHOR_BYLINES[1], AUTHOR_XPATHS[1]),
    "author_2": (fx.AUTHOR_BYLINES[2], AUTHOR_XPATHS[2]),
    "author_discard_0": (fx.AUTHOR_DISCARD[0], AUTHOR_DISCARD_XPATHS[0]),
    "author_discard_1": (fx.AUTHOR_DISCARD[1], AUTHOR_DISCARD_XPATHS[1]),
    "basic_clean": (fx.BASIC_CLEAN, BASIC_CLEAN_XPATH),
}

#: Markup aimed at each clause: attribute order, missing and empty attributes,
#: lookaheads, case, positional ``[1]``, content tests, elements outside the context.
EDGE_CASES = """<!DOCTYPE html><html class="author"><head><title>t</title>
<link rel="author" href="/me"></head><body>
<div class="x" id="cookie">class first: no cookie test on the id</div>
<div id="cookie-1" class="y">id first</div>
<span class="cookie">cookie class</span>
<div id="a" class="Cookie-Banner">consent, any case</div>
<div class="commentary">not a comment</div><div id="Comments">comments</div>
<ul class="comment-list"><li>x</li></ul><ol id="commentary-list"><li>x</li></ol>
<ul id="comol"><li>x</li></ul><section class="post-comments"><p>x</p></section>
<details class="comments-area">x</details>
<div class="infinite-scroll"><h1>kept: has a heading</h1></div>
<div class="infinite-scroll"><p>pruned</p></div>
<aside id="mvp-post-add-box"><h1>pruned anyway</h1></aside>
<div class="elementor-share-buttons">x</div>
<div data-lp-replacement-content="">empty but present</div>
<div role="Navigation">role</div><p data-component="MostPopularStories-x">x</p>
<span class=" ad ">ad</span><span class="x-ad-y">ad</span><span class="ad-top">ad</span>
<div id="ad-slot">ad id</div><div id="x-ad-slot">not an ad id</div>
<div style="display:none">hidden</div><div style="x" id="hidden-box">style first</div>
<div id="hidden-box" style="x">id first</div><div class="hidden" aria-hidden="true">a</div>
<p class="reply-x">reply</p><p id="reply-1" class="z">reply id</p>
<p class="z" id="reply-1">class first</p><div class="comments-title">t</div>
<div class="footer-links">footer class</div><div id="x" class="site-footer">id read first</div>
<div class="a" id="page-footer">class read first</div>
<script>var x = 1;</script><style>p{}</style><svg><g></g></svg><template>t</template>
<fencedframe>f</fencedframe><footer>f</footer><aside>a</aside>
<main><div class="entry">first</div><div class="entry">second</div>
<section><div id="article-body">nested first</div><div class="post-content">next</div></section>
<article itemprop="articleBody">x</article></main>
<p class="byline">By A</p><span itemprop="author">B</span><div id="Author-box">C</div>
<div class="writer-name">D</div><h3 class="posted-by">E</h3><h4 id="zuozhe">F</h4>
<a rel="author" href="/a">G</a><address class="author">H</address>
<strong class="authorName">I</strong><span data-testid="AuthorCard">J</span>
<p><rel>me</rel>K</p><div><rel>you</rel>L</div><author>M</author>
<div data-component="Byline">N</div>
<div class="sidebar"><span class="author">in sidebar</span></div>
<section class="meta-date">x</section><a class="print">p</a><span data-component="Figure">f</span>
<div id="comments">c</div><div class="title">t</div><time>t</time><figure>f</figure>
</body></html>"""


@functools.cache
def _parsed() -> list[tuple[str, Any]]:
    return list(_parse_all())


def _trees() -> Iterator[tuple[str, Any]]:
    """Every page (parsed once per test session; nothing here modifies them)."""
    yield from _parsed()


def _parse_all() -> Iterator[tuple[str, Any]]:
    yield "edge cases", parse_html(EDGE_CASES)
    paths = sorted((ROOT / "samples").rglob("*.html")) + sorted(
        (ROOT / "tests/sites").rglob("*.html")
    )
    if BENCH.is_dir():  # real pages, gzipped (../shared is there in CI)
        paths += sorted(BENCH.glob("*.html.gz"))
    for path in paths:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        tree = parse_html(data.decode("utf-8", errors="replace"))
        if tree is not None:
            yield str(path.relative_to(ROOT.parent)), tree


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_matcher_selects_what_its_xpath_selects(name: str) -> None:
    ours, theirs = PAIRS[name]
    checked = matched = 0
    for label, tree in _trees():
        # the whole page, and a subtree (relative paths stay below it, // does not)
        body = tree.find(".//body")
        for context in (tree, body) if body is not None else (tree,):
            expected = theirs(context)
            got = ours(context)
            assert got == expected, f"{name} on {label}"
            checked += 1
            matched += bool(expected)
    assert matched, f"{name} matched nothing: the comparison proves nothing"


def test_edge_cases_hit_the_attribute_order_rules() -> None:
    tree = parse_html(EDGE_CASES)
    assert tree is not None
    sections = [e.text for e in fx.OVERALL_DISCARD_SECTIONS(tree)]
    assert "id first" in sections
    assert "class first: no cookie test on the id" not in sections
    hidden = [e.text for e in fx.OVERALL_DISCARD_HIDDEN(tree)]
    assert "id first" in hidden and "style first" not in hidden
    assert "class first" not in hidden and "reply id" in hidden
    basic = [e.text for e in fx.BASIC_CLEAN(tree)]
    assert "footer class" in basic
    assert "id read first" not in basic and "class read first" not in basic


def test_matcher_cache_is_bounded() -> None:
    matcher = fx.OVERALL_DISCARD_SECTIONS
    tree = parse_html(
        "<html><body>"
        + "".join(f'<div class="c{i}">x</div>' for i in range(fx._CACHE_LIMIT + 10))
        + "</body></html>"
    )
    matcher(tree)
    matcher(tree)
    assert len(matcher.cache) <= fx._CACHE_LIMIT + 10


def _random_page(rnd: random.Random, depth: int = 0) -> str:
    tags = ["div", "p", "span", "aside", "footer", "script", "a", "li", "ul", "b", "section", "br"]
    attrs = [
        "",
        ' class="cookie-banner"',
        ' id="site-footer"',
        ' class="x"',
        ' class="a" id="footer"',
    ]
    texts = ["", "a", " b ", "c\u200bd", "\x07e", "f\u00adg", "  ", "\n"]
    out = rnd.choice(texts)
    if depth > 4:
        return out
    for _ in range(rnd.randint(0, 4)):
        tag = rnd.choice(tags)
        inner = _random_page(rnd, depth + 1)
        out += f"<{tag}{rnd.choice(attrs)}>{inner}</{tag}>{rnd.choice(texts)}"
    return out


def _with_random_pages(make: Callable[[random.Random], str], seed: int, count: int) -> list[Any]:
    """Every real page's tree, then ``count`` random pages built by ``make``."""
    rnd = random.Random(seed)
    trees = [tree for _, tree in _trees()]
    for _ in range(count):
        tree = parse_html(f"<html><body>{make(rnd)}</body></html>")
        if tree is not None:
            trees.append(tree)
    return trees


def test_page_text_equals_trafilatura_html2txt() -> None:
    """The escalation check's page measure, read without copying the tree, is html2txt's."""
    from trafilatura.baseline import html2txt

    from crawler.extract.trafilatura_adapter import _page_text

    for tree in _with_random_pages(_random_page, 3, 600):
        assert _page_text(tree) == html2txt(tree)


def test_page_text_bound_is_never_below_the_page_text() -> None:
    """The escalation check's cheap bound holds on real pages and odd markup (nested
    removed blocks, control characters, soft hyphens, minified block runs)."""
    from crawler.extract.trafilatura_adapter import _page_text, _page_text_bound

    for tree in _with_random_pages(_random_page, 11, 1500):
        assert _page_text_bound(tree) >= len(_page_text(tree))
    real = [tree for _, tree in _trees()]
    # and on real pages with some text (fixture stubs are mostly padding allowance)
    # close enough to settle most checks without the exact measure
    sized = [(len(_page_text(t)), _page_text_bound(t)) for t in real]
    sized = [(exact, bound) for exact, bound in sized if exact >= 1000]
    assert sum(bound <= 1.5 * exact for exact, bound in sized) > 0.9 * len(sized) > 0


def _author_reference(tree: Any) -> str | None:
    """The byline search as it was with AUTHOR_DISCARD evaluated over the whole page."""
    from trafilatura.metadata import normalize_authors
    from trafilatura.utils import trim

    from crawler.extract.metadata.authors import text_outside as _text_outside

    discard: set[Any] = set()
    for expression in fx.AUTHOR_DISCARD:
        discard.update(expression(tree))
    for expression in fx.AUTHOR_BYLINES:
        for elem in expression(tree):
            if elem in discard or any(a in discard for a in elem.iterancestors()):
                continue
            content = trim(" ".join(_text_outside(elem, discard)))
            if content and 2 < len(content) < 120:
                return normalize_authors(None, content)
    return None


def _random_byline_page(rnd: random.Random, depth: int = 0) -> str:
    tags = ["div", "span", "a", "p", "section", "time", "figure", "h3", "author", "li"]
    attrs = [
        "",
        ' class="byline"',
        ' class="author"',
        ' itemprop="author"',
        ' rel="author"',
        ' class="comments"',
        ' class="sidebar"',
        ' id="comments"',
        ' data-component="Figure"',
        ' class="meta-date"',
        ' class="posted-by writer"',
    ]
    names = ["", "By Ann Lee", " and ", "Bo Chen", "12 May", "Share", "  "]
    out = rnd.choice(names)
    if depth > 3:
        return out
    for _ in range(rnd.randint(0, 3)):
        tag = rnd.choice(tags)
        out += f"<{tag}{rnd.choice(attrs)}>{_random_byline_page(rnd, depth + 1)}</{tag}>"
        out += rnd.choice(names)
    return out


def test_byline_search_equals_the_whole_page_discard_version() -> None:
    """Testing AUTHOR_DISCARD on a candidate's ancestors and descendants finds the
    authors that evaluating it over the whole page first found."""
    from crawler.extract.metadata.authors import author_from_markup as _author_from_markup

    found = 0
    for tree in _with_random_pages(_random_byline_page, 5, 2000):
        expected = _author_reference(tree)
        assert _author_from_markup(tree) == expected
        found += expected is not None
    assert found > 300  # the random pages do exercise bylines


#: markup that each of trafilatura's category and tag link expressions matches
_CATSTAGS_CLAUSES = [
    '<div class="post-info x"><a href="/category/a/">A</a></div>',
    '<div class="postmeta"><a href="/category/a/">A</a></div>',
    '<div class="meta-data"><a href="/tag/a/">A</a></div>',
    '<div class="entry-utility"><a href="/category/a/">A</a></div>',
    '<div id="postpath-1"><a href="/category/a/">A</a></div>',
    '<p class="postmeta x"><a href="/category/a/">A</a></p>',
    '<p class="entry-categories"><a href="/category/a/">A</a></p>',
    '<p class="postinfo"><a href="/category/a/">A</a></p>',
    '<p id="filedunder"><a href="/category/a/">A</a></p>',
    '<footer class="entry-footer"><a href="/category/a/">A</a></footer>',
    '<ul><li class="post-category"><a href="/category/a/">A</a></li></ul>',
    '<span class="x cat-links"><a href="/category/a/">A</a></span>',
    '<header class="entry-header"><a href="/category/a/">A</a></header>',
    '<div class="row"><a href="/tag/a/">A</a></div>',
    '<div class="tags"><a href="/tag/a/">A</a></div>',
    '<p class="entry-tags x"><a href="/tag/a/">A</a></p>',
    '<div class="jp-relatedposts"><a href="/tag/a/">A</a></div>',
    '<div class="tagcloud"><a href="/tag/a/">A</a></div>',
    '<section class="entry-meta"><a href="/tag/a/">A</a></section>',
    '<section class="hot-topics"><a href="/tag/a/">A</a></section>',
    '<section class="tags-links"><a href="/tag/a/">A</a></section>',
]


def _catstags_hits(tree: Any) -> int:
    return sum(len(expr(tree)) for expr in (*CATEGORIES_XPATHS, *TAGS_XPATHS))


@pytest.mark.parametrize("markup", _CATSTAGS_CLAUSES)
def test_a_page_a_category_or_tag_expression_matches_passes_the_prefilter(markup: str) -> None:
    tree = parse_html(f"<html><body><main>{markup}</main></body></html>")
    assert tree is not None
    assert _catstags_hits(tree) > 0  # the markup does hit an expression
    assert may_hold_category_links(tree)


def test_the_category_link_prefilter_passes_every_real_page_an_expression_matches() -> None:
    checked = skipped = 0
    for name, tree in _trees():
        if not may_hold_category_links(tree):
            assert _catstags_hits(tree) == 0, name
            skipped += 1
        checked += 1
    assert checked > 10 and skipped > 0
