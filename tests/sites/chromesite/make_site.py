"""Regenerate the chromesite fixture: `python tests/sites/chromesite/make_site.py`.

Articles of one site whose bodies carry in-article chrome that trafilatura keeps:
a "Follow ... on" line, a newsletter promo paragraph, an "updated on <date>"
stamp (sometimes glued to the first paragraph by a <br>), and a "Read more:"
link to another story. Each article is listed in sitemap.xml; article 10 is
only in sitemap-run2.xml (the "next run" of the test).
"""

from __future__ import annotations

import html
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent.parent))

from tests.articles import article_text, sitemap_xml  # noqa: E402

SITE = "Tidewater Post"
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
N = 11  # articles 0..9 in the first sitemap, 10 added for the second run


def slug(seed: int) -> str:
    return f"/news/2026/{3000 + seed}/story-{seed}"


def page(seed: int) -> tuple[str, dict]:
    rng = random.Random(1000 + seed)
    headline, paras = article_text(seed + 40)
    month = rng.choice(MONTHS)
    day = rng.randint(1, 28)
    hour = rng.randint(1, 12)
    minute = rng.randint(10, 59)
    ampm = rng.choice(["am", "pm"])
    stamp = f"This article was updated on {month} {day}, 2026 at {hour}:{minute:02d} {ampm}"
    other_headline, _ = article_text(((seed + 3) % N) + 40)
    read_more = (
        f'<p><strong>Read more:</strong> <a href="{{{{BASE}}}}{slug((seed + 3) % N)}">'
        f"{html.escape(other_headline)}</a></p>"
    )
    follow = f"<p>Follow {SITE} on Facebook, Instagram and X for the latest local news.</p>"
    promo = (
        "<p><b>Get the Morning Tide every day.</b> The five stories you need to know, "
        "delivered free to your inbox before breakfast.</p>"
    )
    body = [f"<p>{html.escape(p)}</p>" for p in paras]
    if seed % 4 == 1:  # stamp glued to the first paragraph with a line break
        body[0] = f"<p><em>{stamp}</em><br>{html.escape(paras[0])}</p>"
    else:
        body.insert(0, f'<p class="updated"><em>{stamp}</em></p>')
    body.insert(3, read_more if seed % 3 else promo)  # promo or read-more mid-article
    if seed % 3 == 0:
        body.insert(5, read_more)
    else:
        body.insert(len(body) - 1, promo)
    if seed % 5 != 2:  # not every article carries every promo
        body.append(follow)
    url = f"{{{{BASE}}}}{slug(seed)}"
    doc = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(headline)} | {SITE}</title>
<link rel="canonical" href="{url}">
<meta property="og:type" content="article">
<meta property="og:title" content="{html.escape(headline)}">
<meta property="og:site_name" content="{SITE}">
<meta property="article:published_time" content="2026-03-{1 + seed:02d}T08:00:00Z">
</head><body>
<header><a class="logo" href="/">{SITE}</a><nav><a href="/">Home</a> <a href="/news/">News</a></nav></header>
<main><article>
<h1>{html.escape(headline)}</h1>
<p class="byline">By Staff Reporter</p>
<div class="article-body">
{chr(10).join(body)}
</div>
</article></main>
<footer><p>&copy; 2026 {SITE}</p></footer>
</body></html>
"""
    return doc, {"headline": headline, "paragraphs": paras}


def main() -> None:
    expected = {}
    for seed in range(N):
        doc, info = page(seed)
        out = HERE / slug(seed).lstrip("/") / "index.html"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(doc, encoding="utf-8")
        expected[slug(seed)] = info
    first = [f"{{{{BASE}}}}{slug(s)}" for s in range(N - 1)]
    (HERE / "sitemap.xml").write_text(sitemap_xml(first), encoding="utf-8")
    (HERE / "sitemap-run2.xml").write_text(
        sitemap_xml([*first, f"{{{{BASE}}}}{slug(N - 1)}"]), encoding="utf-8"
    )
    (HERE / "robots.txt").write_text(
        "User-agent: *\nDisallow: /private/\nSitemap: {{BASE}}/sitemap.xml\n", encoding="utf-8"
    )
    (HERE / "index.html").write_text(
        f"<!DOCTYPE html><html><head><title>{SITE}</title></head><body><h1>{SITE}</h1>"
        + "".join(f'<p><a href="{slug(s)}">story {s}</a></p>' for s in range(N - 1))
        + "</body></html>\n",
        encoding="utf-8",
    )
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
