"""`scrapy preview URL_OR_FILE [--removed] [--json] [--site-state]`: the record one page gives.

Fetches the page through Scrapy's downloader (the project's download settings
and middlewares, one request, robots.txt not consulted, like ``scrapy fetch``)
or reads a local HTML file, then runs the pipelines' own pure functions on it
(``crawler.extract.explain.build_preview``) and prints the record, or why there is none.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser, Namespace
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from scrapy import Request, Spider
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.http import Response
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure
from w3lib.url import is_url

from crawler.items import FetchedPage
from crawler.runtime.run import utc_now_iso
from crawler.runtime.state import open_store
from crawler.text.charset import decode_html
from crawler.text.site_lines import SiteBoilerplate
from pipelines.extract import options_from_settings

if TYPE_CHECKING:
    from crawler.extract.explain import Preview

# crawler.extract.explain (trafilatura, htmldate, langdetect) is imported inside _show():
# Scrapy imports every project command module for every command, `scrapy crawl`
# included, and the crawl process should not load the extraction libraries.

SOURCES = ("listing", "sitemap", "news_sitemap", "feed", "start")
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xhtml")


class PreviewSpider(Spider):
    """Downloads one URL and keeps the response; the command does the rest."""

    name = "preview"
    custom_settings = {
        "ROBOTSTXT_OBEY": False,  # the user asked for this one page
        "ITEM_PIPELINES": {},  # the command runs the pipelines' functions itself
        "EXTENSIONS": {
            "crawler.extensions.progress.ProgressLog": None,
            "crawler.extensions.report.RunReport": None,
            "crawler.extensions.warc_output.WarcOutput": None,
        },
        "DISTRIBUTED": False,
        "REDIS_URL": "",
    }

    def __init__(self, url: str, sink: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = url
        self.start_urls = [url]  # the address guard allows a host the user named
        self.sink = sink

    async def start(self) -> AsyncIterator[Any]:
        yield Request(
            self.url,
            callback=self.keep,
            errback=self.failed,
            dont_filter=True,
            meta={"handle_httpstatus_list": list(range(400, 600))},
        )

    def keep(self, response: Response) -> None:
        self.sink["response"] = response

    def failed(self, failure: Failure) -> None:
        self.sink["error"] = f"{failure.type.__name__}: {failure.getErrorMessage()}"


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] <url or file.html>"

    def short_desc(self) -> str:
        return "Print the article record one page gives, and what was removed from it"

    def long_desc(self) -> str:
        return (
            "Fetch one page (or read a local HTML file) and print the record a crawl "
            "would write for it: title, language, date, authors, canonical URL, word "
            "count and text, made by the same functions the pipelines run, with the "
            "site's learned boilerplate from STATE_URL. A page that is not an article "
            "prints 'Not an article: skip/<reason> (detail)' and exits 0; a page that "
            "cannot be fetched or read exits 1. The download uses the project's "
            "settings and middlewares but does not consult robots.txt (like 'scrapy "
            "fetch'): it is one page you asked for. Private and loopback addresses are "
            "allowed for the host you name. Dedupe is not part of a preview."
        )

    def add_options(self, parser: ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--removed",
            action="store_true",
            help="also list every block kept out of the text and the rule that removed it",
        )
        parser.add_argument(
            "--json", action="store_true", help="print the record as one JSON line (JSONL)"
        )
        parser.add_argument(
            "--site-state",
            action="store_true",
            help="also say what the state store knows of the site and of this URL",
        )
        parser.add_argument(
            "--url", help="the page's URL when reading a local file (default: its file:// URL)"
        )
        parser.add_argument(
            "--source",
            choices=SOURCES,
            default="listing",
            help="where a crawl would have found the page; sitemap and feed pages are "
            "judged more leniently (default listing)",
        )

    def process_options(self, args: list[str], opts: Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        # Quiet by default: the record is the output. -s LOG_LEVEL=... still wins.
        if self.settings.getpriority("LOG_LEVEL") < 40:  # below "cmdline"
            self.settings.set("LOG_LEVEL", "WARNING", priority="cmdline")

    # ------------------------------------------------------------------ running
    def run(self, args: list[str], opts: Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one URL or one HTML file")
        target = args[0]
        local = _local_path(target)
        if local is not None:
            page = self._read_file(local, opts)
        elif is_url(target) and urlsplit(target).scheme in {"http", "https"}:
            page = self._fetch(target, opts)
        else:
            raise UsageError(f"{target!r} is neither an http(s) URL nor a readable file")
        if page is None:
            self.exitcode = 1
            return
        self._show(page, opts)

    def _read_file(self, path: Path, opts: Namespace) -> FetchedPage | None:
        try:
            body = path.read_bytes()
        except OSError as exc:
            print(f"Cannot read {path}: {exc}", file=sys.stderr)
            return None
        html = decode_html(body, None)
        if not html:
            print(f"Cannot decode {path} as HTML", file=sys.stderr)
            return None
        return FetchedPage(
            url=opts.url or path.resolve().as_uri(),
            html=html,
            fetched_at=utc_now_iso(),
            source=opts.source,
        )

    def _fetch(self, url: str, opts: Namespace) -> FetchedPage | None:
        sink: dict[str, Any] = {}
        assert self.crawler_process is not None
        self.crawler_process.crawl(PreviewSpider, url=url, sink=sink)
        self.crawler_process.start()
        response: Response | None = sink.get("response")
        if response is None:
            reason = sink.get("error") or "no response (see the log; -s LOG_LEVEL=INFO)"
            print(f"Could not fetch {url}: {reason}", file=sys.stderr)
            return None
        ctype = _header(response, "Content-Type")
        if ctype and not ctype.lower().split(";")[0].strip().startswith(_HTML_TYPES):
            print(f"Not an HTML page: {url} is {ctype}", file=sys.stderr)
            return None
        html = decode_html(response.body, ctype)
        if not html:
            print(f"Cannot decode the page at {url}", file=sys.stderr)
            return None
        validators = {
            k: v
            for k, v in (
                ("etag", _header(response, "ETag")),
                ("last_modified", _header(response, "Last-Modified")),
            )
            if v
        }
        return FetchedPage(
            url=response.url,
            html=html,
            fetched_at=utc_now_iso(),
            status=response.status,
            source=opts.source,
            validators=validators,
        )

    def _show(self, page: FetchedPage, opts: Namespace) -> None:
        from crawler.extract.explain import (
            PreviewConfig,
            build_preview,
            format_preview,
            preview_dict,
        )

        assert self.settings is not None
        settings = self.settings
        config = PreviewConfig(
            options=options_from_settings(settings),
            languages=frozenset(c.strip().lower() for c in settings.getlist("LANGUAGES") if c),
            language_seed=settings.getint("LANGUAGE_SEED", 0),
            language_max_chars=settings.getint("LANGUAGE_MAX_CHARS", 2000),
        )
        state = _StateReader(settings)
        try:
            preview = build_preview(page, config, site_for=state.site)
            known = state.known(preview) if opts.site_state else None
        finally:
            state.close()
        if opts.json:
            out = preview_dict(preview, removed=opts.removed, site_state=opts.site_state)
            if opts.site_state:
                out["state"] = {"url": state.url, "error": state.error, "article": known}
            print(json.dumps(out, ensure_ascii=False))  # one JSONL line
            return
        sys.stdout.write(format_preview(preview, removed=opts.removed))
        if opts.site_state:
            print()
            print(_format_state(state, preview, known))


def _local_path(target: str) -> Path | None:
    if target.startswith("file://"):
        return Path(unquote(urlsplit(target).path))
    path = Path(target)
    return path if path.is_file() else None


class _StateReader:
    """Reads (never writes) what the state store knows: learned site blocks, emitted URLs."""

    def __init__(self, settings: BaseSettings) -> None:
        self.settings = settings
        self.url: str = settings.get("STATE_URL") or ""
        self.store: Any = None
        self.error: str | None = None
        if self.url.startswith("sqlite:///") and not Path(self.url[len("sqlite:///") :]).exists():
            self.error = "no state file yet"
            return
        try:
            self.store = open_store(
                self.url,
                threshold=settings.getfloat("DEDUPE_THRESHOLD", 0.8),
                num_perm=settings.getint("DEDUPE_NUM_PERM", 128),
                prefix=settings.get("STATE_REDIS_PREFIX") or "cleanwire",
            )
        except Exception as exc:  # an unreachable Redis must not stop a preview
            self.error = f"{type(exc).__name__}: {exc}"

    def site(self, site: str) -> SiteBoilerplate | None:
        if self.store is None or not self.settings.getbool("BOILERPLATE_ENABLED", True):
            return None
        try:
            documents, counts = self.store.load_blocks(site)
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            return None
        if not documents:
            return None
        learned = SiteBoilerplate(
            min_docs=self.settings.getint("BOILERPLATE_MIN_DOCS", 3),
            min_share=self.settings.getfloat("BOILERPLATE_MIN_SHARE", 0.3),
            max_block_words=self.settings.getint("BOILERPLATE_MAX_BLOCK_WORDS", 40),
            max_blocks=self.settings.getint("BOILERPLATE_MAX_BLOCKS", 20000),
        )
        learned.load(documents, counts)
        return learned

    def known(self, preview: Preview) -> dict[str, Any] | None:
        """The store's record of this page's article, if a crawl emitted it."""
        if self.store is None or preview.record is None:
            return None
        rec = preview.record
        state = self.store.get_article(rec.id) or self.store.get_by_url(rec.url)
        if state is None:
            return None
        return {
            "id": state.id,
            "version": state.version,
            "same_text": state.content_hash == rec.content_hash,
        }

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


def _format_state(state: _StateReader, preview: Preview, known: dict[str, Any] | None) -> str:
    lines = [f"State store: {state.url}" + (f" ({state.error})" if state.error else "")]
    if preview.record is None:
        lines.append("  (no record, nothing to look up)")
        return "\n".join(lines)
    site = preview.site
    if site is None:
        lines.append(f"  {preview.record.site}: no boilerplate learned for this site")
    else:
        lines.append(
            f"  {preview.record.site}: {site['documents']} articles learned from, "
            f"{site['blocks_counted']} blocks counted, {site['blocks_stripped']} stripped as "
            f"boilerplate (a block needs {site['document_frequency_needed']} articles)"
        )
    if known is None:
        lines.append("  this article: not emitted by any crawl yet")
    else:
        same = "same text" if known["same_text"] else "text changed since"
        lines.append(f"  this article: emitted as version {known['version']} ({same})")
    return "\n".join(lines)
