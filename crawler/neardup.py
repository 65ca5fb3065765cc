"""Near-duplicate fingerprints: word shingles, MinHash (datasketch) and LSH band keys.

Pure functions shared by every state-store backend. A text becomes a MinHash
signature over its word shingles; the signature is cut into ``b`` bands of ``r``
values (``b`` and ``r`` chosen by datasketch for the Jaccard threshold), and each
band becomes one 64-bit bucket key. Two texts that share a bucket in any band
are candidates; a candidate is a near duplicate when the estimated Jaccard
similarity of the two signatures reaches the threshold.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from datasketch import MinHash
from datasketch.lsh import _optimal_param

from crawler.textnorm import words

#: MinHash seed; every backend and every run must use the same one.
MINHASH_SEED = 1
#: datasketch permutation scheme (32-bit values, stored as uint32).
MINHASH_SCHEME = "affine32"
SIGNATURE_DTYPE = np.uint32


def shingles(text: str, size: int = 5) -> set[bytes]:
    """The set of ``size``-word shingles of ``text`` (case-folded words), as bytes.

    A text shorter than ``size`` words is one shingle of all its words.
    """
    tokens = words(text)
    if not tokens:
        return set()
    if len(tokens) <= size:
        return {" ".join(tokens).encode("utf-8")}
    return {" ".join(tokens[i : i + size]).encode("utf-8") for i in range(len(tokens) - size + 1)}


@lru_cache(maxsize=8)
def _template(num_perm: int) -> MinHash:
    return MinHash(num_perm=num_perm, seed=MINHASH_SEED, scheme=MINHASH_SCHEME)


def minhash(text: str, num_perm: int = 128, shingle_size: int = 5) -> list[int]:
    """MinHash signature (``num_perm`` ints) of ``text``'s word shingles."""
    template = _template(num_perm)
    mh = MinHash(
        num_perm=num_perm,
        seed=MINHASH_SEED,
        scheme=MINHASH_SCHEME,
        permutations=template.permutations,
    )
    mh.update_batch(list(shingles(text, shingle_size)))
    return [int(v) for v in mh.hashvalues]


@lru_cache(maxsize=32)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) that datasketch's ``MinHashLSH`` would choose."""
    return _optimal_param(threshold, num_perm, 0.5, 0.5)


def to_blob(hashvalues: Sequence[int]) -> bytes:
    """Compact bytes of a signature (for storage)."""
    return np.asarray(hashvalues, dtype=SIGNATURE_DTYPE).tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    """Inverse of :func:`to_blob`."""
    return np.frombuffer(blob, dtype=SIGNATURE_DTYPE)


def band_keys(hashvalues: Sequence[int], threshold: float) -> list[int]:
    """One signed 64-bit bucket key per LSH band (index ``i`` is band ``i``)."""
    sig = np.asarray(hashvalues, dtype=SIGNATURE_DTYPE)
    bands, rows = lsh_params(threshold, len(sig))
    keys = []
    for i in range(bands):
        digest = hashlib.blake2b(sig[i * rows : (i + 1) * rows].tobytes(), digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


def jaccard(a: Sequence[int] | np.ndarray, b: Sequence[int] | np.ndarray) -> float:
    """Jaccard similarity estimated from two signatures of equal length."""
    x = np.asarray(a, dtype=SIGNATURE_DTYPE)
    y = np.asarray(b, dtype=SIGNATURE_DTYPE)
    if len(x) != len(y) or len(x) == 0:
        return 0.0
    return float(np.count_nonzero(x == y)) / len(x)


def is_empty(hashvalues: Sequence[int]) -> bool:
    """True for the signature of a text without words (never a near duplicate)."""
    return bool(np.all(np.asarray(hashvalues, dtype=np.uint64) == 0xFFFFFFFF))
