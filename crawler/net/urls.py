"""URL identity: canonical form, record id, host and site of a URL.

Normalisation is w3lib's ``canonicalize_url`` (scheme and host case,
percent-encoding, query order, fragment); on top of it we strip tracking
parameters and default ports.

The one host normaliser: :func:`site_of` is a URL's host (lower-cased, no port),
:func:`bare_host` the form sites are compared in (also no trailing dot, no leading
``www.``). A module that needs another rule (a DNS name, a host and port, an address
as written) says why where it applies it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

#: Query parameters that carry a visitor's session, never a page's identity.
SESSION_PARAMS: frozenset[str] = frozenset(
    {"sessionid", "session_id", "phpsessid", "jsessionid", "aspsessionid", "cfid", "cftoken"}
)

#: Query parameters that only track campaigns or sessions; never part of an article's identity.
TRACKING_PARAMS: frozenset[str] = SESSION_PARAMS | frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gclsrc",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "_hsenc",
        "_hsmi",
        "hsctatracking",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wickedid",
        "rb_clickid",
        "s_cid",
        "ncid",
        "cmpid",
        "ocid",
        "sr_share",
        "ref",
        "ref_src",
        "ref_url",
        "referrer",
        "smid",
        "icid",
        "ito",
        "ns_mchannel",
        "ns_source",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
        "at_medium",
        "at_campaign",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
    }
)
#: Parameter-name prefixes that mark tracking parameters (``utm_source``, ``pk_campaign`` ...).
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "pk_", "mtm_", "hsa_", "__hs", "_ga", "_gl", "piwik_")

#: The port a URL of each scheme means when it names none.
DEFAULT_PORTS: dict[str, int] = {"http": 80, "https": 443}


def is_tracking_param(name: str, extra: Iterable[str] = ()) -> bool:
    """True when a query parameter only tracks the visit."""
    lowered = name.lower()
    return (
        lowered in TRACKING_PARAMS
        or lowered in {e.lower() for e in extra}
        or lowered.startswith(TRACKING_PREFIXES)
    )


def canonicalize(url: str, extra_tracking_params: Iterable[str] = ()) -> str:
    """The normalised form of ``url`` used for identity and dedupe."""
    extra = tuple(extra_tracking_params)
    parts = urlsplit(url.strip())
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(k, extra)
    ]
    # jsessionid and friends also ride in the path as ";jsessionid=..."
    path = parts.path.split(";jsessionid=", 1)[0].split(";JSESSIONID=", 1)[0]
    netloc = netloc_without_default_port(parts)
    scheme = parts.scheme.lower()
    rebuilt = urlunsplit((scheme, netloc, path or "/", urlencode(query), ""))
    return canonicalize_url(rebuilt, keep_fragments=False)


def netloc_without_default_port(parts: SplitResult) -> str:
    """``parts.netloc`` without its scheme's default port (``:80`` of http, ``:443`` of
    https); raises ValueError for a port that is not a number."""
    port = parts.port
    if port is not None and DEFAULT_PORTS.get(parts.scheme.lower()) == port:
        return parts.netloc.rsplit(":", 1)[0]
    return parts.netloc


def record_id(canonical_url: str) -> str:
    """Stable 32-hex-digit id of an article, from its canonical URL."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:32]


def site_of(url: str) -> str:
    """The host of ``url``, lower-cased, without port (a record's ``site``)."""
    return (urlsplit(url).hostname or "").lower()


def site_host(url: str) -> str:
    """``url``'s site: its host as :func:`bare_host` compares sites."""
    return bare_host(site_of(url))


def on_site(url: str, site: str) -> bool:
    """True when ``url``'s host is ``site`` (a bare host) or a subdomain of it."""
    host = site_of(url)
    return host == site or host.endswith("." + site)


def bare_host(host: str) -> str:
    """``host`` (no port: e.g. :func:`site_of` of a URL) as sites are compared:
    lower-cased, without trailing dot or leading ``www.``."""
    host = (host or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host
