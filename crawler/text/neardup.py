"""Near-duplicate fingerprints: word shingles, MinHash and LSH band keys.

Pure functions shared by every state-store backend. A text becomes a MinHash
signature over its word shingles; the signature is cut into ``b`` bands of ``r``
values (``b`` and ``r`` chosen as datasketch's ``MinHashLSH`` would for the
Jaccard threshold), and each band becomes one 64-bit bucket key. Two texts that
share a bucket in any band are candidates; a candidate is a near duplicate when
the estimated Jaccard similarity of the two signatures reaches the threshold.

The MinHash is datasketch's (``datasketch.MinHash``, scheme "affine32", fixed seed),
computed here with the same permutations and arithmetic (importing datasketch costs
an extraction worker 0.4 s of start-up: it loads scipy and redis);
``tests/test_neardup.py`` checks it against datasketch. What it is fed is computed
in a few numpy passes instead of one SHA-1 per shingle in Python: each shingle's
UTF-8 bytes get a 64-bit polynomial hash from prefix sums over the text's bytes,
mixed by a splitmix64 finaliser, and its top 32 bits are the shingle's hash.
Everything is fixed-width integer arithmetic, so a signature is the same in every
process, run and machine; stored signatures stay comparable as long as this module
is unchanged.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from crawler.text.normalize import ASCII_NON_WORD, ascii_words_form, words

#: MinHash seed; every backend and every run must use the same one.
MINHASH_SEED = 1
#: Signatures are datasketch "affine32" MinHashes: 32-bit values.
SIGNATURE_DTYPE = np.uint32
#: LSH (false positive, false negative) weights. A false positive only costs one
#: signature comparison (every candidate is checked against the threshold), a
#: false negative lets a near duplicate through: with datasketch's default
#: (0.5, 0.5) a copy at Jaccard 0.85 is missed 31 % of the time, with these 0.6 %
#: (128 permutations at threshold 0.8: 16 bands of 8 rows instead of 9 of 13).
LSH_WEIGHTS = (0.05, 0.95)
#: Value of every slot of the signature of a text without words.
EMPTY_VALUE = 0xFFFFFFFF
#: Bytes per signature slot.
_SLOT_BYTES = np.dtype(SIGNATURE_DTYPE).itemsize

_U64 = np.uint64
#: Odd base of the polynomial shingle hash (mod 2**64), and its inverse.
_BASE = 0x9E3779B97F4A7C15
_BASE_INV = pow(_BASE, -1, 1 << 64)
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
    """UTF-8 of ``" ".join(words(text))``; text that is ASCII but for common
    punctuation without a regex pass (\\w is then [A-Za-z0-9_], casefold is lower())."""
    data = ascii_words_form(text)
    if data is not None:
        return b" ".join(data.lower().translate(ASCII_NON_WORD).split())
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
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutations (``MinHash._init_permutations``): odd ``a``, any ``b``."""
    gen = np.random.RandomState(MINHASH_SEED)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser: datasketch's pre-mix of every input hash."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def signature(hashes: np.ndarray, num_perm: int = 128) -> np.ndarray:
    """datasketch MinHash signature (uint32 array of ``num_perm``) of 64-bit shingle hashes:
    the minimum over the shingles of ``a * fmix32(h) + b`` (mod 2**32), per permutation.

    A repeated shingle cannot change a minimum, so repeats are not removed first
    (sorting them out cost more than the arithmetic they save); each permutation is a
    row of the ``num_perm x shingles`` block, so every minimum runs over contiguous memory.
    """
    if not len(hashes):
        return np.full(num_perm, EMPTY_VALUE, dtype=SIGNATURE_DTYPE)
    a, b = _permutation_columns(num_perm)
    hv = _fmix32((hashes >> _U64(32)).astype(np.uint32))
    out = np.full(num_perm, EMPTY_VALUE, dtype=SIGNATURE_DTYPE)
    for start in range(0, len(hv), _BLOCK):  # bounds the num_perm x shingles temporary
        block = a * hv[start : start + _BLOCK]
        block += b
        np.minimum(out, block.min(axis=1), out=out)
    return out


@lru_cache(maxsize=8)
def _permutation_columns(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_permutations` as ``num_perm x 1`` columns."""
    a, b = _permutations(num_perm)
    return a.reshape(-1, 1), b.reshape(-1, 1)


#: Version of the signature function: word form, shingle hash and permutation family.
#: Bump it with any change that makes a text's signature differ from before.
SIGNATURE_FUNCTION = "words-poly64-fmix-affine32/3"


def signature_scheme(num_perm: int = 128, shingle_size: int = 5) -> str:
    """Everything a stored signature depends on: two signatures compare only when
    their schemes are equal (a store records it; see ``crawler/runtime/state``)."""
    return f"{SIGNATURE_FUNCTION};seed={MINHASH_SEED};shingle={shingle_size};perm={num_perm}"


def minhash(text: str, num_perm: int = 128, shingle_size: int = 5) -> list[int]:
    """MinHash signature (``num_perm`` ints) of ``text``'s word shingles."""
    return signature(_shingle_hashes(text, shingle_size), num_perm).tolist()


@lru_cache(maxsize=32)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) that datasketch's ``MinHashLSH`` chooses with ``LSH_WEIGHTS``.

    datasketch's ``_optimal_param``: the (b, r) with ``b * r <= num_perm`` minimising the
    weighted false positive and false negative probabilities, integrals of
    ``1 - (1 - s**r)**b`` below and above the threshold. It integrates with scipy
    (loaded only for this: half a second of a crawl's start-up); the integrands are
    polynomials of degree ``b * r <= num_perm``, which Gauss-Legendre quadrature with
    ``num_perm // 2 + 1`` points integrates exactly (tests/test_neardup.py checks
    the choice against datasketch's).
    """
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)
    # the nodes mapped onto [0, threshold] and [threshold, 1]
    low = (nodes + 1) * threshold / 2
    high = threshold + (nodes + 1) * (1 - threshold) / 2
    fp_weight, fn_weight = LSH_WEIGHTS
    best, opt = float("inf"), (0, 0)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = threshold / 2 * float(weights @ (1 - (1 - low**r) ** b))
            fn = (1 - threshold) / 2 * float(weights @ ((1 - high**r) ** b))
            error = fp * fp_weight + fn * fn_weight
            if error < best:
                best, opt = error, (b, r)
    return opt


@lru_cache(maxsize=8)
def _packer(count: int) -> struct.Struct:
    """``count`` native-order unsigned 32-bit ints: the bytes of a uint32 array."""
    return struct.Struct(f"={count}I")


def to_blob(hashvalues: Sequence[int] | np.ndarray) -> bytes:
    """Compact bytes of a signature (for storage)."""
    if not isinstance(hashvalues, np.ndarray):
        try:  # a list of ints packs without building an array
            return _packer(len(hashvalues)).pack(*hashvalues)
        except struct.error:
            pass  # not ints in range: numpy converts or raises as it always did
    return np.asarray(hashvalues, dtype=SIGNATURE_DTYPE).tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    """Inverse of :func:`to_blob`."""
    return np.frombuffer(blob, dtype=SIGNATURE_DTYPE)


def band_keys(hashvalues: Sequence[int] | np.ndarray, threshold: float) -> list[int]:
    """One signed 64-bit bucket key per LSH band (index ``i`` is band ``i``)."""
    return list(_band_keys(to_blob(hashvalues), threshold))


@lru_cache(maxsize=256)
def _band_keys(raw: bytes, threshold: float) -> tuple[int, ...]:
    """:func:`band_keys` of a signature's bytes; cached, since a record's bands are
    asked for when it is looked up (dedupe) and again when it is marked (write)."""
    bands, rows = lsh_params(threshold, len(raw) // _SLOT_BYTES)
    step = rows * _SLOT_BYTES
    return tuple(
        int.from_bytes(
            hashlib.blake2b(raw[i * step : (i + 1) * step], digest_size=8).digest(),
            "big",
            signed=True,
        )
        for i in range(bands)
    )


def jaccard(a: Sequence[int] | np.ndarray, b: Sequence[int] | np.ndarray) -> float:
    """Jaccard similarity estimated from two signatures of equal length."""
    x = np.asarray(a, dtype=SIGNATURE_DTYPE)
    y = np.asarray(b, dtype=SIGNATURE_DTYPE)
    if len(x) != len(y) or len(x) == 0:
        return 0.0
    return float(np.count_nonzero(x == y)) / len(x)


def is_empty(hashvalues: Sequence[int] | np.ndarray) -> bool:
    """True for the signature of a text without words (never a near duplicate)."""
    if isinstance(hashvalues, list):  # stops at the first slot that is not empty
        return all(v == EMPTY_VALUE for v in hashvalues)
    return bool(np.all(np.asarray(hashvalues, dtype=np.uint64) == EMPTY_VALUE))


class RecentSignatures:
    """The text hashes and signatures of the last ``size`` records let through, for
    duplicate checks of records that are in flight (claimed, not yet marked in the
    store: a record the boilerplate pipeline holds until its site is learned).

    Near copies are found as the store finds them: records sharing an LSH band with
    the asking signature are candidates, kept when their estimated Jaccard reaches
    the threshold. The oldest record is overwritten first."""

    def __init__(self, size: int, num_perm: int, threshold: float) -> None:
        self.size = max(1, size)
        self.num_perm = num_perm
        self.threshold = threshold
        self._sigs = np.full((self.size, num_perm), EMPTY_VALUE, dtype=SIGNATURE_DTYPE)
        self._ids: list[str | None] = [None] * self.size
        self._hashes: list[str | None] = [None] * self.size
        self._keys: list[tuple[int, ...]] = [()] * self.size
        self._buckets: dict[tuple[int, int], set[int]] = {}
        self._by_hash: dict[str, str] = {}
        self._next = 0

    def _bands(self, hashvalues: Sequence[int]) -> tuple[int, ...] | None:
        if len(hashvalues) != self.num_perm or is_empty(hashvalues):
            return None
        return tuple(band_keys(hashvalues, self.threshold))

    def add(self, record_id: str, content_hash: str, hashvalues: Sequence[int]) -> None:
        slot = self._next
        self._next = (slot + 1) % self.size
        old = self._hashes[slot]
        if old is not None and self._by_hash.get(old) == self._ids[slot]:
            del self._by_hash[old]
        for band, key in enumerate(self._keys[slot]):
            bucket = self._buckets.get((band, key))
            if bucket is not None:
                bucket.discard(slot)
                if not bucket:
                    del self._buckets[(band, key)]
        self._by_hash.setdefault(content_hash, record_id)
        self._ids[slot] = record_id
        self._hashes[slot] = content_hash
        keys = self._bands(hashvalues)
        self._keys[slot] = keys or ()
        if keys is None:
            return
        self._sigs[slot] = np.asarray(hashvalues, dtype=SIGNATURE_DTYPE)
        for band, key in enumerate(keys):
            self._buckets.setdefault((band, key), set()).add(slot)

    def same_text(self, record_id: str, content_hash: str) -> str | None:
        """The id of a recent record (other than ``record_id``) with this text hash."""
        owner = self._by_hash.get(content_hash)
        return owner if owner != record_id else None

    def similar(self, record_id: str, hashvalues: Sequence[int]) -> list[str]:
        """Ids other than ``record_id`` whose estimated Jaccard reaches the threshold,
        oldest first."""
        keys = self._bands(hashvalues)
        if keys is None:
            return []
        slots: set[int] = set()
        for band, key in enumerate(keys):
            slots |= self._buckets.get((band, key), set())
        if not slots:
            return []
        wanted = np.asarray(hashvalues, dtype=SIGNATURE_DTYPE)
        found = [
            self._ids[slot]
            for slot in sorted(slots, key=lambda i: (i - self._next) % self.size)
            if self._ids[slot] != record_id and jaccard(self._sigs[slot], wanted) >= self.threshold
        ]
        return [rid for rid in dict.fromkeys(found) if rid is not None]
