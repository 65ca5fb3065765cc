"""Cleanwire's own Scrapy signals (sent with ``crawler.signals.send_catch_log``).

Components share results through these rather than each other's fields, as
Scrapy's robots.txt middleware shares ``robots_parsed``.
"""

from __future__ import annotations

#: A record the boilerplate pipeline held back is final and can be written now.
#: Arguments: ``item`` (an ``ArticleRecord`` that already passed every pipeline).
record_released = object()

#: The writer is about to close its file: every record still held must be released
#: now (``record_released``), before the file is finalised. No arguments.
release_held_records = object()

#: How many article pages a spider requested from a site in this run so far, and
#: whether its discovery (sitemaps, feeds) is still running, so that more may come.
#: Arguments: ``site`` (host), ``pages`` (int), ``discovering`` (bool).
site_pages_expected = object()

#: A request failed for good with a download error (DNS, refused, TLS, timeout...):
#: its retries are spent. Sent by ``RetryBackoffMiddleware``. Arguments: ``request``,
#: ``exception`` and ``reason`` (``crawler.runtime.outcome.failure_reason`` of the exception).
download_failed = object()

#: A page request of the spider failed for good (an error status, a download error,
#: robots.txt, an off-site redirect): no item will come for it. Sent by the news
#: spider's page errback. Arguments: ``url`` (the request's URL).
page_unavailable = object()

#: The spider will bring no more pages (the warc spider read its archives to the
#: end): records waiting for pages of their article are final now. Sent with
#: ``send_catch_log_async``; the spider waits for the handlers. No arguments.
pages_exhausted = object()
