"""The "faulty" fixture site: 50 good articles among every kind of bad input.

``build(root)`` writes the static part (articles, robots.txt, sitemaps, a broken
feed); ``tests/test_faults.py`` adds the faults (binary bodies, bombs,
redirects, errors, resets, delays) on the fixture server and serves the endless
trap pages (calendar, growing queries, relative-link loops) dynamically.
Run ``python tests/sites/faulty/make_site.py DIR`` to write the static part to DIR.

Among the 50 good articles, a few arrive in awkward ways and must still come
out once, with the right text: one in cp1251 Russian declared as UTF-8, one in
cp1252 (curly quotes, accents) declared as UTF-8, one with a UTF-8 BOM and a
latin-1 header, one gzip-encoded, one after a 503, one slow, one behind a
same-host redirect.
"""

from __future__ import annotations

# ruff: noqa: RUF001
import html
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent.parent))

from tests.articles import article_html, article_text, sitemap_xml  # noqa: E402

N_GOOD = 50
#: Good articles that arrive in awkward ways (index -> how).
CP1251 = 0
CP1252 = 1
BOM = 2
GZIPPED = 3
FLAKY = 4
SLOW = 5
MOVED = 6

RUSSIAN_PARAGRAPHS = [
    "Городской совет Казани в четверг одобрил план реконструкции набережной, который "
    "обсуждался почти два года. Работы начнутся весной и, по словам подрядчика, займут "
    "не меньше восемнадцати месяцев.",
    "Жители прибрежных кварталов давно жаловались на разрушенные ступени, отсутствие "
    "освещения и затопление дорожек после сильных дождей. На общественных слушаниях "
    "многие просили сохранить старые деревья и добавить велосипедную дорожку.",
    "Стоимость проекта оценивается в один миллиард двести миллионов рублей. Часть средств "
    "выделит региональный бюджет, остальное покроют федеральные программы благоустройства.",
    "Депутат Анна Галиева заявила, что совет будет ежемесячно публиковать отчёт о ходе "
    "работ, чтобы горожане могли следить за расходами и сроками.",
]
CP1252_TEXT = [
    "The café on Rue Saint-Honoré reopened on Tuesday after a two-year renovation, "
    "its owners said — and the queue stretched around the block before dawn.",
    "“We didn’t expect this many people,” said Zoë Lefèvre, who runs the kitchen with "
    "her brother. “Some of them remember the old menu better than we do.”",
    "The building’s façade, restored by a team of twelve masons, kept its 1890s mosaic; "
    "the interior was rebuilt from the beams up after an inspection found rot.",
    "City officials praised the project as a model for small businesses facing rising "
    "rents, and said a grant scheme would open to other owners in the spring.",
]


def article_path(i: int) -> str:
    return f"/news/2026/{i:03d}/story-{i}.html"


def moved_path(i: int) -> str:
    return f"/old/story-{i}"


def _page(title: str, paras: list[str], url: str, charset: str) -> str:
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paras)
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}">'
        f"<title>{html.escape(title)}</title>"
        f'<link rel="canonical" href="{url}">'
        '<meta property="og:type" content="article"></head><body>'
        f'<header><a href="/">Harbour Gazette</a></header><main><article>'
        f"<h1>{html.escape(title)}</h1>{body}</article></main>"
        "<footer><p>Harbour Gazette</p></footer></body></html>"
    )


def russian_article(url: str) -> str:
    return _page("Набережную Казани реконструируют", RUSSIAN_PARAGRAPHS, url, "utf-8")


def cp1252_article(url: str) -> str:
    return _page("A Paris café reopens its doors", CP1252_TEXT, url, "utf-8")


def good_article(i: int, base: str) -> str:
    url = base + article_path(i)
    if i == CP1251:
        return russian_article(url)
    if i == CP1252:
        return cp1252_article(url)
    return article_html(url, seed=500 + i)


def expected_titles() -> dict[str, str]:
    titles = {}
    for i in range(N_GOOD):
        if i == CP1251:
            titles[article_path(i)] = "Набережную Казани реконструируют"
        elif i == CP1252:
            titles[article_path(i)] = "A Paris café reopens its doors"
        else:
            titles[article_path(i)] = article_text(500 + i)[0]
    return titles


#: Bad pages listed in the sitemap: path -> the outcome the crawl must count.
BAD_PAGES = {
    "/news/scan-pdf": "skip/binary_body",
    "/news/photo-png": "skip/binary_body",
    "/news/photo-jpeg": "skip/binary_body",
    "/news/photo-gif": "skip/binary_body",
    "/news/photo-webp": "skip/binary_body",
    "/news/archive-zip": "skip/binary_body",
    "/news/raw-gzip": "skip/binary_body",
    "/news/empty": "skip/empty_body",
    "/news/no-content": "skip/empty_body",
    "/news/gzip-bomb": "skip/too_large",
    "/news/brotli-bomb": "skip/too_large",
    "/news/huge": "skip/too_large",
    "/news/undecodable": "skip/undecodable",
    "/news/offsite-redirect": "skip/offsite_redirect",
    "/news/metadata-redirect": "skip/offsite_redirect",
    "/news/file-redirect": "skip/bad_scheme",
    "/news/private-redirect": "skip/private_address",
    "/news/server-error": "skip/failed",
    "/news/connection-reset": "skip/failed",
    "/news/timeout": "skip/failed",
    "file:///etc/passwd": "",  # listed in the sitemap; never requested
}

BROKEN_SITEMAP = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    "  <url><loc>{{BASE}}" + article_path(10) + "</loc></url>\n"
    "  <url><loc>{{BASE}}/news/unclosed\n  <url><lastmod>2026-13-45</lastmod>\n"
    "  <url><loc>{{BASE}}" + article_path(11) + "</loc></url>\n"
    "  </urlset\n<<<garbage \x01\x02 &undefined; </url>\n"
)
LAUGHS_SITEMAP = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "' + (f"&lol{i - 1};" if i > 1 else "&lol;") * 10 + '">\n'
        for i in range(1, 10)
    )
    + ']>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    "  <url><loc>{{BASE}}/news/&lol9;</loc></url>\n</urlset>\n"
)
XXE_SITEMAP = (
    '<?xml version="1.0"?>\n<!DOCTYPE urlset [\n'
    ' <!ENTITY xxe SYSTEM "file:///etc/passwd">\n'
    ' <!ENTITY probe SYSTEM "{{BASE}}/xxe-probe">\n'
    ' <!ENTITY % remote SYSTEM "{{BASE}}/xxe-dtd">\n %remote;\n]>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    "  <url><loc>{{BASE}}/news/&xxe;</loc></url>\n"
    "  <url><loc>&probe;</loc></url>\n</urlset>\n"
)
SELF_INDEX = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    "  <sitemap><loc>{{BASE}}/sitemaps/self-index.xml</loc></sitemap>\n"
    "  <sitemap><loc>{{BASE}}/sitemaps/self-index.xml?again=1</loc></sitemap>\n"
    "  <sitemap><loc>{{BASE}}/sitemap.xml</loc></sitemap>\n"
    "</sitemapindex>\n"
)
BROKEN_FEED = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Broken</title>'
    "<item><title>Half an item</title><link>{{BASE}}" + article_path(12) + "</link>"
    "<item><title><![CDATA[unterminated"
)


def build(root: Path) -> dict[str, str]:
    """Write the static site to ``root``; return {article path: title}."""
    root.mkdir(parents=True, exist_ok=True)
    base = "{{BASE}}"
    for i in range(N_GOOD):
        path = root / article_path(i).lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        text = good_article(i, base)
        if i == CP1251:
            path.write_bytes(text.encode("cp1251"))
        elif i == CP1252:
            path.write_bytes(text.encode("cp1252"))
        elif i == BOM:
            path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
        else:
            path.write_text(text, encoding="utf-8")
    urls = [base + (moved_path(i) if i == MOVED else article_path(i)) for i in range(N_GOOD)]
    urls += [p if "://" in p else base + p for p in BAD_PAGES]
    (root / "sitemap.xml").write_text(sitemap_xml(urls), encoding="utf-8")
    sitemaps = root / "sitemaps"
    sitemaps.mkdir(exist_ok=True)
    (sitemaps / "broken.xml").write_text(BROKEN_SITEMAP, encoding="utf-8")
    (sitemaps / "laughs.xml").write_text(LAUGHS_SITEMAP, encoding="utf-8")
    (sitemaps / "xxe.xml").write_text(XXE_SITEMAP, encoding="utf-8")
    (sitemaps / "self-index.xml").write_text(SELF_INDEX, encoding="utf-8")
    (root / "feed.rss").write_text(BROKEN_FEED, encoding="utf-8")
    (root / "robots.txt").write_text(
        "User-agent: *\nDisallow: /private/\n"
        + "".join(
            f"Sitemap: {base}{p}\n"
            for p in (
                "/sitemap.xml",
                "/sitemaps/broken.xml",
                "/sitemaps/laughs.xml",
                "/sitemaps/xxe.xml",
                "/sitemaps/self-index.xml",
                "/feed.rss",
            )
        ),
        encoding="utf-8",
    )
    (root / "index.html").write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Harbour Gazette</title>'
        '<link rel="alternate" type="application/rss+xml" href="/feed.rss"></head>'
        '<body><h1>Harbour Gazette</h1><ul><li><a href="/section/">Sections</a></li></ul>'
        "</body></html>",
        encoding="utf-8",
    )
    titles = expected_titles()
    (root / "expected.json").write_text(
        json.dumps({"articles": titles}, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return titles


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "build")
