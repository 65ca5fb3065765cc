"""Unit tests for crawler/discovery/: robots, sitemaps, feeds, listing pages, URL shapes."""

from __future__ import annotations

import gzip

import pytest

from crawler.discovery.feeds import feed_links, looks_like_feed_url, parse_feed
from crawler.discovery.lastmod import is_newer, iso_date
from crawler.discovery.links import page_links, url_kind
from crawler.discovery.parsing import parse_html, xml_kind
from crawler.discovery.sitemaps import (
    SitemapEntry,
    looks_like_sitemap_url,
    maybe_gunzip,
    order_sitemap_children,
    parse_sitemap,
    robots_sitemaps,
    sitemap_rank,
)

BASE = "https://news.example.com/"


# --------------------------------------------------------------------- robots
def test_robots_sitemap_lines_any_case_with_comments_and_repeats() -> None:
    robots = """User-agent: *
Disallow: /search
# Sitemap: https://news.example.com/commented.xml
sitemap: https://news.example.com/sitemap_index.xml
Sitemap:   https://news.example.com/news-sitemap.xml   # Google News
Sitemap: https://news.example.com/sitemap_index.xml
Sitemap: /relative-sitemap.xml
Crawl-delay: 5
"""
    assert robots_sitemaps(robots, BASE + "robots.txt") == [
        "https://news.example.com/sitemap_index.xml",
        "https://news.example.com/news-sitemap.xml",
        "https://news.example.com/relative-sitemap.xml",
    ]


def test_robots_without_sitemaps() -> None:
    assert robots_sitemaps("User-agent: *\nDisallow:\n", BASE) == []


# ------------------------------------------------------------------- sitemaps
INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap>
    <loc>
      https://news.example.com/sitemap-posts-2024-05.xml
    </loc>
    <lastmod>2024-05-31T10:00:00+00:00</lastmod>
  </sitemap>
  <sitemap><loc>https://news.example.com/post_tag-sitemap.xml</loc></sitemap>
  <sitemap><loc>https://news.example.com/sitemap-posts-2024-06.xml.gz</loc>
    <lastmod>2024-06-30</lastmod></sitemap>
</sitemapindex>"""

URLSET_WITH_IMAGES = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"
        xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <url>
    <image:image><image:loc>https://cdn.example.com/a.jpg</image:loc></image:image>
    <loc>https://news.example.com/world/2024/05/01/story-about-rivers?a=1&amp;b=2</loc>
    <lastmod>2024-05-01T09:00:00Z</lastmod>
    <xhtml:link rel="alternate" hreflang="de" href="https://news.example.com/de/x"/>
  </url>
  <url><loc>   </loc></url>
  <url><loc>javascript:alert(1)</loc></url>
  <url><loc>/relative/path-to-story</loc></url>
</urlset>"""

NEWS_SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc>https://news.example.com/politik/wahl-ergebnis-123456.html</loc>
    <news:news>
      <news:publication>
        <news:name>Beispiel Zeitung</news:name>
        <news:language>DE</news:language>
      </news:publication>
      <news:publication_date>2024-06-02T18:30:00+02:00</news:publication_date>
      <news:title>Wahl: Das Ergebnis im Überblick &amp; was jetzt folgt</news:title>
    </news:news>
  </url>
</urlset>""".encode()


def test_sitemap_index_children_with_whitespace_around_loc() -> None:
    sitemap = parse_sitemap(INDEX, BASE)
    assert sitemap.kind == "index"
    assert [e.loc for e in sitemap.entries] == [
        "https://news.example.com/sitemap-posts-2024-05.xml",
        "https://news.example.com/post_tag-sitemap.xml",
        "https://news.example.com/sitemap-posts-2024-06.xml.gz",
    ]
    assert sitemap.entries[0].lastmod == "2024-05-31T10:00:00+00:00"


def test_sitemap_index_children_ordered_posts_newest_first_tags_last() -> None:
    ordered = order_sitemap_children(parse_sitemap(INDEX, BASE).entries)
    assert [e.loc.rsplit("/", 1)[1] for e in ordered] == [
        "sitemap-posts-2024-06.xml.gz",
        "sitemap-posts-2024-05.xml",
        "post_tag-sitemap.xml",
    ]


def test_urlset_reads_direct_loc_only_and_drops_bad_urls() -> None:
    sitemap = parse_sitemap(URLSET_WITH_IMAGES, BASE)
    assert sitemap.kind == "urlset"
    assert [e.loc for e in sitemap.entries] == [
        "https://news.example.com/world/2024/05/01/story-about-rivers?a=1&b=2",
        "https://news.example.com/relative/path-to-story",
    ]
    assert sitemap.entries[0].lastmod == "2024-05-01T09:00:00Z"


def test_google_news_sitemap_fields() -> None:
    (entry,) = parse_sitemap(NEWS_SITEMAP, BASE).entries
    assert entry.is_news
    assert entry.title == "Wahl: Das Ergebnis im Überblick & was jetzt folgt"
    assert entry.published == "2024-06-02T18:30:00+02:00"
    assert entry.language == "de"


def test_sitemap_bounded_by_max_urls() -> None:
    urls = "".join(f"<url><loc>https://e.com/a{i}</loc></url>" for i in range(100))
    body = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    sitemap = parse_sitemap(body.encode(), BASE, max_urls=10)
    assert len(sitemap.entries) == 10
    assert sitemap.truncated


def test_sitemap_with_bom_and_leading_whitespace() -> None:
    body = b"\xef\xbb\xbf\n  " + NEWS_SITEMAP
    assert parse_sitemap(body, BASE).kind == "urlset"


def test_plain_text_sitemap() -> None:
    body = b"https://e.com/one-story\nhttps://e.com/two-story\n\n"
    assert [e.loc for e in parse_sitemap(body, BASE).entries] == [
        "https://e.com/one-story",
        "https://e.com/two-story",
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>Not found</body></html>",
        b"",
        b"not xml at all",
        b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>',
    ],
)
def test_non_sitemaps_are_not_sitemaps(body: bytes) -> None:
    assert parse_sitemap(body, BASE).kind == ""


def test_billion_laughs_entities_are_not_expanded() -> None:
    body = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://e.com/&lol3;</loc></url></urlset>"""
    sitemap = parse_sitemap(body, BASE)
    assert all("lollol" not in e.loc for e in sitemap.entries)


def test_external_entity_is_not_loaded(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    body = f"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://e.com/a&xxe;</loc></url></urlset>""".encode()
    sitemap = parse_sitemap(body, BASE)
    assert all("TOPSECRET" not in e.loc for e in sitemap.entries)


def test_dated_child_sitemaps_without_lastmod_are_read_newest_first() -> None:
    children = [
        SitemapEntry(f"https://e.com/sitemap-{day}.xml")
        for day in ("2024-04-30", "2024-05-02", "2023-12-31", "2024-05-01")
    ]
    ordered = [e.loc[len("https://e.com/sitemap-") : -4] for e in order_sitemap_children(children)]
    assert ordered == ["2024-05-02", "2024-05-01", "2024-04-30", "2023-12-31"]


@pytest.mark.parametrize(
    ("url", "rank"),
    [
        ("https://e.com/news-sitemap.xml", 0),
        ("https://e.com/post-sitemap3.xml", 0),
        ("https://e.com/sitemap-articles-2024-05.xml", 0),
        ("https://e.com/sitemaps/2023/11.xml", 0),
        ("https://e.com/sitemap-1.xml", 1),
        ("https://e.com/post_tag-sitemap12.xml", 2),
        ("https://e.com/category-sitemap.xml", 2),
        ("https://e.com/author-sitemap.xml", 2),
        ("https://e.com/page-sitemap.xml", 2),
        ("https://e.com/sitemap-tags-a.xml", 2),
        ("https://e.com/wp-sitemap-posts-post-1.xml", 0),
        ("https://e.com/wp-sitemap-posts-page-1.xml", 2),
        ("https://e.com/wp-sitemap-taxonomies-category-1.xml", 2),
        ("https://e.com/wp-sitemap-users-1.xml", 2),
        ("https://e.com/news/sitemap-authors.xml", 2),
    ],
)
def test_sitemap_rank(url: str, rank: int) -> None:
    assert sitemap_rank(url) == rank


# ----------------------------------------------------------------------- gzip
def test_gunzip_plain_and_gzipped() -> None:
    assert maybe_gunzip(b"<urlset/>") == b"<urlset/>"
    assert maybe_gunzip(gzip.compress(b"<urlset/>")) == b"<urlset/>"


def test_gzip_bomb_is_refused_at_the_size_cap() -> None:
    bomb = gzip.compress(b"\0" * (20 * 1024 * 1024))
    assert len(bomb) < 100_000
    assert maybe_gunzip(bomb, max_size=1024 * 1024) is None


def test_corrupt_gzip_is_refused() -> None:
    assert maybe_gunzip(b"\x1f\x8b\x08\x00garbage") is None


# ---------------------------------------------------------------------- dates
@pytest.mark.parametrize(
    ("new", "old", "newer"),
    [
        ("2024-05-02", "2024-05-01T23:00:00Z", True),
        ("2024-05-01T10:00:00+02:00", "2024-05-01T09:00:00Z", False),
        ("2024-05-01T10:00:00+02:00", "2024-05-01T07:59:00Z", True),
        ("Wed, 01 May 2024 10:00:00 GMT", "2024-05-01T09:00:00Z", True),
        ("2024-05-01", "2024-05-01", False),
        (None, "2024-05-01", False),
        ("2024-05-01", None, False),
        ("garbage", "2024-05-01", False),
    ],
)
def test_is_newer(new: str | None, old: str | None, newer: bool) -> None:
    assert is_newer(new, old) is newer


def test_iso_date() -> None:
    assert iso_date("Tue, 10 Mar 2026 08:00:00 GMT") == "2026-03-10T08:00:00Z"
    assert iso_date("2026-03-10T09:00:00+01:00") == "2026-03-10T08:00:00Z"
    assert iso_date("yesterday") is None


# ---------------------------------------------------------------------- feeds
RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>Example News</title>
  <link>https://news.example.com/</link>
  <atom:link href="https://news.example.com/feed/" rel="self" type="application/rss+xml"/>
  <item>
    <title><![CDATA[Storm closes <b>harbour</b> for two days]]></title>
    <link>https://news.example.com/2024/05/storm-closes-harbour?utm_source=rss&amp;amp;id=7</link>
    <guid isPermaLink="false">post-123</guid>
    <pubDate>Wed, 01 May 2024 10:00:00 +0000</pubDate>
  </item>
  <item>
    <title>Guid only</title>
    <guid>https://news.example.com/2024/05/guid-only-story</guid>
    <dc:date>2024-05-02T08:00:00Z</dc:date>
  </item>
  <item><title>No link at all</title><guid isPermaLink="false">x</guid></item>
  <item>
    <title>  Relative link  </title>
    <link>  /2024/05/relative-story  </link>
  </item>
</channel>
</rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://news.example.com/blog/">
  <title>Example</title>
  <entry>
    <title type="html">Rates &amp;amp; bonds: a primer</title>
    <link rel="enclosure" href="https://cdn.example.com/a.mp3"/>
    <link rel="alternate" type="text/html" href="rates-and-bonds-primer"/>
    <id>tag:news.example.com,2024:1</id>
    <published>2024-05-01T10:00:00Z</published>
    <updated>2024-05-03T10:00:00Z</updated>
  </entry>
  <entry>
    <title>Only an id</title>
    <id>https://news.example.com/blog/only-an-id</id>
    <updated>2024-05-04T10:00:00Z</updated>
  </entry>
</feed>"""

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
  <channel rdf:about="https://e.com/"><title>E</title></channel>
  <item rdf:about="https://e.com/a"><title>A story</title><link>https://e.com/a-story</link></item>
</rdf:RDF>"""


def test_rss_feed_items() -> None:
    entries = parse_feed(RSS, "https://news.example.com/feed/")
    assert entries is not None
    assert [e.url for e in entries] == [
        "https://news.example.com/2024/05/storm-closes-harbour?utm_source=rss&id=7",
        "https://news.example.com/2024/05/guid-only-story",
        "https://news.example.com/2024/05/relative-story",
    ]
    assert entries[0].title == "Storm closes harbour for two days"
    assert entries[0].published == "Wed, 01 May 2024 10:00:00 +0000"
    assert entries[1].published == "2024-05-02T08:00:00Z"
    assert entries[2].title == "Relative link"


def test_feedburner_orig_link_wins_over_the_proxy_link() -> None:
    body = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"><channel>
<item><title>A</title><link>https://feeds.feedburner.com/~r/example/~3/abc/</link>
<feedburner:origLink>https://news.example.com/2024/05/real-story</feedburner:origLink></item>
</channel></rss>"""
    entries = parse_feed(body, BASE)
    assert entries is not None
    assert [e.url for e in entries] == ["https://news.example.com/2024/05/real-story"]


def test_atom_feed_entries_use_alternate_link_and_xml_base() -> None:
    entries = parse_feed(ATOM, "https://news.example.com/atom.xml")
    assert entries is not None
    assert [e.url for e in entries] == [
        "https://news.example.com/blog/rates-and-bonds-primer",
        "https://news.example.com/blog/only-an-id",
    ]
    assert entries[0].title == "Rates & bonds: a primer"
    assert entries[0].updated == "2024-05-03T10:00:00Z"


def test_rdf_feed() -> None:
    entries = parse_feed(RDF, "https://e.com/rss")
    assert entries is not None
    assert [e.url for e in entries] == ["https://e.com/a-story"]


@pytest.mark.parametrize("body", [b"<html><body>x</body></html>", INDEX, b"", b"{}"])
def test_non_feeds_are_not_feeds(body: bytes) -> None:
    assert parse_feed(body, BASE) is None


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (INDEX, "index"),
        (NEWS_SITEMAP, "urlset"),
        (RSS, "rss"),
        (ATOM, "atom"),
        (RDF, "rdf"),
        (b"<!DOCTYPE html><html></html>", ""),
        (gzip.compress(RSS), ""),
    ],
)
def test_xml_kind(body: bytes, kind: str) -> None:
    assert xml_kind(body) == kind


# ----------------------------------------------------------------------- HTML
HOME = """<!DOCTYPE html><html><head>
<title>Example News</title>
<link rel="alternate" type="application/rss+xml" title="Example News" href="/feed/">
<link rel="alternate" type="application/rss+xml" title="Example News &raquo; Comments Feed"
      href="https://news.example.com/comments/feed/">
<link rel="alternate" type="application/atom+xml" href="https://news.example.com/atom.xml">
<link rel="alternate" hreflang="de" href="https://news.example.com/de/">
<link rel="stylesheet" href="/style.css">
<link rel="next" href="/page/2/">
</head><body>
<nav><a href="/">Home</a> <a href="/world/">World</a> <a href="https://www.example.com/sport/">Sport</a>
<a href="https://other.example.org/x">Partner</a> <a href="mailto:tips@example.com">Tips</a>
<a href="javascript:void(0)">Menu</a> <a href="#top">Top</a></nav>
<a href="/2024/05/01/storm-closes-harbour-for-two-days/">Storm closes harbour</a>
<a href="/2024/05/01/storm-closes-harbour-for-two-days/#comments">12 comments</a>
<a href="/media/photo.JPG">Photo</a>
<div class="pagination"><a href="/?page=3">3</a> <a class="next page-numbers" href="/page/2/">
Older posts</a></div>
</body></html>"""


def tree(html: str, url: str = BASE):
    parsed = parse_html(html, url)
    assert parsed is not None
    return parsed


def test_feed_links_skip_comment_feeds() -> None:
    assert feed_links(tree(HOME), BASE) == [
        "https://news.example.com/feed/",
        "https://news.example.com/atom.xml",
    ]


def test_page_links_same_site_resolved_and_deduplicated() -> None:
    links = page_links(tree(HOME), BASE, "example.com")
    assert links.links == [
        "https://news.example.com/page/2/",
        "https://news.example.com/world/",
        "https://www.example.com/sport/",
        "https://news.example.com/2024/05/01/storm-closes-harbour-for-two-days/",
        "https://news.example.com/?page=3",
    ]
    assert links.pagination == [
        "https://news.example.com/page/2/",
        "https://news.example.com/?page=3",
    ]


def test_base_href_resolves_relative_links() -> None:
    html = """<html><head><base href="https://news.example.com/archive/2024/"></head>
<body><a href="05/story-one-about-the-city">One</a> <a href="/top">Top</a></body></html>"""
    links = page_links(tree(html, "https://news.example.com/list"), "https://news.example.com/list")
    assert links.links == [
        "https://news.example.com/archive/2024/05/story-one-about-the-city",
        "https://news.example.com/top",
    ]


@pytest.mark.parametrize(
    "anchor",
    [
        '<a href="/l?page=2">Next</a>',
        '<a href="/l/2">Next page</a>',
        '<a href="/l/2">Older posts</a>',
        '<a href="/l/2"> » </a>',
        '<a href="/l/2">Weiter</a>',
        '<a href="/l/2">Nächste Seite</a>',
        '<a href="/l/2">Следующая</a>',
        '<a href="/l/2">Далее</a>',
        '<a href="/l/2">Suivant</a>',
        '<a href="/l/2">Siguiente</a>',
        '<a href="/l/2" rel="next">2</a>',
        '<a href="/l/2" aria-label="Next"><svg></svg></a>',
        '<a href="/l/2" class="pagination__next">→</a>',
        '<a href="/l?page=2">2</a>',
        '<a href="/l/page/2/">2</a>',
    ],
)
def test_pagination_links_in_several_languages(anchor: str) -> None:
    html = f"<html><body><a href='/other-story-here-now'>x</a>{anchor}</body></html>"
    links = page_links(tree(html, "https://e.com/l"), "https://e.com/l")
    assert len(links.pagination) == 1
    assert "other-story" not in links.pagination[0]


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://e.com/", "listing"),
        ("https://e.com/login", "non_content"),
        ("https://e.com/account/sign-in/", "non_content"),
        ("https://e.com/search?q=rain", "non_content"),
        ("https://e.com/?s=rain", "non_content"),
        ("https://e.com/about-us/", "non_content"),
        ("https://e.com/newsletter/", "non_content"),
        ("https://e.com/newsletters/daily", "non_content"),
        ("https://e.com/privacy-policy", "non_content"),
        ("https://e.com/impressum", "non_content"),
        ("https://e.com/tag/climate/", "listing"),
        ("https://e.com/author/jane-doe/", "listing"),
        ("https://e.com/category/world/", "listing"),
        ("https://e.com/topics/economy", "listing"),
        ("https://e.com/news/?page=4", "pagination"),
        ("https://e.com/world/page/3/", "pagination"),
        ("https://e.com/2024/05/01/storm-closes-harbour/", "article"),
        ("https://e.com/world/storm-closes-harbour-for-two-days", "article"),
        ("https://e.com/politik/wahl-ergebnis-123456.html", "article"),
        ("https://e.com/news/world-europe-68901234", "article"),
        ("https://e.com/world/", ""),
    ],
)
def test_url_kind(url: str, kind: str) -> None:
    assert url_kind(url) == kind


@pytest.mark.parametrize(
    ("url", "sitemap", "feed"),
    [
        ("https://e.com/sitemap.xml", True, False),
        ("https://e.com/sitemap_index.xml", True, False),
        ("https://e.com/sitemaps/news.xml.gz", True, False),
        ("https://e.com/feed/", False, True),
        ("https://e.com/rss", False, True),
        ("https://e.com/rss/world.xml", False, True),
        ("https://e.com/index.rss", False, True),
        ("https://e.com/feeds/all.atom", False, True),
        ("https://e.com/world/", False, False),
    ],
)
def test_document_url_shapes(url: str, sitemap: bool, feed: bool) -> None:
    assert looks_like_sitemap_url(url) is sitemap
    assert looks_like_feed_url(url) is feed
