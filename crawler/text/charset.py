"""Decode HTML bytes to text: declared charsets are checked, not trusted.

Order of evidence, strongest first:

1. a byte-order mark (it wins over any declaration);
2. pure ASCII (every ASCII-compatible charset agrees);
3. valid UTF-8 with multi-byte sequences (legacy text is almost never valid UTF-8);
   Valid UTF-8 that reads as double-encoded ("CafÃ©") is repaired (re-encoded
   as cp1252 and read as UTF-8 again) or, when that fails, refused: no other
   charset reads such bytes better;
4. the charsets declared in the HTTP header, then in ``<meta>`` / the XML
   declaration, each accepted only when it decodes strictly *and* the text does
   not read as mojibake;
5. the declared charsets again (UTF-8 too, declared or not), now replacing the bytes
   they cannot read, accepted only when those are a tiny share of the text (a
   truncated character, one stray byte of another charset in an ad or a comment) and
   the rest passes the mojibake test;
6. charset-normalizer's detection, accepted under the same mojibake test.

When nothing passes, the page is undecodable and ``decode_html`` returns None:
a page is skipped rather than written as mojibake. ``decode_html_how`` also says
which step read the page ("lossy" for step 5), for the pipeline to count.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, resolve_encoding

#: Mess ratio (charset-normalizer's mojibake score) above which decoded text is refused.
MAX_MESS = 0.2
#: Share of control characters / U+FFFD above which decoded text is refused.
MAX_CONTROL_SHARE = 0.01
#: Share of the characters that may be replaced (U+FFFD) in a lossy decode (step 5).
MAX_LOSSY_SHARE = 0.001
#: Characters of visible text scored for mojibake.
SAMPLE_CHARS = 6000
#: Characters of markup, from ``<body>`` on, searched for that visible text (bounds the cost
#: on large pages: mojibake shows in the first screens as much as in the whole page).
SCAN_CHARS = 32 * 1024

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SCRIPT_STYLE = re.compile(r"(?is)<(script|style)\b.*?</\1\s*>")
_BODY = re.compile(r"<body\b", re.IGNORECASE)
_TAG = re.compile(r"(?s)<[^>]*>")
_ENTITY = re.compile(r"&#?\w+;")
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")
#: A double-encoded word re-encodes (cp1252, else latin-1) to a UTF-8 lead byte
#: (0xC2-0xF4) followed by a continuation byte (0x80-0xBF): these are the characters
#: that encode to those bytes.
_LEAD_CHARS = "\u00c2-\u00f4"
_CONTINUATION_CHARS = (
    "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2020\u2021\u2022\u2026"
    "\u2030\u2039\u203a\u20ac\u2122"
)
#: Two adjacent characters that a double-encoded word must contain.
_DOUBLE_ENCODED_PAIR = re.compile(f"[{_LEAD_CHARS}][{_CONTINUATION_CHARS}]")


def bom_encoding(body: bytes) -> tuple[str, int] | None:
    """(encoding, BOM length) when ``body`` starts with a byte-order mark."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return encoding, len(bom)
    return None


def declared_encodings(body: bytes, content_type: str | None = None) -> list[str]:
    """Python codec names declared by the header, then by the document; deduplicated."""
    found: list[str] = []
    for raw in (
        http_content_type_encoding(content_type) if content_type else None,
        html_body_declared_encoding(body),
    ):
        if not raw:
            continue
        name = resolve_encoding(raw)
        if name and name not in found:
            found.append(name)
    return found


def _scan_region(text: str, limit: int = SAMPLE_CHARS) -> tuple[int, int]:
    """Where :func:`visible_sample` takes its text from: (start, end) in ``text``."""
    body = _BODY.search(text, 0, SCAN_CHARS * 4)
    start = body.start() if body else 0
    return start, start + max(SCAN_CHARS, limit * 5)


def visible_sample(text: str, limit: int = SAMPLE_CHARS) -> str:
    """Roughly the human-visible text of an HTML page (tags, scripts, entities dropped)."""
    start, end = _scan_region(text, limit)
    text = _SCRIPT_STYLE.sub(" ", text[start:end])
    text = _ENTITY.sub(" ", _TAG.sub(" ", text))
    return _SPACE.sub(" ", text).strip()[:limit]


def _redecodes(token: str) -> bool:
    for legacy in ("cp1252", "latin-1"):
        try:
            return token.encode(legacy).decode("utf-8") != token
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return False


def double_encoded(text: str) -> bool:
    """True when ``text`` is UTF-8 that was decoded as a single-byte charset ("CafÃ©").

    Word by word: such words turn back into valid UTF-8 when re-encoded as cp1252.
    """
    foreign = [t for t in text.split() if not t.isascii()]
    if not foreign:
        return False
    redecoded = sum(1 for t in foreign if _redecodes(t))
    return redecoded >= 2 and redecoded >= 0.3 * len(foreign)


def _single_byte(error: UnicodeError) -> tuple[bytes, int]:
    """Codec error handler: U+0080-U+00FF to the byte of the same value (the five
    bytes cp1252 leaves undefined come back from a browser's decoding as these)."""
    assert isinstance(error, UnicodeEncodeError)
    chunk = error.object[error.start : error.end]
    if all(ord(ch) < 0x100 for ch in chunk):
        return chunk.encode("latin-1"), error.end
    raise error


codecs.register_error("cleanwire-single-byte", _single_byte)


def undo_double_encoding(text: str) -> str | None:
    """``text`` with its double encoding undone: re-encoded with the single-byte charset
    it was wrongly decoded with (cp1252, its gaps as latin-1) and read as UTF-8 again.
    None when the whole text does not turn back into valid UTF-8 (a page that mixes
    double-encoded and sound text, or lost bytes to U+FFFD)."""
    try:
        return text.encode("cp1252", "cleanwire-single-byte").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None


def looks_clean(text: str, valid_utf8: bool = False) -> bool:
    """False when decoded text reads as mojibake or carries control characters.

    ``valid_utf8``: the text came from bytes that are valid UTF-8, strong evidence in itself.
    """
    if valid_utf8:
        # The sample is built from this region (tags and entities become spaces): without
        # a control character or a re-decodable pair in it, the checks below pass.
        start, end = _scan_region(text)
        if (
            _CONTROL.search(text, start, end) is None
            and _DOUBLE_ENCODED_PAIR.search(text, start, end) is None
        ):
            return True
    sample = visible_sample(text)
    if not sample:
        return True
    if len(_CONTROL.findall(sample)) > MAX_CONTROL_SHARE * len(sample):
        return False
    if sample.isascii():
        return True
    if valid_utf8:
        # Valid multi-byte UTF-8 is almost never a legacy charset read by accident; what can
        # go wrong is UTF-8 that was double-encoded. (mess_ratio misjudges CJK text here.)
        return not double_encoded(sample)
    return mess_ratio(sample, MAX_MESS) < MAX_MESS


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


#: On a tie, the charsets the web uses most win (cp1250 and cp1252 read English alike).
PREFERRED_ON_TIE = ("utf_8", "cp1252", "cp1251", "cp932", "gb18030", "euc_kr")


def _detect(body: bytes) -> str | None:
    results = from_bytes(body)
    best = results.best()
    if best is None or best.chaos >= MAX_MESS:
        return None
    ties = {
        r.encoding: r
        for r in results
        if r.chaos <= best.chaos + 0.005 and r.coherence >= best.coherence - 0.02
    }
    for encoding in PREFERRED_ON_TIE:
        if encoding in ties:
            return str(ties[encoding])
    return str(best)


def _lossy(body: bytes, encoding: str) -> str | None:
    """``body`` decoded with ``encoding``, unreadable bytes replaced, when they are at
    most :data:`MAX_LOSSY_SHARE` of the characters; else None."""
    try:
        text = body.decode(encoding, "replace")
    except LookupError:
        return None
    bad = text.count("\ufffd") - body.count("\ufffd".encode())
    if bad > MAX_LOSSY_SHARE * len(text):
        return None
    if encoding == "utf-8" and len(text.encode("utf-8", "surrogatepass")) - len(text) <= 2 * bad:
        # hardly any multi-byte character read: a legacy page with a few accented
        # letters, for detection to read, not UTF-8 with a few damaged bytes
        return None
    return text


#: ``decode_html_how`` answers worth counting (``charset/<how>``): not a strict read
#: of the page's own charset
NOTABLE_DECODES = frozenset({"repaired", "lossy", "detected"})


def decode_html(body: bytes, content_type: str | None = None) -> str | None:
    """The page as text, or None when it cannot be decoded cleanly."""
    return decode_html_how(body, content_type)[0]


def decode_html_how(body: bytes, content_type: str | None = None) -> tuple[str | None, str]:
    """The page as text (None when it cannot be decoded cleanly) and how it was read:
    "bom", "ascii", "utf-8", "repaired" (double encoding undone), "declared",
    "lossy" (a few unreadable bytes replaced), "detected" or "undecodable"."""
    if not body:
        return None, "undecodable"
    bom = bom_encoding(body)
    if bom is not None:
        encoding, length = bom
        text = _strict(body[length:], encoding)
        return (text, "bom") if text is not None and looks_clean(text) else (None, "undecodable")
    declared = declared_encodings(body, content_type)
    if body.isascii() and b"\x1b" not in body and b"\x00" not in body:
        # every ASCII-compatible charset reads it the same (ISO-2022 uses ESC, UTF-16 NUL)
        return body.decode("ascii"), "ascii"
    text = _strict(body, "utf-8")
    valid_utf8 = text is not None
    if text is not None:
        if looks_clean(text, valid_utf8=True):
            return text, "utf-8"
        if double_encoded(visible_sample(text)):
            # Valid UTF-8 that reads as "CafÃ©": no legacy charset reads these bytes
            # better (a detector would offer e.g. EUC-KR, turning German into Korean
            # garbage). Undo the double encoding, or give up on the page.
            repaired = undo_double_encoding(text)
            if repaired is not None and looks_clean(repaired, True):
                return repaired, "repaired"
            return None, "undecodable"
    for encoding in declared:
        if encoding.replace("-", "").replace("_", "") in {"utf8", "ascii"}:
            continue
        text = _strict(body, encoding)
        if text is not None and looks_clean(text):
            return text, "declared"
    if not valid_utf8:  # a declared charset (or UTF-8) that reads all but a few bytes
        for encoding in dict.fromkeys([*declared, "utf-8"]):
            text = _lossy(body, encoding)
            if text is not None and looks_clean(text):
                return text, "lossy"
    text = _detect(body)
    if text is not None and looks_clean(text):
        return text, "detected"
    return None, "undecodable"
