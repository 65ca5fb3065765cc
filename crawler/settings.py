"""Scrapy settings for Cleanwire. Every setting has a default and a one-line comment.

The README's settings table lists the same names; override with ``-s NAME=value``.
"""

from __future__ import annotations

from scrapy.settings import default_settings

BOT_NAME = "cleanwire"  # project name Scrapy reports
SPIDER_MODULES = ["spiders"]  # where spiders live
NEWSPIDER_MODULE = "spiders"  # where `scrapy genspider` writes
COMMANDS_MODULE = "crawler.commands"  # project commands: `scrapy preview`, and `scrapy crawl` with its checks before crawling and exit status

# --- politeness -------------------------------------------------------------
CONTACT_URL = "https://github.com/cleanwire/cleanwire"  # set to your own contact page
USER_AGENT = f"Cleanwire/0.1 (+{CONTACT_URL})"  # names the project and a contact URL; rebuilt from CONTACT_URL unless set itself
ROBOTSTXT_OBEY = True  # obey robots.txt
CONCURRENT_REQUESTS = 32  # global concurrency across sites
CONCURRENT_REQUESTS_PER_DOMAIN = 4  # polite per-site concurrency
DOWNLOAD_DELAY = 0.0  # AutoThrottle adapts the delay per site
AUTOTHROTTLE_ENABLED = True  # adapt request rate to each server's latency
AUTOTHROTTLE_START_DELAY = 0.5  # initial delay (seconds) before AutoThrottle adapts
AUTOTHROTTLE_MAX_DELAY = 30.0  # upper bound for AutoThrottle's delay
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0  # average parallel requests per site
COOKIES_ENABLED = False  # news pages do not need sessions; avoids session-ID traps
TELNETCONSOLE_ENABLED = False  # no telnet console for a scheduled job

# --- downloads --------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30  # seconds before a request is abandoned
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # refuse bodies above 16 MiB (also after decompression)
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024  # log a warning above 4 MiB
RETRY_ENABLED = True  # retry server errors and timeouts
RETRY_TIMES = 2  # retries per request before it counts as failed
REDIRECT_MAX_TIMES = 10  # longest redirect chain followed
HTTPCACHE_ENABLED = False  # no HTTP cache: the state store does incremental fetch
SCHEDULER_MEMORY_QUEUE = "crawler.scheduler.spilling_queue.SpillingLifoQueue"  # Scrapy's LIFO queue per site and priority, older requests in a temporary file (crawler/scheduler/spilling_queue.py)
DUPEFILTER_CLASS = "crawler.scheduler.dupefilter.DiskDupeFilter"  # Scrapy's request-fingerprint filter with the fingerprints in a temporary database on disk (crawler/scheduler/dupefilter.py); distributed crawls filter in Redis
SCHEDULER_MEMORY_REQUESTS = 500  # pending requests kept in memory per scheduler queue (site and priority); more wait on disk; 0 = no limit

# --- discovery (spiders/news.py) ----------------------------------------------
MAX_PAGES = 1000  # default page budget per start site for link-following (-a max_pages)
DISCOVERY_MAX_DEPTH = 6  # link-following depth limit from the start page
DISCOVERY_MAX_URL_LENGTH = 2000  # longer URLs are skipped (spider traps)
SITEMAP_MAX_URLS = 50000  # URLs read from one sitemap at most
SITEMAP_MAX_DEPTH = 4  # nested sitemap-index levels followed
SITEMAP_MAX_FILES = 200  # sitemap and feed documents fetched per start site at most
SITEMAP_MAX_BYTES = 50 * 1024 * 1024  # uncompressed bytes read from one (gzipped) sitemap

# --- extraction (pipelines/extract.py) ------------------------------------------
EXTRACT_MIN_WORDS = 60  # shorter extracted texts are not articles (unless marked as articles)
EXTRACT_MAX_LINK_DENSITY = 0.5  # pages whose text is mostly links are listings, not articles
EXTRACT_TIMEOUT = 20.0  # seconds per page before skip/extract_timeout
EXTRACT_WORKERS = 0  # extraction worker processes; 0 = one per CPU core
EXTRACT_CLEANUP = True  # remove in-body chrome lines (repeated headline/standfirst, stamps, labels)
PAYWALLED = "mark"  # paywalled teasers: "mark" (written with paywalled true), "keep" (written like any article, paywalled false) or "drop" (not written, drop/paywalled); the wall's text is never in text
EXTRACT_FALLBACK = True  # retry with readability/jusText comparison when trafilatura finds too little
EXTRACT_QUEUE_SIZE = 0  # pages handed to the worker pool at once (0 = 2 x workers); more wait, pausing downloads
EXTRACT_FUNCTION = "crawler.extract.record.build_record"  # dotted path of the picklable page -> record function the workers run
EXTRACT_SWITCH_INTERVAL = 0.0005  # seconds between GIL hand-overs in the crawl process while a worker pool runs (Python's 0.005): finished workers get their next page sooner (2,000-page bench: +2 %); 0 keeps Python's
EXTRACT_EARLY_START = True  # start the workers' fork server (trafilatura imports, language profiles) as the crawler is built, not when the spider opens: the first record comes sooner (crawler/extensions/early_pool.py)
EXTRACT_MAX_TASKS_PER_WORKER = 10000  # replace a worker process after this many pages (bounds leaks: a worker plateaus near 100 MB of its own; each replacement refills its caches, about 1 ms per page for its first few hundred); 0 = never
EXTRACT_MAX_WAITING = 0  # pages awaiting extraction before new downloads pause (0 = 4 x workers)

# --- whole articles: multi-page articles, AMP and print copies (pipelines/multipage.py) ---
MULTIPAGE_ENABLED = True  # join the pages of a multi-page article into one record and fold AMP and print copies into their canonical article
MAX_ARTICLE_PAGES = 20  # pages of one article fetched and joined at most (page numbers above it are ignored)
MULTIPAGE_HOLD_SECONDS = 120.0  # longest a page-1 record waits for its other pages (an AMP copy for its canonical page); also released when the spider goes idle or an archive is read to its end
MULTIPAGE_MAX_HELD = 500  # articles and copies waiting at once; beyond it the oldest is released with the pages it has

# --- language (pipelines/language.py) -----------------------------------------
LANGUAGES: list[str] = []  # keep only these ISO 639-1 languages; empty keeps all
LANGUAGE_SEED = 0  # langdetect seed, for deterministic results
LANGUAGE_MAX_CHARS = 600  # characters of title + leading text given to langdetect (in the extraction workers)

# --- site boilerplate (pipelines/boilerplate.py) ----------------------------------
BOILERPLATE_ENABLED = True  # learn and strip blocks that repeat across a site's articles
BOILERPLATE_MIN_DOCS = 3  # a block must appear in this many distinct articles of a site
BOILERPLATE_MIN_SHARE = 0.3  # ... and in at least this share of the site's articles
BOILERPLATE_HOLD = 8  # on a site's first crawl, hold its first records (outside Scrapy's item flow) until this many of its articles were learned; only for sites the spider expects at least this many article pages from (never in a WARC); 0 = never hold
BOILERPLATE_MAX_BLOCK_WORDS = 40  # longer blocks are never treated as boilerplate
BOILERPLATE_MAX_HELD = 200  # records held at once across all sites (oldest released first)
BOILERPLATE_HOLD_SECONDS = 60.0  # longest a record is held; it is also released when the spider goes idle
BOILERPLATE_MAX_BLOCKS = 20000  # block counters kept per site; the rarest are forgotten beyond it
BOILERPLATE_SAVE_INTERVAL = 60.0  # seconds between saves of learned blocks to the state store
BOILERPLATE_MAX_SITES = 1000  # sites whose statistics stay in memory; others are saved and reloaded

# --- dedupe (pipelines/dedupe.py) ---------------------------------------------
DEDUPE_ENABLED = True  # drop URL, exact and near duplicates
NEAR_DUPLICATES = "drop"  # "drop" or "mark" (adds duplicate_of)
DEDUPE_THRESHOLD = 0.8  # Jaccard similarity above which two texts are near duplicates
DEDUPE_NUM_PERM = 128  # MinHash permutations
DEDUPE_SHINGLE_SIZE = 5  # words per shingle
PRECHECK_CANONICAL = True  # drop a page whose declared canonical article was emitted from another URL before extracting it (pipelines/emitted.py: the dedupe pipeline's drop/duplicate_url, without the extraction)
DEDUPE_RECENT = 1024  # signatures of the last N records compared directly too: near copies of records still held (claimed, not yet in the store's index)
TRACKING_PARAMS: list[str] = []  # extra query parameters to strip from URLs (added to built-ins)

# --- state and output ---------------------------------------------------------
STATE_URL = "sqlite:///state/cleanwire.sqlite3"  # crawl state store: sqlite:///path or redis://host:port/db
OUTPUT_DIR = "output"  # JSONL goes to OUTPUT_DIR/<spider>/<UTC start>.jsonl
WRITE_SYNC_EVERY = 100  # fsync the JSONL and commit the store's marks every N records
WRITE_SYNC_INTERVAL = 2.0  # ... and at least this often (seconds) while records arrive
STATE_REDIS_PREFIX = "cleanwire"  # namespace of the Redis state store's keys

CONCURRENT_ITEMS = 2  # outputs of one response handled at once: a page yields at most one item, and its requests pass while that item waits in the pipelines (Scrapy's 100 starts 101 tasks per response)
WARN_ON_GENERATOR_RETURN_VALUE = False  # Scrapy's lint re-parses the callback's source for nearly every response

ITEM_PIPELINES = {
    "pipelines.emitted.EmittedCanonicalPipeline": 50,
    "pipelines.extract.ExtractPipeline": 100,
    "pipelines.multipage.MultipagePipeline": 150,
    "pipelines.language.LanguagePipeline": 200,
    "pipelines.dedupe.DedupePipeline": 300,
    "pipelines.boilerplate.BoilerplatePipeline": 400,
    "pipelines.write.JsonlWriterPipeline": 500,
}

DEFAULT_DROPITEM_LOG_LEVEL = "DEBUG"  # every drop is counted in stats; keep the log readable
LOG_LEVEL = "INFO"  # crawl log verbosity
LOG_STARTUP_DETAILS = False  # log Scrapy's versions, enabled components, overridden settings and final stats dict at INFO; False moves them to DEBUG (the stats stay in <run>.stats.json)
LOG_VERSIONS: list[str] = []  # libraries whose versions Scrapy logs at INFO before any add-on runs; empty: crawler/addons/quiet_startup.py logs Scrapy's usual list at DEBUG
LOG_FAILURES_PER_SITE = 1  # download failures logged per site (host:port); later ones go to DEBUG and one line per site counts them at the end; 0 logs every one
FEED_EXPORT_ENCODING = "utf-8"  # for ad-hoc `-o` exports

# --- safety (crawler/downloadermiddlewares/, crawler/spidermiddlewares/) ----------
ALLOW_LOOPBACK = False  # allow private/loopback targets; tests on 127.0.0.1 turn it on
ALLOWED_REDIRECT_HOSTS: list[str] = []  # extra hosts redirects may lead to
TWISTED_DNS_RESOLVER = "crawler.resolver.GuardedResolver"  # Scrapy's caching resolver that refuses, at connect time, private addresses of hosts that are not start hosts and start hosts rebound from a public to a private address
RETRY_BACKOFF_BASE = 1.0  # seconds before the first retry; doubles for each further retry
RETRY_BACKOFF_MAX = 60.0  # longest wait before a retry
RETRY_AFTER_MAX = 600.0  # longest Retry-After (429/503) waited for before a retry; a page asked to wait longer is skipped (skip/retry_after_too_long)
CRAWL_DELAY_MAX = 30.0  # longest robots.txt Crawl-delay honoured; sites asking more are crawled at this delay, with a warning
TRAP_MAX_CHAIN = 50  # longest chain of same-shaped links followed (calendars, endless "next")
DOWNLOADER_MIDDLEWARES = {
    "crawler.downloadermiddlewares.address_guard.AddressGuardMiddleware": 40,  # schemes, private addresses, off-site redirects
    "crawler.downloadermiddlewares.address_guard.ConnectGuardMiddleware": 900,  # connections the resolver refused -> skip/private_address
    "crawler.downloadermiddlewares.retry_backoff.RetryBackoffMiddleware": 540,  # backoff before retries; skip/failed
    "crawler.downloadermiddlewares.retry_after.RetryAfterMiddleware": 555,  # a 429/503's Retry-After before its retry
    "crawler.downloadermiddlewares.crawl_delay.CrawlDelayMiddleware": 110,  # robots.txt Crawl-delay per site
    "crawler.downloadermiddlewares.body_check.BodyCheckMiddleware": 560,  # empty, 204 and binary bodies
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.downloadermiddlewares.decompression.BoundedDecompressionMiddleware": 590,  # bombs -> skip/too_large
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.downloadermiddlewares.meta_refresh.HeadMetaRefreshMiddleware": 580,  # same, without decoding the whole body
    "crawler.downloadermiddlewares.redirect_guard.RedirectGuardMiddleware": 610,  # checks Location before redirecting
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.downloadermiddlewares.robotstxt.SharedRobotsTxtMiddleware": 100,  # one robots.txt download per site, shared with the spider
}
SPIDER_MIDDLEWARES = {
    "crawler.spidermiddlewares.trap_filter.TrapFilterMiddleware": 950,  # session ids, trap-shaped URLs
}

# --- reports and distribution ---------------------------------------------------
RUN_REPORT = True  # write <run>.stats.json beside the JSONL and log a summary
WORKER_ID = ""  # appended to output file names (distributed workers)
DISTRIBUTED = False  # share the frontier through scrapy-redis (REDIS_URL)
REDIS_URL = ""  # Redis of the shared frontier; setting it turns DISTRIBUTED on
DISTRIBUTED_WORKER_TIMEOUT = 30.0  # seconds without heartbeat before a worker's in-flight requests are re-queued
DISTRIBUTED_MAX_IDLE = 60.0  # a worker exits once the shared frontier was empty this long; 0 waits forever
DISTRIBUTED_REDIS_RETRY = 30.0  # seconds a Redis outage is retried before the worker stops (redis_unavailable)
DISTRIBUTED_START_URLS_KEY = "%(name)s:start_urls"  # Redis list idle workers take start URLs from
ADDONS = {"crawler.addons.distributed.DistributedAddon": 0, "crawler.addons.useragent.ContactUserAgentAddon": 0, "crawler.addons.quiet_startup.QuietStartupAddon": 0}  # distributed mode from DISTRIBUTED/REDIS_URL; USER_AGENT from CONTACT_URL; Scrapy's start-up dumps at DEBUG

# --- garbage collector (crawler/extensions/gc_tuning.py, drop_tracebacks.py) ---
GC_FREEZE = True  # freeze the start-up heap (gc.freeze) when the crawler is built and when the spider opens: later collections and the exit skip it
GC_THRESHOLD = 20000  # container allocations between young-generation collections (Python's default: 700); 0 keeps Python's
GC_RELEASE_DROPPED = True  # clear a dropped item's exception traceback once Scrapy handled it, so the item is freed at once, not at a later collection (crawler/extensions/drop_tracebacks.py)

# --- WARC (spiders/warc.py, crawler/extensions/warc_output.py) ----------------
WARC_MAX_INFLIGHT = 64  # archive pages in the pipelines at once (bounds memory)
WARC_OUTPUT = False  # also archive every response of a news crawl to <run>.warc.gz

LOGSTATS_INTERVAL = 60.0  # seconds between progress lines (records written per minute)

REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19's code-execution HTTP server (for its MCP tool): not for a scheduled crawler

# Scrapy's base extensions less its remote control and telnet console (both off), so that neither is imported (aiohttp: ~0.1 s of start-up CPU)
EXTENSIONS_BASE = {
    name: order
    for name, order in default_settings.EXTENSIONS_BASE.items()
    if name.rsplit(".", 1)[-1] not in ("RemoteControl", "TelnetConsole")
}
EXTENSIONS = {
    "crawler.extensions.early_pool.EarlyForkServer": -100,
    "scrapy.extensions.logstats.LogStats": None,
    "crawler.extensions.progress.ProgressLog": 0,
    "crawler.extensions.gc_tuning.CollectorTuning": 0,
    "crawler.extensions.drop_tracebacks.DroppedItemRelease": 1000,
    "crawler.extensions.site_failures.SiteFailureLog": 400,
    "crawler.extensions.outcome.RunOutcome": 490,
    "crawler.extensions.report.RunReport": 500,
    "crawler.extensions.warc_output.WarcOutput": 510,
}

# --- web archive backfill (spiders/archive.py, crawler/discovery/cdx.py, crawler/discovery/backfill.py) ---
CDX_URL = "https://web.archive.org/cdx/search/cdx"  # CDX API that lists a site's captures (a pywb install: http://host:port/COLL/cdx)
ARCHIVE_URL = "https://web.archive.org/web/"  # replay service; a capture is fetched as {ARCHIVE_URL}{timestamp}id_/{original URL} (pywb: http://host:port/COLL/)
CDX_DIALECT = "auto"  # "ia" (Internet Archive: JSON array, resumeKey paging), "pywb" (JSON lines, page/showNumPages paging) or "auto" (told by the first answer)
CDX_LIMIT = 5000  # captures per CDX request in the Internet Archive dialect (limit + resumeKey)
CDX_PAGE_SIZE = 0  # index blocks per page of a paged (ZipNum) pywb index; 0 = the server's default
CDX_TIMEOUT = 120.0  # seconds a CDX request may take (listing a whole domain is slow)
ARCHIVE_CONCURRENCY = 2  # requests to the archive's host at once (its own download slot)
ARCHIVE_DELAY = 1.0  # seconds between requests to the archive's host (the Internet Archive asks for modest rates)
ARCHIVE_MAX_CAPTURES = 10000  # captures fetched per site at most (-a max_captures); 0 = no limit
ARCHIVE_PROGRESS_EVERY = 100  # log a progress line every N captures done (captures left, records written); 0 = never
