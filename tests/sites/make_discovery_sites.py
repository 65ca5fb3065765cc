"""Generate tests/sites/{sitemap_index,news_sitemap,feed_only,paginated}/ (run once)."""
import gzip, html, json, shutil, sys
from pathlib import Path
sys.path.insert(0, "/work/main")
from tests.articles import article_text

ROOT = Path("/work/main/tests/sites")

GERMAN = ("Stadtrat in Leipzig beschließt neues Konzept für Radwege", [
 "Der Stadtrat von Leipzig hat am Mittwochabend nach einer langen und teilweise hitzigen Debatte ein neues Konzept für den Ausbau der Radwege beschlossen. Mit 41 zu 23 Stimmen setzte sich die Vorlage der Verwaltung durch, die in den kommenden fünf Jahren rund 38 Millionen Euro für sichere Verbindungen zwischen den Stadtteilen vorsieht.",
 "Die Verkehrsbürgermeisterin sagte nach der Abstimmung, die Stadt habe zu lange gewartet. Viele Eltern trauten sich nicht mehr, ihre Kinder mit dem Fahrrad zur Schule fahren zu lassen, weil die Wege an großen Kreuzungen einfach endeten. Genau dort solle nun zuerst gebaut werden.",
 "Kritik kam vor allem von Händlern aus der Innenstadt. Sie befürchten, dass wegfallende Parkplätze Kundschaft aus dem Umland fernhalten. Ein Sprecher des Handelsverbands erklärte, man sei nicht gegen Radwege, wünsche sich aber eine bessere Abstimmung mit den Geschäften vor Ort.",
 "Umweltverbände begrüßten den Beschluss dagegen ausdrücklich. Sie verwiesen auf Zählungen, nach denen der Radverkehr auf den wichtigsten Achsen in den vergangenen drei Jahren um fast ein Drittel gewachsen ist. Wer heute morgens über die Karl-Liebknecht-Straße fahre, erlebe regelmäßig Staus aus Fahrrädern.",
 "Die ersten Baustellen sollen bereits im kommenden Frühjahr eingerichtet werden. Die Verwaltung kündigte an, die Anwohner in jedem Stadtteil vorab zu Informationsabenden einzuladen und die Pläne im Internet zu veröffentlichen. Bis zum Herbst soll außerdem eine unabhängige Stelle prüfen, ob die Kosten realistisch geschätzt wurden.",
 "Ob das Konzept am Ende wirklich umgesetzt wird, hängt auch vom Land ab, das einen Teil der Mittel beisteuern soll. Ein Sprecher des zuständigen Ministeriums sagte am Donnerstag, man prüfe den Antrag wohlwollend, eine Entscheidung werde aber nicht vor dem Sommer fallen.",
])

def chrome_top(name, extra_head=""):
    return f"""<div class="cookie-consent">We use cookies to improve your experience. <button>Accept</button> <button>Settings</button></div>
<header><a class="logo" href="/">{name}</a>
<nav><ul><li><a href="/">Home</a></li><li><a href="/section/world/">World</a></li><li><a href="/section/business/">Business</a></li><li><a href="/tag/city-hall/">City hall</a></li><li><a href="/about/">About us</a></li><li><a href="/login/">Sign in</a></li></ul></nav></header>"""

def footer(name):
    return f"""<footer><p>&copy; 2026 {name}. All rights reserved.</p>
<ul><li><a href="/about/">About</a></li><li><a href="/contact/">Contact</a></li><li><a href="/newsletter/">Newsletter</a></li><li><a href="/privacy/">Privacy</a></li></ul></footer>"""

TEASERS = {}


def article_page(base_path, name, seed, i, jsonld, lang="en", text=None, date="2026-03-10T08:00:00Z"):
    headline, paras = text or article_text(seed, 8, 3)
    TEASERS[headline] = paras[0].split(". ")[0] + "."
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paras)
    ld = ""
    if jsonld:
        ld = '<script type="application/ld+json">' + json.dumps({
            "@context": "https://schema.org", "@type": "NewsArticle", "headline": headline,
            "datePublished": date, "author": {"@type": "Person", "name": "Staff Reporter"},
            "mainEntityOfPage": "{{BASE}}" + base_path}, ensure_ascii=False) + "</script>"
    return headline, f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{html.escape(headline)} | {name}</title>
<link rel="canonical" href="{{{{BASE}}}}{base_path}">
<meta property="og:type" content="article">
<meta property="og:title" content="{html.escape(headline)}">
<meta property="og:site_name" content="{name}">
<meta property="article:published_time" content="{date}">
<meta name="author" content="Staff Reporter">
{ld}
</head><body>
{chrome_top(name)}
<main><article>
<h1>{html.escape(headline)}</h1>
<p class="byline">By Staff Reporter · <time datetime="{date}">{date[:10]}</time></p>
{body}
</article>
<aside class="related"><h3>Most read</h3><ul><li><a href="/section/world/">World news</a></li><li><a href="/section/business/">Business briefs</a></li></ul></aside>
</main>
{footer(name)}
</body></html>
"""

def listing_page(name, title, links, extra_head="", extra_body="", kind="website"):
    items = "\n".join(f'<li class="teaser"><h2><a href="{href}">{html.escape(t)}</a></h2><p>{html.escape(TEASERS.get(t, t))}</p><span class="meta">5 min read</span></li>' for href, t in links)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)} | {name}</title>
<meta property="og:type" content="{kind}">
<meta property="og:title" content="{html.escape(title)}">
{extra_head}
</head><body>
{chrome_top(name)}
<main><h1>{html.escape(title)}</h1>
<ul class="teasers">
{items}
</ul>
{extra_body}
</main>
{footer(name)}
</body></html>
"""

def static_page(name, title, text):
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | {name}</title>
<meta property="og:type" content="website"></head><body>
{chrome_top(name)}
<main><h1>{title}</h1><p>{text}</p></main>
{footer(name)}</body></html>
"""

LOGIN = '<form action="/login/" method="post"><label>E-mail <input name="email"></label><label>Password <input type="password" name="pw"></label><button>Sign in</button></form>'
ABOUT = "We are a small independent newsroom. Contact the editors at the address below."

def write(site, rel, text):
    p = ROOT / site / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")

def common(site, name, article_links):
    write(site, "index.html", listing_page(name, f"{name} — latest news", article_links[:4]))
    write(site, "section/world/index.html", listing_page(name, "World", article_links[::2]))
    write(site, "section/business/index.html", listing_page(name, "Business", article_links[1::2]))
    write(site, "tag/city-hall/index.html", listing_page(name, "Tag: city hall", article_links[:3]))
    write(site, "author/staff/index.html", listing_page(name, "Staff Reporter", article_links[:3]))
    write(site, "about/index.html", static_page(name, "About us", ABOUT))
    write(site, "login/index.html", static_page(name, "Sign in", LOGIN))
    write(site, "private/draft/index.html", static_page(name, "Draft", "Not for robots."))

def urlset(entries):
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">']
    for loc, lastmod in entries:
        out.append(f"  <url>\n    <loc>\n      {loc}\n    </loc>\n    <lastmod>{lastmod}</lastmod>\n    <image:image><image:loc>{{{{BASE}}}}/img/photo.jpg</image:loc></image:image>\n  </url>")
    out.append("</urlset>\n")
    return "\n".join(out)

expected = {}

# ---------------------------------------------------------------- sitemap_index
site, name = "sitemap_index", "Harbour Gazette"
shutil.rmtree(ROOT / site, ignore_errors=True)
arts = []
for i in range(6):
    path = f"/news/2026/0{2 + i % 2}/story-{i + 1}-{['council','harbour','budget','rail','school','port'][i]}-report.html"
    h, page = article_page(path, name, 100 + i, i, jsonld=i % 2 == 0)
    write(site, path.lstrip("/"), page)
    arts.append((path, h))
common(site, name, arts)
write(site, "robots.txt", "User-agent: *\nDisallow: /private/\n\nSitemap: {{BASE}}/maps/index.xml\n")
march = [a for a in arts if "/2026/03/" in a[0]]
feb = [a for a in arts if "/2026/02/" in a[0]]
(ROOT / site / "maps").mkdir(parents=True, exist_ok=True)
(ROOT / site / "maps/posts-2026-03.xml.gz").write_bytes(gzip.compress(urlset(
    [("{{BASE}}" + p, "2026-03-1%dT10:00:00+00:00" % k) for k, (p, _) in enumerate(march)]
    + [("{{BASE}}/private/draft/", "2026-03-01")]).encode(), mtime=0))
write(site, "maps/posts-2026-02.xml", urlset(
    [("{{BASE}}" + p, "2026-02-1%d" % k) for k, (p, _) in enumerate(feb)] + [("{{BASE}}/", "2026-03-20"), ("{{BASE}}/section/world/", "2026-03-20")]))
write(site, "maps/post_tag-sitemap.xml", urlset([("{{BASE}}/tag/city-hall/", "2026-03-20")]))
write(site, "maps/author-sitemap.xml", urlset([("{{BASE}}/author/staff/", "2026-03-20")]))
write(site, "maps/page-sitemap.xml", urlset([("{{BASE}}/about/", "2026-01-01"), ("{{BASE}}/login/", "2026-01-01")]))
write(site, "maps/index.xml", """<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>{{BASE}}/maps/index.xml</loc></sitemap>
  <sitemap><loc> {{BASE}}/maps/post_tag-sitemap.xml </loc><lastmod>2026-03-20</lastmod></sitemap>
  <sitemap><loc>{{BASE}}/maps/author-sitemap.xml</loc></sitemap>
  <sitemap><loc>{{BASE}}/maps/page-sitemap.xml</loc></sitemap>
  <sitemap><loc>{{BASE}}/maps/posts-2026-02.xml</loc><lastmod>2026-02-28</lastmod></sitemap>
  <sitemap><loc>
     {{BASE}}/maps/posts-2026-03.xml.gz
  </loc><lastmod>2026-03-20</lastmod></sitemap>
</sitemapindex>
""")
expected[site] = arts

# ---------------------------------------------------------------- news_sitemap
site, name = "news_sitemap", "Morning Ledger"
shutil.rmtree(ROOT / site, ignore_errors=True)
arts = []
for i in range(5):
    path = f"/politics/{200 + i}481/{['mayor','ferry','tram','water','grain'][i]}-plan-vote"
    if i == 4:
        path = "/de/politik/leipzig-radwege-konzept-beschlossen"
        h, page = article_page(path, name, 0, i, jsonld=True, lang="de", text=GERMAN)
    else:
        h, page = article_page(path, name, 200 + i, i, jsonld=i == 1)
    write(site, path.lstrip("/") + "/index.html", page)
    arts.append((path, h))
common(site, name, arts)
write(site, "robots.txt", "User-agent: *\nDisallow: /private/\nDisallow: /search\n")
news = ['<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">']
for i, (p, h) in enumerate(arts + [("/private/draft/", "Draft")]):
    lang = "de" if p.startswith("/de/") else "en"
    news.append(f"""  <url>
    <loc>{{{{BASE}}}}{p}</loc>
    <image:image><image:loc>{{{{BASE}}}}/img/{i}.jpg</image:loc></image:image>
    <news:news>
      <news:publication><news:name>{name}</news:name><news:language>{lang}</news:language></news:publication>
      <news:publication_date>2026-03-2{i}T0{i}:30:00+01:00</news:publication_date>
      <news:title>{html.escape(h)}</news:title>
    </news:news>
  </url>""")
news.append("</urlset>\n")
write(site, "sitemap.xml", "\n".join(news))
expected[site] = arts

# ---------------------------------------------------------------- feed_only
site, name = "feed_only", "Valley Courier"
shutil.rmtree(ROOT / site, ignore_errors=True)
arts = []
for i in range(6):
    path = f"/stories/{['river','bridge','clinic','market','library','orchard'][i]}-update-from-the-valley-{i + 1}.html"
    h, page = article_page(path, name, 300 + i, i, jsonld=i % 3 == 0)
    write(site, path.lstrip("/"), page)
    arts.append((path, h))
common(site, name, arts)
home = listing_page(name, f"{name} — latest news", arts[:4], extra_head=
    '<link rel="alternate" type="application/rss+xml" title="Valley Courier" href="/feed.rss">\n'
    '<link rel="alternate" type="application/atom+xml" title="Valley Courier (Atom)" href="{{BASE}}/atom.xml">\n'
    '<link rel="alternate" type="application/rss+xml" title="Comments Feed" href="/comments/feed.rss">')
write(site, "index.html", home)
write(site, "robots.txt", "User-agent: *\nDisallow: /private/\n")
rss = ['<?xml version="1.0" encoding="UTF-8"?>', '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>',
       f'<title>{name}</title><link>{{{{BASE}}}}/</link><atom:link href="{{{{BASE}}}}/feed.rss" rel="self" type="application/rss+xml"/>']
for i, (p, h) in enumerate(arts[:4]):
    link = "{{BASE}}" + p
    rss.append(f"<item><title><![CDATA[{h}]]></title><link>{link}</link><guid isPermaLink=\"false\">id-{i}</guid>"
               f"<pubDate>Tue, 1{i} Mar 2026 08:00:00 GMT</pubDate><description>&lt;p&gt;{html.escape(h)}&lt;/p&gt;</description></item>")
rss.append("<item><title>Draft</title><link>{{BASE}}/private/draft/</link></item>")
rss.append("</channel></rss>\n")
write(site, "feed.rss", "\n".join(rss))
atom = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom" xml:base="{{BASE}}/stories/">',
        f"<title>{name}</title><id>urn:valley</id><updated>2026-03-20T00:00:00Z</updated>"]
for i, (p, h) in enumerate(arts[2:]):
    rel = p.rsplit("/", 1)[1]
    atom.append(f'<entry><title type="html">{html.escape(html.escape(h))}</title><link rel="alternate" type="text/html" href="{rel}"/>'
                f'<link rel="enclosure" href="/img/{i}.jpg"/><id>urn:valley:{i}</id><published>2026-03-1{i + 2}T08:00:00Z</published><updated>2026-03-1{i + 2}T08:00:00Z</updated></entry>')
atom.append("</feed>\n")
write(site, "atom.xml", "\n".join(atom))
write(site, "comments/feed.rss", '<?xml version="1.0"?><rss version="2.0"><channel><title>Comments</title><item><title>Re: x</title><link>{{BASE}}/about/</link></item></channel></rss>\n')
expected[site] = arts

# ---------------------------------------------------------------- paginated
site, name = "paginated", "Northern Star"
shutil.rmtree(ROOT / site, ignore_errors=True)
arts = []
for i in range(8):
    path = f"/2026/03/{10 + i}/{['storm','clinic','harbour','vote','bridge','tram','school','budget'][i]}-story-in-the-north/"
    h, page = article_page(path, name, 400 + i, i, jsonld=i % 2 == 1)
    write(site, path.lstrip("/") + "index.html", page)
    arts.append((path, h))
common(site, name, arts)
write(site, "robots.txt", "User-agent: *\nDisallow: /private/\nDisallow: /search\n")
# home: links to section listing (page 1), a private link, a search link
write(site, "index.html", listing_page(name, f"{name} — front page", arts[:2] + [("/private/draft/", "Members only")],
      extra_body='<p><a href="/news/">All news</a> · <a href="/search?q=storm">Search</a> · <a href="mailto:desk@example.org">Tips</a></p>'))
pages = [arts[2:4], arts[4:6], arts[6:8]]
for n, chunk in enumerate(pages, start=1):
    head = f'<link rel="next" href="/news/?page={n + 1}">' if n < 3 else ""
    body = '<nav class="pagination">' + (f'<a href="/news/?page={n - 1}">« Newer</a> ' if n > 1 else "")
    body += " ".join(f'<a href="/news/?page={k}">{k}</a>' for k in range(1, 4) if k != n)
    if n < 3:
        body += f' <a class="next" href="?page={n + 1}">Older »</a>'
    body += "</nav>"
    links = chunk
    if n == 2:  # relative links resolved against <base href>
        head += '\n<base href="{{BASE}}/2026/03/">'
        links = [(p[len("/2026/03/"):], h) for p, h in chunk]
        body = body.replace('href="?page=3"', 'href="/news/?page=3"')
    page = listing_page(name, f"All news — page {n}", links, extra_head=head, extra_body=body)
    write(site, "news/index.html" if n == 1 else f"news/?page={n}", page)
expected[site] = arts

for site, arts in expected.items():
    write(site, "expected.json", json.dumps({"articles": dict(arts)}, indent=1, ensure_ascii=False))
print(json.dumps(expected, indent=1, ensure_ascii=False))
