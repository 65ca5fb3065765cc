"""What the extraction step does with one page: decode its body, then run the page function.

A spider hands the pipelines a ``FetchedPage`` whose ``body`` still holds the raw
response bytes (``html`` empty) whenever the crawl process has no use for the text
itself: an article found through a sitemap or feed is neither parsed for links nor
edited there. Decoding it (``crawler.text.charset.decode_html``: strict decodes, mojibake
scoring) then happens here, in the extraction worker, instead of on the reactor;
the bytes also cross the pipe to the worker more cheaply than the decoded text.

``extract_page`` is the task the extract pipeline runs (``crawler.runtime.workers``): in a
worker process, or in the crawl process itself with ``EXTRACT_WORKERS = 1``, with
the same result either way. The page function (``EXTRACT_FUNCTION``) always
receives a decoded page. A body that no charset decodes cleanly is
``Skip("undecodable")``: the pipeline counts it as ``skip/undecodable``, as the
spider does for a page it decoded itself.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from crawler.extract.options import Skip
from crawler.items import FetchedPage
from crawler.runtime.workers import resolve
from crawler.text.charset import NOTABLE_DECODES, decode_html_how


def decoded(page: FetchedPage) -> FetchedPage | Skip:
    """``page`` with its raw ``body`` decoded into ``html``; unchanged when already decoded."""
    if page.body is None:
        return page
    html, how = decode_html_how(page.body, page.content_type)
    if not html:
        return Skip("undecodable", "no charset decodes the body cleanly")
    notable = how if how in NOTABLE_DECODES else None
    return replace(page, html=html, body=None, content_type=None, decoded_how=notable)


def extract_page(function: str, page: FetchedPage, options: Any) -> Any:
    """``function(page, options)`` (a dotted path) on the decoded ``page``, or the Skip."""
    ready = decoded(page)
    if isinstance(ready, Skip):
        return ready
    return resolve(function)(ready, options)
