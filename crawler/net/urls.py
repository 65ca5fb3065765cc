"""URL identity: canonical form, record id, site of a URL.

Normalisation is w3lib's ``canonicalize_url`` (scheme and host case,
percent-encoding, query order, fragment); on top of it we strip tracking
parameters and default ports.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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

_DEFAULT_PORTS = {"http": 80, "https": 443}


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
    netloc = parts.netloc
    scheme = parts.scheme.lower()
    if parts.port is not None and _DEFAULT_PORTS.get(scheme) == parts.port:
        netloc = netloc.rsplit(":", 1)[0]
    rebuilt = urlunsplit((scheme, netloc, path or "/", urlencode(query), ""))
    return canonicalize_url(rebuilt, keep_fragments=False)


def record_id(canonical_url: str) -> str:
    """Stable 32-hex-digit id of an article, from its canonical URL."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:32]


def site_of(url: str) -> str:
    """The host of ``url``, lower-cased, without port."""
    return (urlsplit(url).hostname or "").lower()
