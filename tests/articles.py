"""Generated news articles for fixture sites: distinct texts, realistic page chrome.

Each article is built from a seeded choice of sentence templates and slot
values, so two articles share little text (well under the near-duplicate
threshold) while reading like news. ``article_html`` wraps one in a page with
navigation, cookie prompt, related links and footer.
"""

from __future__ import annotations

import html
import random
from collections.abc import Mapping, Sequence
from typing import Any

PLACES = [
    "Lisbon",
    "Nairobi",
    "Osaka",
    "Winnipeg",
    "Valparaiso",
    "Tbilisi",
    "Gdansk",
    "Perth",
    "Accra",
    "Montreal",
    "Bergen",
    "Cordoba",
    "Hanoi",
    "Tulsa",
    "Leeds",
    "Porto",
]
PEOPLE = [
    "Maria Okafor",
    "James Whitlow",
    "Ana Ferreira",
    "Kenji Morita",
    "Leila Haddad",
    "Tomasz Nowak",
    "Grace Mbeki",
    "Oliver Brandt",
    "Priya Raman",
    "Diego Salas",
    "Hannah Lindqvist",
    "Samuel Adeyemi",
    "Chloe Martin",
    "Ivan Petrov",
    "Nadia Rahim",
]
ORGS = [
    "the city council",
    "the regional water board",
    "the port authority",
    "the national weather service",
    "a local hospital trust",
    "the transport ministry",
    "the university's engineering faculty",
    "a coalition of farmers",
    "the teachers' union",
    "the central bank",
    "an independent audit office",
    "the state railway operator",
]
TOPICS = [
    "flood defences",
    "bus fares",
    "school meals",
    "wind farms",
    "housing permits",
    "bridge repairs",
    "hospital waiting lists",
    "fishing quotas",
    "broadband rollout",
    "museum funding",
    "cycling lanes",
    "wildfire crews",
    "grain exports",
    "tram lines",
]
VERBS = [
    "approved",
    "rejected",
    "postponed",
    "expanded",
    "reviewed",
    "cut",
    "doubled",
    "questioned",
    "defended",
    "announced",
]

TEMPLATES = [
    "Officials in {place} {verb} a plan on {topic} on {day}, after weeks of debate.",
    "{person}, who has followed the issue for {n} years, said the decision came as no surprise.",
    "According to figures published by {org}, spending on {topic} rose by {n} percent.",
    "Residents of {place} packed a meeting hall to hear {org} explain its proposal.",
    '"We have waited long enough," {person} told reporters outside the building.',
    "The budget for {topic} now stands at {n} million, up from {m} million last year.",
    "Critics argue that {org} underestimated the cost of {topic} by a wide margin.",
    "A spokesperson for {org} declined to comment on the timetable for {topic}.",
    "In {place}, the debate over {topic} has divided neighbours for much of the {season}.",
    "{person} pointed to a {m}-page report that warned of delays as early as {year}.",
    "The vote passed by {n} to {m}, with several members abstaining.",
    "Engineers expect work on {topic} to begin in {season} if the funding holds.",
    "Opposition members said {org} had ignored warnings from experts in {place}.",
    "Local businesses in {place} said the plan on {topic} would change how they operate.",
    "The proposal will return to {org} for a final reading in {season}.",
    "{person} said families in {place} would feel the effect of the decision within {n} months.",
    "Similar schemes for {topic} have been tried in {place2} with mixed results.",
    "A survey of {n} households found most supported more money for {topic}.",
    "The announcement followed a {m}-day strike that disrupted services across {place}.",
    "Analysts at {org} said the numbers on {topic} were better than forecast.",
    '{person} called the outcome "a turning point for {place}" in a written statement.',
    "Weather in {place} delayed inspections of {topic} for {n} days this {season}.",
    "The ministry said {n} inspectors would be hired to oversee {topic} in {place}.",
    "Some council members in {place2} want to copy the approach on {topic}.",
    "{person} recalled that the last overhaul of {topic} happened in {year}.",
    "Protesters gathered near the harbour in {place} carrying signs about {topic}.",
    "The final cost of {topic} will not be known until {year}, {org} said.",
    "Documents seen by this newspaper show {org} considered {m} alternatives.",
    "Volunteers in {place} have started a petition that has {n} thousand signatures.",
    "{person} said the agreement with {org} still needs a signature from the governor.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
SEASONS = ["spring", "summer", "autumn", "winter"]


def article_text(seed: int, paragraphs: int = 6, sentences: int = 3) -> tuple[str, list[str]]:
    """(headline, paragraphs) of a distinct generated news story."""
    rng = random.Random(seed)
    place, place2 = rng.sample(PLACES, 2)
    topic = rng.choice(TOPICS)
    org = rng.choice(ORGS)
    people = rng.sample(PEOPLE, 3)
    templates = rng.sample(TEMPLATES, paragraphs * sentences)
    paras: list[str] = []
    for p in range(paragraphs):
        sents = []
        for t in templates[p * sentences : (p + 1) * sentences]:
            sents.append(
                t.format(
                    place=place,
                    place2=place2,
                    topic=topic,
                    org=org,
                    person=rng.choice(people),
                    verb=rng.choice(VERBS),
                    day=rng.choice(DAYS),
                    season=rng.choice(SEASONS),
                    n=rng.randint(2, 97),
                    m=rng.randint(3, 400),
                    year=rng.randint(1990, 2025),
                )
            )
        paras.append(" ".join(sents))
    headline = f"{place} {rng.choice(VERBS)} plan on {topic} after {rng.choice(DAYS)} vote"
    return headline[0].upper() + headline[1:], paras


#: bylines of generated articles
REPORTERS = ["Lena Hartmann", "Kofi Mensah", "Ines Duarte", "Pavel Novak", "Sara Lindgren"]


def article_html(
    url: str, seed: int, site_name: str = "Harbour Gazette", chrome: bool = True
) -> str:
    """A full article page for ``article_text(seed)`` with typical news-site chrome."""
    headline, paras = article_text(seed)
    author = REPORTERS[seed % len(REPORTERS)]
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paras)
    nav = (
        '<nav class="site-nav"><a href="/">Home</a> <a href="/section/politics">Politics</a> '
        '<a href="/section/business">Business</a> <a href="/about">About</a></nav>'
        if chrome
        else ""
    )
    cookie = (
        '<div class="cookie-banner">We use cookies to improve your experience. '
        "<button>Accept all</button></div>"
        if chrome
        else ""
    )
    related = (
        '<aside class="related"><h3>More stories</h3><ul>'
        '<li><a href="/section/politics">Council news</a></li>'
        '<li><a href="/section/business">Business briefs</a></li></ul></aside>'
        if chrome
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(headline)} | {site_name}</title>
<link rel="canonical" href="{url}">
<meta property="og:type" content="article">
<meta property="og:title" content="{html.escape(headline)}">
<meta property="og:site_name" content="{site_name}">
<meta name="author" content="{author}">
<meta property="article:published_time" content="2026-0{1 + seed % 9}-1{seed % 10}T08:00:00Z">
</head><body>
{cookie}
<header><a class="logo" href="/">{site_name}</a>{nav}</header>
<main><article>
<h1>{html.escape(headline)}</h1>
<p class="byline">By {author}</p>
{body}
</article>
{related}
</main>
<footer><p>&copy; 2026 {site_name}. All rights reserved.</p>
<a href="/about">About us</a> <a href="/contact">Contact</a></footer>
</body></html>
"""


def sitemap_xml(urls: list[str]) -> str:
    """A plain urlset sitemap listing ``urls``."""
    items = "\n".join(f"  <url><loc>{html.escape(u)}</loc></url>" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{items}\n</urlset>\n"
    )


def route_site(server: Any, pages: Mapping[str, str], robots: str | None = None) -> list[str]:
    """Serve ``pages`` (path -> HTML) on a fixture server, with a sitemap listing them,
    a robots.txt (``robots``; by default one that names the sitemap) and a home page.
    Returns the pages' URLs."""
    urls = [server.url(path) for path in pages]
    for path, page in pages.items():
        server.route(path, page)
    server.route("/sitemap.xml", sitemap_xml(urls), "application/xml")
    if robots is None:
        robots = f"User-agent: *\nSitemap: {server.url('/sitemap.xml')}\n"
    server.route("/robots.txt", robots, "text/plain")
    server.route("/", "<html><body><h1>Harbour Gazette</h1></body></html>")
    return urls


def route_news_site(
    server: Any, paths: Sequence[str], first_seed: int = 1, robots: str | None = None
) -> list[str]:
    """:func:`route_site` with an article page (``article_html``) at each of ``paths``."""
    pages = {p: article_html(server.url(p), first_seed + i) for i, p in enumerate(paths)}
    return route_site(server, pages, robots)
