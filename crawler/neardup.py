"""Near-duplicate fingerprints: word shingles, MinHash and LSH band keys.

Pure functions shared by every state-store backend. A text becomes a MinHash
signature over its word shingles; the signature is cut into ``b`` bands of ``r``
values (``b`` and ``r`` chosen as datasketch's ``MinHashLSH`` would for the
Jaccard threshold), and each band becomes one 64-bit bucket key. Two texts that
share a bucket in any band are candidates; a candidate is a near duplicate when
the estimated Jaccard similarity of the two signatures reaches the threshold.

The signature is computed in a few numpy passes (no per-shingle Python work):
each shingle's UTF-8 bytes get a 64-bit polynomial hash from prefix sums over
the text's bytes, a splitmix64 finaliser mixes it, and each of the ``num_perm``
hash functions is a multiply-add-shift ``(a * x + b) mod 2**64 >> 32`` with
constants derived from ``MINHASH_SEED`` by BLAKE2b. Everything is fixed-width
integer arithmetic, so a signature is the same in every process, run and
machine; stored signatures stay comparable as long as this module is unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from crawler.textnorm import words

#: MinHash seed; every backend and every run must use the same one.
MINHASH_SEED = 1
#: Signature scheme name (bump when the hashing changes: old signatures are not comparable).
MINHASH_SCHEME = "polyshingle64-mas32"
SIGNATURE_DTYPE = np.uint32
#: LSH (false positive, false negative) weights. A false positive only costs one
#: signature comparison (every candidate is checked against the threshold), a
#: false negative lets a near duplicate through: with datasketch's default
#: (0.5, 0.5) a copy at Jaccard 0.85 is missed 31 % of the time, with these 0.6 %
#: (128 permutations at threshold 0.8: 16 bands of 8 rows instead of 9 of 13).
LSH_WEIGHTS = (0.05, 0.95)
#: Value of every slot of the signature of a text without words.
EMPTY_VALUE = 0xFFFFFFFF

_U64 = np.uint64
#: Odd base of the polynomial shingle hash (mod 2**64), and its inverse.
_BASE = 0x9E3779B97F4A7C15
_BASE_INV = pow(_BASE, -1, 1 << 64)
#: Bytes that are not ASCII word characters, mapped to a space.
_ASCII_NON_WORD = bytes(
    c if chr(c).isascii() and (chr(c).isalnum() or c == 0x5F) else 0x20 for c in range(256)
)
#: Shingles hashed per numpy block (bounds the num_perm x block temporary).
_BLOCK = 2048


def shingles(text: str, size: int = 5) -> set[bytes]:
    """The set of ``size``-word shingles of ``text`` (case-folded words), as bytes.

    A text shorter than ``size`` words is one shingle of all its words.
    (:func:`minhash` hashes exactly these byte strings, without building them.)
    """
    tokens = words(text)
    if not tokens:
        return set()
    if len(tokens) <= size:
        return {" ".join(tokens).encode("utf-8")}
    return {" ".join(tokens[i : i + size]).encode("utf-8") for i in range(len(tokens) - size + 1)}


def _joined_words(text: str) -> bytes:
    """UTF-8 of ``" ".join(words(text))``; ASCII text without a regex pass."""
    if text.isascii():  # \\w is [A-Za-z0-9_] and casefold is lower()
        return b" ".join(text.lower().encode("ascii").translate(_ASCII_NON_WORD).split())
    return " ".join(words(text)).encode("utf-8")


@lru_cache(maxsize=4)
def _powers(length: int) -> tuple[np.ndarray, np.ndarray]:
    """``BASE**i`` and ``BASE**-i`` mod 2**64 for i < length."""
    with np.errstate(over="ignore"):
        pw = np.cumprod(np.full(length, _BASE, dtype=_U64))
        inv = np.cumprod(np.full(length, _BASE_INV, dtype=_U64))
    pw = np.concatenate((np.ones(1, dtype=_U64), pw[:-1]))
    inv = np.concatenate((np.ones(1, dtype=_U64), inv[:-1]))
    return pw, inv


def _powers_for(length: int) -> tuple[np.ndarray, np.ndarray]:
    size = 1 << max(16, (length - 1).bit_length())  # few distinct sizes: cache hits
    return _powers(size)


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser (in place on a fresh uint64 array)."""
    z ^= z >> _U64(30)
    z *= _U64(0xBF58476D1CE4E5B9)
    z ^= z >> _U64(27)
    z *= _U64(0x94D049BB133111EB)
    z ^= z >> _U64(31)
    return z


def shingle_hashes(text: str, size: int = 5) -> np.ndarray:
    """Sorted distinct 64-bit hashes of :func:`shingles` of ``text`` (uint64)."""
    return np.unique(_shingle_hashes(text, size))


def _shingle_hashes(text: str, size: int) -> np.ndarray:
    """The 64-bit hash of each shingle of ``text``, repeats included."""
    joined = _joined_words(text)
    if not joined:
        return np.zeros(0, dtype=_U64)
    data = np.frombuffer(joined, dtype=np.uint8)
    length = len(data)
    spaces = np.flatnonzero(data == 0x20)
    starts = np.empty(len(spaces) + 1, dtype=np.int64)
    starts[0] = 0
    starts[1:] = spaces + 1
    ends = np.empty(len(spaces) + 1, dtype=np.int64)
    ends[:-1] = spaces
    ends[-1] = length
    count = len(starts)
    if count <= size:
        first, last = starts[:1], ends[-1:]
    else:
        first, last = starts[: count - size + 1], ends[size - 1 :]
    pw, inv = _powers_for(length + 1)
    with np.errstate(over="ignore"):
        prefix = np.empty(length + 1, dtype=_U64)
        prefix[0] = 0
        np.cumsum(data.astype(_U64) * pw[:length], out=prefix[1:])
        h = (prefix[last] - prefix[first]) * inv[first]
        h ^= (last - first).astype(_U64) << _U64(48)
        return _mix(h)


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int = MINHASH_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Multipliers (odd) and increments of the ``num_perm`` hash functions, as columns."""
    a = np.empty(num_perm, dtype=_U64)
    b = np.empty(num_perm, dtype=_U64)
    for i in range(num_perm):
        digest = hashlib.blake2b(f"minhash:{seed}:{i}".encode(), digest_size=16).digest()
        a[i] = int.from_bytes(digest[:8], "little") | 1
        b[i] = int.from_bytes(digest[8:], "little")
    return a[:, None], b[:, None]


def signature(hashes: np.ndarray, num_perm: int = 128) -> np.ndarray:
    """MinHash signature (uint32 array of ``num_perm``) of a set of 64-bit hashes."""
    out = np.full(num_perm, EMPTY_VALUE, dtype=SIGNATURE_DTYPE)
    if not len(hashes):
        return out
    a, b = _permutations(num_perm)
    with np.errstate(over="ignore"):
        for i in range(0, len(hashes), _BLOCK):
            block = hashes[None, i : i + _BLOCK]
            values = block * a
            values += b
            values >>= _U64(32)
            np.minimum(out, values.min(axis=1).astype(SIGNATURE_DTYPE), out=out)
    return out


def minhash(text: str, num_perm: int = 128, shingle_size: int = 5) -> list[int]:
    """MinHash signature (``num_perm`` ints) of ``text``'s word shingles."""
    return signature(_shingle_hashes(text, shingle_size), num_perm).tolist()


def _integral(f: object, lo: float, hi: float, nodes: tuple[np.ndarray, np.ndarray]) -> float:
    x, w = nodes
    mid, half = (hi + lo) / 2, (hi - lo) / 2
    return float(half * np.dot(w, f(mid + half * x)))  # type: ignore[operator]


@lru_cache(maxsize=32)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) that datasketch's ``MinHashLSH`` chooses with
    ``weights=LSH_WEIGHTS``.

    The same search (minimise the weighted false positive and false negative
    probabilities); its integrands are polynomials of degree <= ``num_perm``,
    which a Gauss-Legendre rule of ``num_perm`` nodes integrates exactly.
    """
    fp_weight, fn_weight = LSH_WEIGHTS
    nodes = np.polynomial.legendre.leggauss(max(32, num_perm))
    best, opt = float("inf"), (0, 0)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):

            def candidate(s: np.ndarray, b: int = b, r: int = r) -> np.ndarray:
                return 1 - (1 - s ** float(r)) ** float(b)

            fp = _integral(candidate, 0.0, threshold, nodes)
            fn = _integral(lambda s, c=candidate: 1 - c(s), threshold, 1.0, nodes)
            error = fp * fp_weight + fn * fn_weight
            if error < best:
                best, opt = error, (b, r)
    return opt


def to_blob(hashvalues: Sequence[int] | np.ndarray) -> bytes:
    """Compact bytes of a signature (for storage)."""
    return np.asarray(hashvalues, dtype=SIGNATURE_DTYPE).tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    """Inverse of :func:`to_blob`."""
    return np.frombuffer(blob, dtype=SIGNATURE_DTYPE)


def band_keys(hashvalues: Sequence[int] | np.ndarray, threshold: float) -> list[int]:
    """One signed 64-bit bucket key per LSH band (index ``i`` is band ``i``)."""
    sig = np.asarray(hashvalues, dtype=SIGNATURE_DTYPE)
    bands, rows = lsh_params(threshold, len(sig))
    raw = sig.tobytes()
    step = rows * sig.itemsize
    return [
        int.from_bytes(
            hashlib.blake2b(raw[i * step : (i + 1) * step], digest_size=8).digest(),
            "big",
            signed=True,
        )
        for i in range(bands)
    ]


def jaccard(a: Sequence[int] | np.ndarray, b: Sequence[int] | np.ndarray) -> float:
    """Jaccard similarity estimated from two signatures of equal length."""
    x = np.asarray(a, dtype=SIGNATURE_DTYPE)
    y = np.asarray(b, dtype=SIGNATURE_DTYPE)
    if len(x) != len(y) or len(x) == 0:
        return 0.0
    return float(np.count_nonzero(x == y)) / len(x)


def is_empty(hashvalues: Sequence[int] | np.ndarray) -> bool:
    """True for the signature of a text without words (never a near duplicate)."""
    return bool(np.all(np.asarray(hashvalues, dtype=np.uint64) == EMPTY_VALUE))
