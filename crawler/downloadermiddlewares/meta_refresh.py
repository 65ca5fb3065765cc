"""``HeadMetaRefreshMiddleware`` (580, replaces Scrapy's ``MetaRefreshMiddleware``):
the same meta-refresh redirects, from the head of the body only.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Response
from scrapy.utils.httpobj import urlparse_cached
from w3lib.encoding import html_to_unicode
from w3lib.html import get_base_url, get_meta_refresh

from crawler import internals

#: Characters of a page Scrapy looks at for <meta http-equiv="refresh"> and <base href>.
META_REFRESH_SCAN_CHARS = 4096


def head_text(response: HtmlResponse, chars: int = META_REFRESH_SCAN_CHARS) -> str:
    """``response.text[:chars]`` without decoding (and caching) the whole body."""
    encoding = response.encoding
    # A character takes at most 4 bytes (UTF-8, UTF-16/32, GB18030), plus a BOM.
    head = response.body[: 4 * chars + 4]
    return html_to_unicode(f"charset={encoding}", head)[1][:chars]


class HeadMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's ``MetaRefreshMiddleware`` (same rules and settings), reading only the
    first 4096 characters it looks at anyway: Scrapy gets them from ``response.text``,
    which decodes the whole body and keeps the copy for the response's lifetime,
    although the spider decodes the page itself."""

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if (
            request.meta.get("dont_redirect", False)
            or request.method == "HEAD"
            or not isinstance(response, HtmlResponse)
            or urlparse_cached(request).scheme not in {"http", "https"}
        ):
            return response
        text = head_text(response)
        if "refresh" not in text.lower():
            return response  # get_meta_refresh reads only tags whose lowercased text has it
        encoding = response.encoding
        ignore_tags, max_delay = internals.meta_refresh_settings(self)
        interval, url = get_meta_refresh(
            text, get_base_url(text, response.url, encoding), encoding, ignore_tags
        )
        if not url:
            return response
        redirected = internals.redirect_request_using_get(self, request, response, url)
        if urlparse_cached(redirected).scheme not in {"http", "https"}:
            return response
        if interval is not None and interval < max_delay:
            return internals.follow_redirect(self, redirected, request, "meta refresh")
        return response
