"""Build the bundled sample news site ``samples/newsroom/`` from ``samples/newsroom_src/``.

The Harbour Ledger is a fictional port-city newspaper with English, German and
Russian desks. Article texts live in ``newsroom_src/articles/*.txt`` (a few
``key: value`` header lines, a blank line, then paragraphs separated by blank
lines); this script wraps them in a shared site template full of the chrome
real news sites carry (navigation, cookie and push prompts, browser warning,
ad labels, paywall banner, comments, related stories, a repeated in-article
promo line, footer) and writes the listing pages, sitemaps, feed and
robots.txt. Absolute URLs use ``{{BASE}}``, which the sample server replaces
with its own address. ``newsroom_src/chrome.txt`` lists every chrome line, so
tests can check that none of it reaches a record.

Run ``python samples/build_newsroom.py`` after editing an article; the output
is committed so the demo needs nothing but the repository.
"""

from __future__ import annotations

import hashlib
import html
import json
import shutil
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "newsroom_src"
OUT = HERE / "newsroom"
SITE = "The Harbour Ledger"
PER_PAGE = 8

SECTIONS = {
    "local": "Local",
    "business": "Business",
    "science": "Science",
    "culture": "Culture",
    "sport": "Sport",
    "de": "Deutsch",
    "ru": "Русский",
}
SECTION_PATHS = {
    key: (f"/{key}/" if key in ("de", "ru") else f"/section/{key}/") for key in SECTIONS
}
TAG_PAGES = ["transport", "environment", "shipping", "climate"]

# --- chrome: every line below appears on pages and must never reach a record ----------
SKIP_LINK = "Skip Navigation"
BROWSER_WARNING = (
    "Your browser is out of date. Update your browser for more security, "
    "speed and the best experience on this site."
)
COOKIE_TEXT = (
    "We use cookies to personalise content and ads, to provide social media features "
    'and to analyse our traffic. By clicking "Accept all" you agree to our use of cookies.'
)
COOKIE_BUTTONS = ["Accept all", "Manage preferences"]
PUSH_TEXT = "Get breaking news alerts from The Harbour Ledger?"
PUSH_BUTTONS = ["Allow notifications", "Not now"]
AD_LABEL = "Advertisement"
PAYWALL_LINES = [
    "You have 2 free articles left this month.",
    "Subscribe from £1 a week to keep reading without limits.",
]
PROMO_LINE = (
    "Follow The Harbour Ledger on Mastodon and Bluesky for live updates from the waterfront."
)
SHARE = ["Share on Facebook", "Share on X", "Copy link"]
COMMENTS_INVITE = "Join the conversation. Log in or subscribe to comment."
COMMENTS = [
    ("harbourwatcher", "About time somebody reported this properly. Thanks for the detail."),
    ("quayside_kate", "My dad worked on the docks for thirty years and would have loved this."),
    ("Erik from Holm", "Interesting piece, but where is the council's side of the story?"),
    ("tidewalker", "Shared this with the neighbours. Everyone is talking about it."),
]
NEWSLETTER_BOX = [
    "The Morning Ledger",
    "Sign up for our free newsletter and get the day's top stories in your inbox "
    "every weekday at 7am.",
]
FOOTER_LINES = [
    "© 2024 The Harbour Ledger Ltd. All rights reserved.",
    "The Harbour Ledger, 14 Quay Street. Independent news from the waterfront since 1883.",
]
FOOTER_LINKS = [
    ("About us", "/about/"),
    ("Contact the newsroom", "/about/#contact"),
    ("Newsletter", "/newsletter/"),
    ("Privacy policy", "/about/#privacy"),
    ("Cookie settings", "/about/#cookies"),
    ("Advertise with us", "/about/#advertise"),
]
RELATED_HEADING = "Related stories"
MOST_READ_HEADING = "Most read"
TOPICS_LABEL = "Topics:"

CHROME_LINES = [
    SKIP_LINK,
    BROWSER_WARNING,
    COOKIE_TEXT,
    *COOKIE_BUTTONS,
    PUSH_TEXT,
    *PUSH_BUTTONS,
    AD_LABEL,
    *PAYWALL_LINES,
    PROMO_LINE,
    *SHARE,
    COMMENTS_INVITE,
    *(text for _, text in COMMENTS),
    *NEWSLETTER_BOX,
    *FOOTER_LINES,
    RELATED_HEADING,
    MOST_READ_HEADING,
]

MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "ru": "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
}
BYLINE = {"en": "By", "de": "Von", "ru": "Автор:"}


@dataclass
class Article:
    slug: str
    title: str
    section: str
    lang: str
    date: datetime
    author: str
    description: str
    tags: list[str]
    jsonld: bool
    paragraphs: list[str]
    related: list[Article] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"/{self.date:%Y/%m/%d}/{self.slug}/"


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def slugify(text: str) -> str:
    """ASCII URL slug; non-Latin text gets a short stable hash instead."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = "-".join("".join(c if c.isalnum() else " " for c in folded.lower()).split())
    return slug or "t-" + hashlib.sha1(text.encode()).hexdigest()[:8]


def human_date(dt: datetime, lang: str) -> str:
    month = MONTHS[lang].split()[dt.month - 1]
    if lang == "de":
        return f"{dt.day}. {month} {dt.year}, {dt:%H:%M} Uhr"
    if lang == "ru":
        return f"{dt.day} {month} {dt.year}, {dt:%H:%M}"
    return f"{dt.day} {month} {dt.year}, {dt:%H:%M}"


def load_articles() -> list[Article]:
    articles = []
    for path in sorted((SRC / "articles").glob("*.txt")):
        head, _, body = path.read_text(encoding="utf-8").partition("\n\n")
        meta = dict(line.split(": ", 1) for line in head.splitlines())
        articles.append(
            Article(
                slug=path.stem,
                title=meta["title"],
                section=meta["section"],
                lang=meta["lang"],
                date=datetime.fromisoformat(meta["date"]),
                author=meta["author"],
                description=meta["description"],
                tags=[t.strip() for t in meta["tags"].split(",")],
                jsonld=meta["jsonld"] == "yes",
                paragraphs=[" ".join(p.split()) for p in body.split("\n\n") if p.strip()],
            )
        )
    articles.sort(key=lambda a: a.date, reverse=True)
    for i, article in enumerate(articles):
        same = [a for a in articles if a is not article and a.section == article.section]
        others = [a for a in articles if a is not article and a not in same]
        article.related = (same + others[i % 5 :] + others)[:3]
    return articles


# --- the shared template ---------------------------------------------------------------
def page(
    *,
    path: str,
    title: str,
    body: str,
    lang: str = "en",
    og_type: str = "website",
    description: str = "",
    head_extra: str = "",
    body_class: str = "",
    title_sep: str = "|",
    most_read: list[Article] | None = None,
) -> str:
    nav = "\n".join(
        f'        <li><a href="{href}">{esc(label)}</a></li>'
        for label, href in [
            ("Home", "/"),
            *((SECTIONS[k], SECTION_PATHS[k]) for k in SECTIONS),
            ("Latest", "/latest/"),
            ("Search", "/search/"),
            ("Newsletter", "/newsletter/"),
            ("Log in", "/account/login/"),
        ]
    )
    sidebar = ""
    if most_read:
        items = "\n".join(
            f'        <li><a href="{a.path}">{esc(a.title)}</a></li>' for a in most_read[:5]
        )
        sidebar = f"""
  <aside class="sidebar" aria-label="Sidebar">
    <section class="most-read">
      <h2>{MOST_READ_HEADING}</h2>
      <ol>
{items}
      </ol>
    </section>
    <div class="ad ad-mpu"><span class="ad-label">{AD_LABEL}</span><div class="ad-slot" data-slot="sidebar"></div></div>
    <section class="newsletter-box">
      <h2>{NEWSLETTER_BOX[0]}</h2>
      <p>{esc(NEWSLETTER_BOX[1])}</p>
      <a class="button" href="/newsletter/">Sign up</a>
    </section>
  </aside>"""
    footer_links = "\n".join(
        f'      <li><a href="{href}">{esc(label)}</a></li>' for label, href in FOOTER_LINKS
    )
    desc = f'\n  <meta name="description" content="{esc(description)}">' if description else ""
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{esc(title)} {title_sep} {SITE}</title>{desc}
  <link rel="canonical" href="{{{{BASE}}}}{path}">
  <meta property="og:site_name" content="{SITE}">
  <meta property="og:type" content="{og_type}">
  <meta property="og:title" content="{esc(title)}">
  <meta property="og:url" content="{{{{BASE}}}}{path}">
  <link rel="alternate" type="application/rss+xml" title="{SITE} – latest news" href="/feed.xml">
  <link rel="stylesheet" href="/static/site.css">{head_extra}
</head>
<body class="{body_class}">
  <a class="skip-link" href="#main">{SKIP_LINK}</a>
  <div class="browser-warning" role="alert"><p>{esc(BROWSER_WARNING)}</p></div>
  <div id="cookie-consent" class="cookie-banner" role="dialog" aria-label="Cookie consent">
    <p>{esc(COOKIE_TEXT)}</p>
    <button type="button">{COOKIE_BUTTONS[0]}</button> <button type="button">{COOKIE_BUTTONS[1]}</button>
  </div>
  <header class="site-header">
    <a class="logo" href="/">{SITE}</a>
    <nav class="main-nav" aria-label="Main">
      <ul>
{nav}
      </ul>
    </nav>
  </header>
  <div class="push-prompt" role="dialog">
    <p>{esc(PUSH_TEXT)}</p>
    <button type="button">{PUSH_BUTTONS[0]}</button> <button type="button">{PUSH_BUTTONS[1]}</button>
  </div>
  <div class="ad ad-leaderboard"><span class="ad-label">{AD_LABEL}</span><div class="ad-slot" data-slot="top"></div></div>
  <div class="layout">
  <main id="main">
{body}
  </main>{sidebar}
  </div>
  <footer class="site-footer">
    <ul class="footer-links">
{footer_links}
    </ul>
    <p>{esc(FOOTER_LINES[0])}</p>
    <p>{esc(FOOTER_LINES[1])}</p>
  </footer>
</body>
</html>
"""


def jsonld(article: Article) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.description,
        "datePublished": article.date.isoformat(),
        "dateModified": article.date.isoformat(),
        "inLanguage": article.lang,
        "articleSection": SECTIONS[article.section],
        "keywords": article.tags,
        "author": [{"@type": "Person", "name": article.author}],
        "publisher": {"@type": "Organization", "name": SITE},
        "mainEntityOfPage": "{{BASE}}" + article.path,
    }
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return f'\n  <script type="application/ld+json">\n{text}\n  </script>'


def article_page(article: Article, index: int, most_read: list[Article]) -> str:
    paras = [f"      <p>{esc(p)}</p>" for p in article.paragraphs]
    # an ad slot inside the body, after the third paragraph, as real sites do
    paras.insert(
        3, f'      <div class="ad ad-inline"><span class="ad-label">{AD_LABEL}</span></div>'
    )
    paras.append(f"      <p><em>{esc(PROMO_LINE)}</em></p>")
    body_html = "\n".join(paras)
    tags = " ".join(f'<a href="/tag/{slugify(t)}/" rel="tag">{esc(t)}</a>' for t in article.tags)
    related = "\n".join(
        f'      <li><a href="{a.path}?utm_source=related&amp;utm_medium=web">{esc(a.title)}</a></li>'
        for a in article.related
    )
    comments = "\n".join(
        f'      <li class="comment"><p class="comment-author">{esc(who)}</p><p>{esc(text)}</p></li>'
        for who, text in COMMENTS[index % 3 : index % 3 + 2]
    )
    share = "".join(f"<li>{s}</li>" for s in SHARE)
    author_slug = slugify(article.author)
    head = (
        f'\n  <meta name="author" content="{esc(article.author)}">'
        f'\n  <meta property="article:published_time" content="{article.date.isoformat()}">'
        f'\n  <meta property="article:section" content="{esc(SECTIONS[article.section])}">'
        + "".join(f'\n  <meta property="article:tag" content="{esc(t)}">' for t in article.tags)
        + (jsonld(article) if article.jsonld else "")
    )
    body = f"""    <article class="story">
      <header class="story-header">
        <p class="kicker"><a href="{SECTION_PATHS[article.section]}">{esc(SECTIONS[article.section])}</a></p>
        <h1 class="headline">{esc(article.title)}</h1>
        <p class="standfirst">{esc(article.description)}</p>
        <p class="byline">{BYLINE[article.lang]} <a rel="author" href="/author/{author_slug}/">{esc(article.author)}</a>
          · <time datetime="{article.date.isoformat()}">{human_date(article.date, article.lang)}</time></p>
        <ul class="share">{share}</ul>
      </header>
      <div class="paywall-banner" data-nosnippet>
        <p>{esc(PAYWALL_LINES[0])}</p>
        <p><a href="/subscribe/">{esc(PAYWALL_LINES[1])}</a></p>
      </div>
      <div class="article-body">
{body_html}
      </div>
      <footer class="story-tags">{TOPICS_LABEL} {tags}</footer>
    </article>
    <section class="related" aria-label="{RELATED_HEADING}">
      <h2>{RELATED_HEADING}</h2>
      <ul>
{related}
      </ul>
    </section>
    <section id="comments" class="comments">
      <h2>Comments ({2 + index % 7})</h2>
      <p>{COMMENTS_INVITE}</p>
      <ol>
{comments}
      </ol>
    </section>"""
    return page(
        path=article.path,
        title=article.title,
        body=body,
        lang=article.lang,
        og_type="article",
        description=article.description,
        head_extra=head,
        body_class=f"article section-{article.section}",
        title_sep="|" if index % 3 else "–",
        most_read=most_read,
    )


def teaser(article: Article) -> str:
    return f"""    <article class="teaser">
      <h2><a href="{article.path}">{esc(article.title)}</a></h2>
      <p>{esc(article.description)}</p>
      <p class="meta">{esc(SECTIONS[article.section])} · <time datetime="{article.date.isoformat()}">{article.date:%d %b %Y}</time></p>
    </article>"""


def listing_page(
    *,
    path: str,
    heading: str,
    articles: list[Article],
    intro: str = "",
    lang: str = "en",
    prev_path: str | None = None,
    next_path: str | None = None,
    most_read: list[Article] | None = None,
) -> str:
    teasers = "\n".join(teaser(a) for a in articles)
    nav_links = []
    head = ""
    if prev_path:
        nav_links.append(f'<a href="{prev_path}" rel="prev">‹ Previous page</a>')
        head += f'\n  <link rel="prev" href="{{{{BASE}}}}{prev_path}">'
    if next_path:
        nav_links.append(f'<a href="{next_path}" rel="next">Next page ›</a>')
        head += f'\n  <link rel="next" href="{{{{BASE}}}}{next_path}">'
    pager = f'\n    <nav class="pagination">{" ".join(nav_links)}</nav>' if nav_links else ""
    intro_html = f'\n    <p class="intro">{esc(intro)}</p>' if intro else ""
    body = f"""    <h1>{esc(heading)}</h1>{intro_html}
    <div class="teasers">
{teasers}
    </div>{pager}"""
    return page(
        path=path,
        title=heading,
        body=body,
        lang=lang,
        head_extra=head,
        body_class="listing",
        most_read=most_read,
    )


def simple_page(path: str, heading: str, inner: str, description: str = "") -> str:
    return page(
        path=path,
        title=heading,
        body=f"    <h1>{esc(heading)}</h1>\n{inner}",
        description=description,
        body_class="page",
    )


ABOUT = """    <p>The Harbour Ledger has reported on the port city and its islands since 1883, when a
    group of shipping clerks began printing a weekly sheet of arrivals, departures and cargo
    prices. Today a newsroom of twenty-six journalists covers local government, business,
    science, culture and sport, with German and Russian desks serving the city's two largest
    language communities.</p>
    <p>We are owned by a reader trust and have no shareholders. Subscriptions pay for most of
    our journalism; advertising pays for the rest. Our editorial code, our corrections policy
    and the names of our trustees are published below.</p>
    <h2 id="contact">Contact the newsroom</h2>
    <p>Send tips and corrections to the news desk at 14 Quay Street, or call during office hours.</p>
    <h2 id="privacy">Privacy</h2>
    <p>We keep the personal data of subscribers only as long as a subscription lasts.</p>"""

NEWSLETTER = """    <p>The Morning Ledger arrives at 7am every weekday with the five stories you need,
    a weather and tide table for the harbour and the ferry timetable for the day.</p>
    <form class="signup" action="/newsletter/" method="post">
      <label>Email address <input type="email" name="email"></label>
      <button type="submit">Sign up</button>
    </form>"""

LOGIN = """    <form class="login" action="/account/login/" method="post">
      <label>Email <input type="email" name="email"></label>
      <label>Password <input type="password" name="password"></label>
      <button type="submit">Log in</button>
    </form>
    <p><a href="/subscribe/">Not a subscriber yet?</a></p>"""

SUBSCRIBE = """    <p>Unlimited access to every article, the daily e-paper and the archive back to 1883.</p>
    <ul class="plans"><li>Digital: £1 a week for 3 months, then £6 a month</li>
    <li>Print and digital: £19 a month</li></ul>"""

SEARCH = """    <form class="search" action="/search/" method="get">
      <label>Search <input type="search" name="q"></label> <button type="submit">Search</button>
    </form>
    <p>Enter a word or phrase to search the archive.</p>"""

CSS = """body { font-family: Georgia, serif; margin: 0; }
.layout { display: flex; gap: 2rem; max-width: 72rem; margin: auto; }
main { flex: 3; } .sidebar { flex: 1; }
.cookie-banner, .push-prompt { position: fixed; bottom: 0; background: #fff; }
.skip-link { position: absolute; left: -999px; }
"""


def write(rel: str, text: str) -> None:
    target = OUT / rel.lstrip("/")
    if rel.endswith("/"):
        target = target / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def build() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    articles = load_articles()
    most_read = [articles[i] for i in (4, 0, 7, 2, 11)]
    for i, article in enumerate(articles):
        write(article.path, article_page(article, i, most_read))

    # home, latest (paginated), sections, language desks, tags, authors
    english = [a for a in articles if a.lang == "en"]
    write(
        "/",
        listing_page(
            path="/",
            heading="Today's news from the waterfront",
            articles=english[:6] + [a for a in articles if a.lang != "en"][:2],
            most_read=most_read,
        ),
    )
    pages = [articles[i : i + PER_PAGE] for i in range(0, len(articles), PER_PAGE)]
    for n, chunk in enumerate(pages, start=1):
        path = "/latest/" if n == 1 else f"/latest/page/{n}/"
        prev_path = None if n == 1 else ("/latest/" if n == 2 else f"/latest/page/{n - 1}/")
        next_path = f"/latest/page/{n + 1}/" if n < len(pages) else None
        heading = "Latest news" if n == 1 else f"Latest news – page {n}"
        write(
            path,
            listing_page(
                path=path, heading=heading, articles=chunk, prev_path=prev_path, next_path=next_path
            ),
        )
    for key, label in SECTIONS.items():
        members = [a for a in articles if a.section == key]
        lang = key if key in ("de", "ru") else "en"
        write(
            SECTION_PATHS[key],
            listing_page(
                path=SECTION_PATHS[key],
                heading=label,
                articles=members,
                lang=lang,
                most_read=most_read,
            ),
        )
    for tag in TAG_PAGES:
        members = [a for a in articles if tag in a.tags]
        write(
            f"/tag/{tag}/",
            listing_page(path=f"/tag/{tag}/", heading=f"Topic: {tag}", articles=members),
        )
    tags_used = {slugify(t) for a in articles for t in a.tags} - set(TAG_PAGES)
    for tag in sorted(tags_used):
        members = [a for a in articles if tag in {slugify(t) for t in a.tags}]
        write(
            f"/tag/{tag}/",
            listing_page(path=f"/tag/{tag}/", heading=f"Topic: {tag}", articles=members),
        )
    for author in sorted({a.author for a in articles}):
        slug = slugify(author)
        write(
            f"/author/{slug}/",
            listing_page(
                path=f"/author/{slug}/",
                heading=author,
                intro=f"Stories by {author}, reporter at {SITE}.",
                articles=[a for a in articles if a.author == author],
            ),
        )

    write("/about/", simple_page("/about/", f"About {SITE}", ABOUT, "Who we are and how we work."))
    write("/newsletter/", simple_page("/newsletter/", "Sign up for The Morning Ledger", NEWSLETTER))
    write("/account/login/", simple_page("/account/login/", "Log in to your account", LOGIN))
    write("/subscribe/", simple_page("/subscribe/", f"Subscribe to {SITE}", SUBSCRIBE))
    write("/search/", simple_page("/search/", "Search the archive", SEARCH))
    write("/static/site.css", CSS)

    # robots.txt, sitemaps, feed
    write(
        "/robots.txt",
        "User-agent: *\nDisallow: /search\n\nSitemap: {{BASE}}/sitemap_index.xml\n",
    )
    write(
        "/sitemap_index.xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "".join(
            f"  <sitemap><loc>{{{{BASE}}}}/sitemaps/{name}.xml</loc>"
            f"<lastmod>{articles[0].date.isoformat()}</lastmod></sitemap>\n"
            for name in ("news", "articles", "pages")
        )
        + "</sitemapindex>\n",
    )
    write(
        "/sitemaps/articles.xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "".join(
            f"  <url><loc>{{{{BASE}}}}{a.path}</loc><lastmod>{a.date.isoformat()}</lastmod></url>\n"
            for a in articles
        )
        + "</urlset>\n",
    )
    page_paths = [
        "/",
        "/latest/",
        *SECTION_PATHS.values(),
        "/about/",
        "/newsletter/",
        "/subscribe/",
    ]
    write(
        "/sitemaps/pages.xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "".join(f"  <url><loc>{{{{BASE}}}}{p}</loc></url>\n" for p in page_paths)
        + "</urlset>\n",
    )
    write(
        "/sitemaps/news.xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"\n'
        '        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        + "".join(
            f"  <url>\n    <loc>{{{{BASE}}}}{a.path}</loc>\n    <news:news>\n"
            f"      <news:publication><news:name>{SITE}</news:name>"
            f"<news:language>{a.lang}</news:language></news:publication>\n"
            f"      <news:publication_date>{a.date.isoformat()}</news:publication_date>\n"
            f"      <news:title>{esc(a.title)}</news:title>\n    </news:news>\n  </url>\n"
            for a in articles[:6]
        )
        + "</urlset>\n",
    )
    items = "".join(
        f"""    <item>
      <title>{esc(a.title)}</title>
      <link>{{{{BASE}}}}{a.path}</link>
      <guid isPermaLink="true">{{{{BASE}}}}{a.path}</guid>
      <description>{esc(a.description)}</description>
      <pubDate>{a.date.strftime("%a, %d %b %Y %H:%M:%S %z")}</pubDate>
      <category>{esc(SECTIONS[a.section])}</category>
    </item>
"""
        for a in articles[:10]
    )
    write(
        "/feed.xml",
        f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>{SITE}</title>
    <link>{{{{BASE}}}}/</link>
    <description>Independent news from the waterfront since 1883</description>
    <language>en</language>
{items}  </channel>
</rss>
""",
    )
    manifest = {
        "articles": [
            {"path": a.path, "title": a.title, "language": a.lang, "author": a.author}
            for a in articles
        ],
        "disallowed": ["/search/"],
    }
    (SRC / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    (SRC / "chrome.txt").write_text("\n".join(CHROME_LINES) + "\n", encoding="utf-8")


if __name__ == "__main__":
    build()
    count = sum(1 for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {count} files to {OUT}")
