"""Near-duplicate fingerprints (crawler/text/neardup.py) on realistic news text pairs."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from datasketch import MinHashLSH

from crawler.text import neardup, normalize
from tests.articles import article_text
from tests.corpus import corpus_texts, edge_lines

ROOT = Path(__file__).resolve().parent.parent

WIRE = """\
GENEVA (Wire) - Negotiators from 41 countries agreed early on Saturday on a draft treaty \
to limit plastic waste in rivers, after talks that ran nearly 20 hours past their deadline.

The text commits signatories to cut the amount of plastic reaching rivers by half within \
ten years, and to report their progress every two years to a panel of independent experts.

"This is not everything we wanted, but it is far more than we had on Friday night," said \
Amara Quist, who chaired the final session. Several delegations had threatened to walk out \
over the reporting rules.

Environmental groups gave the draft a cautious welcome. A coalition of 60 organisations said \
the targets were achievable but warned that the treaty lacked money for poorer countries to \
build waste collection and recycling plants.

Industry representatives said they would study the details. Packaging makers had lobbied for \
voluntary targets and for longer deadlines for small firms.

The draft now goes to national governments, which have until the end of next year to sign it. \
It enters into force once 30 countries have ratified it, a process that diplomats expect to \
take at least two years.

Talks on a separate agreement covering plastic in the oceans are due to resume in Nairobi in \
the spring, where negotiators hope to build on the river treaty's reporting model."""

# The same wire story re-published: another dateline, one sentence rewritten, a
# paragraph of the publisher's own chrome around it.
SYNDICATED = """\
Advertisement

GENEVA, June 14 (Harbour Gazette) - Negotiators from 41 countries agreed early on Saturday on \
a draft treaty to limit plastic waste in rivers, after talks that ran nearly 20 hours past their \
deadline.

The text commits signatories to cut the amount of plastic reaching rivers by half within \
ten years, and to report their progress every two years to a panel of independent experts.

"This is not everything we wanted, but it is far more than we had on Friday night," said \
Amara Quist, who chaired the final session. Several delegations had threatened to walk out \
over the reporting rules.

Environmental groups gave the draft a cautious welcome. A coalition of 60 organisations said \
the targets were achievable but warned that the treaty lacked money for poorer countries to \
build waste collection and recycling plants.

Industry representatives said on Saturday they needed time to read the text in full. Packaging \
makers had lobbied for voluntary targets and for longer deadlines for small firms.

The draft now goes to national governments, which have until the end of next year to sign it. \
It enters into force once 30 countries have ratified it, a process that diplomats expect to \
take at least two years.

Talks on a separate agreement covering plastic in the oceans are due to resume in Nairobi in \
the spring, where negotiators hope to build on the river treaty's reporting model.

Sign up for our morning briefing."""

# Another outlet's own report on the same event: same facts, names, numbers and
# even the same quote, in its own words.
INDEPENDENT = """\
After a marathon final session in Geneva that overran by almost a day, delegates from 41 \
nations signed off on Saturday on a draft deal aimed at halving the plastic that ends up in \
rivers over the next decade.

Under the draft, each country would report every two years to an expert panel on how much \
plastic it keeps out of its waterways. Those reporting rules nearly sank the talks: several \
delegations threatened to leave on Friday.

Amara Quist, the chair, told reporters the outcome was "far more than we had on Friday night", \
while conceding it fell short of what many had hoped for.

Sixty environmental organisations, speaking jointly, called the goals realistic. They said, \
however, that poorer states would struggle to pay for collection and recycling without new \
funding, which the draft does not provide.

Packaging manufacturers, who had pushed for voluntary goals, said they were reviewing the text.

Governments have until the end of next year to sign. The treaty takes effect after 30 \
ratifications, which diplomats think will take two years or more. Separate talks on ocean \
plastic resume in Nairobi in spring."""


def sim(a: str, b: str) -> float:
    return neardup.jaccard(neardup.minhash(a), neardup.minhash(b))


def test_syndicated_wire_copy_is_a_near_duplicate() -> None:
    assert sim(WIRE, SYNDICATED) >= 0.8


def test_independent_report_on_the_same_event_is_not_a_near_duplicate() -> None:
    assert sim(WIRE, INDEPENDENT) < 0.3
    assert sim(SYNDICATED, INDEPENDENT) < 0.3


def test_generated_fixture_articles_are_far_apart() -> None:
    texts = ["\n\n".join(article_text(seed)[1]) for seed in range(30)]
    sigs = [neardup.minhash(t) for t in texts]
    worst = max(
        neardup.jaccard(sigs[i], sigs[j]) for i in range(len(sigs)) for j in range(i + 1, len(sigs))
    )
    assert worst < 0.5


@pytest.mark.parametrize(
    ("text", "size", "expected"),
    [
        (
            "One two three four five six",
            5,
            {b"one two three four five", b"two three four five six"},
        ),
        ("Short text", 5, {b"short text"}),
        ("Ça VA, ça va!", 2, {b"\xc3\xa7a va", b"va \xc3\xa7a"}),
        ("", 5, set()),
    ],
)
def test_shingles_are_case_folded_word_windows(text: str, size: int, expected: set[bytes]) -> None:
    assert neardup.shingles(text, size) == expected


#: First values of minhash(WIRE): signatures are stored, so the scheme must not drift.
WIRE_SIGNATURE_HEAD = [14375105, 12737525, 23603007, 7118011, 14662990, 26664028]


def test_signature_is_pinned_and_the_same_in_another_process() -> None:
    sig = neardup.minhash(WIRE)
    assert sig[:6] == WIRE_SIGNATURE_HEAD
    assert neardup.minhash(WIRE) == sig
    assert list(neardup.from_blob(neardup.to_blob(sig))) == sig
    code = "from crawler.text import neardup; from tests.test_neardup import WIRE; "
    code += "print(neardup.minhash(WIRE))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": "123"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(out) == sig


def test_shingle_hashes_count_exactly_the_distinct_shingles() -> None:
    texts = [WIRE, SYNDICATED, "Short text", "Ça VA, ça va! Ça va bien, ça va.", ""]
    texts += ["\n\n".join(article_text(seed)[1]) for seed in range(5)]
    for text in texts:
        assert len(neardup.shingle_hashes(text)) == len(neardup.shingles(text))


@pytest.mark.parametrize("overlap", [0.2, 0.5, 0.8, 0.95])
def test_signature_estimates_the_jaccard_similarity_of_the_shingles(overlap: float) -> None:
    base = [f"w{i}" for i in range(2000)]
    keep = int(len(base) * overlap)
    other = base[:keep] + [f"x{i}" for i in range(len(base) - keep)]
    a, b = " ".join(base), " ".join(other)
    sa, sb = neardup.shingles(a), neardup.shingles(b)
    exact = len(sa & sb) / len(sa | sb)
    assert abs(neardup.jaccard(neardup.minhash(a), neardup.minhash(b)) - exact) < 0.12


@pytest.mark.parametrize("num_perm", [16, 64, 128, 256])
def test_lsh_parameters_are_datasketch_choice(num_perm: int) -> None:
    """Our quadrature picks the (bands, rows) datasketch's scipy integration picks."""
    for threshold in [x / 100 for x in range(5, 100, 5)]:
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=neardup.LSH_WEIGHTS)
        assert neardup.lsh_params(threshold, num_perm) == (lsh.b, lsh.r), threshold


def test_lsh_finds_copies_just_above_the_threshold() -> None:
    bands, rows = neardup.lsh_params(0.8, 128)
    assert 1 - (1 - 0.85**rows) ** bands > 0.99  # P(candidate) of a pair at Jaccard 0.85


def test_copies_share_a_band_and_strangers_do_not() -> None:
    bands = [set(enumerate(neardup.band_keys(neardup.minhash(t), 0.8))) for t in (WIRE, SYNDICATED)]
    assert bands[0] & bands[1]
    other = set(enumerate(neardup.band_keys(neardup.minhash(INDEPENDENT), 0.8)))
    assert not bands[0] & other


def test_text_without_words_has_an_empty_signature() -> None:
    assert neardup.is_empty(neardup.minhash("  ... !!! "))
    assert not neardup.is_empty(neardup.minhash(WIRE))


def test_signature_is_datasketchs_minhash_of_the_shingle_hashes() -> None:
    """The MinHash itself is datasketch's: same permutations, same values."""
    from datasketch import MinHash

    hashes = neardup.shingle_hashes(WIRE)
    reference = MinHash(num_perm=128, seed=neardup.MINHASH_SEED, scheme="affine32", hashfunc=int)
    reference.update_batch([int(h) >> 32 for h in hashes])
    assert neardup.minhash(WIRE) == [int(v) for v in reference.hashvalues]


def test_signature_equals_datasketch_on_many_texts() -> None:
    """Random texts of every size, including more shingles than one block holds."""
    import random

    from datasketch import MinHash

    rnd = random.Random(5)
    vocab = [f"w{i}" for i in range(400)] + ["Öl", "数据", "d'un"]
    for n_words in (0, 1, 4, 5, 6, 50, 999, 5000):
        text = " ".join(rnd.choice(vocab) for _ in range(n_words))
        for num_perm in (16, 128):
            hashes = neardup.shingle_hashes(text)
            reference = MinHash(num_perm=num_perm, seed=1, scheme="affine32", hashfunc=int)
            reference.update_batch([int(h) >> 32 for h in hashes])
            expected = [int(v) for v in reference.hashvalues]
            assert neardup.minhash(text, num_perm) == expected


# -- fast paths, checked against the code they replaced ------------------------
def _reference_signature(hashes: np.ndarray, num_perm: int) -> np.ndarray:
    """The signature computed as first written: distinct hashes, shingles x permutations."""
    if not len(hashes):
        return np.full(num_perm, neardup.EMPTY_VALUE, dtype=np.uint32)
    a, b = neardup._permutations(num_perm)
    hv = neardup._fmix32((np.unique(hashes) >> np.uint64(32)).astype(np.uint32))
    out = np.full(num_perm, neardup.EMPTY_VALUE, dtype=np.uint32)
    for start in range(0, len(hv), 2048):
        block = hv[start : start + 2048].reshape(-1, 1)
        np.minimum(out, (block * a + b).min(axis=0), out=out)
    return out


def _reference_band_keys(hashvalues: Any, threshold: float) -> list[int]:
    sig = np.asarray(hashvalues, dtype=np.uint32)
    bands, rows = neardup.lsh_params(threshold, len(sig))
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


def _reference_joined_words(text: str) -> bytes:
    return " ".join(normalize.words(text)).encode("utf-8")


def test_words_fed_to_the_minhash_are_the_regex_words_on_every_corpus_text() -> None:
    texts = [*corpus_texts(), *edge_lines()]
    for text in texts:
        assert neardup._joined_words(text) == _reference_joined_words(text), repr(text[:80])
    fast = sum(normalize.ascii_words_form(t) is not None for t in corpus_texts())
    assert fast > len(corpus_texts()) // 2  # the byte path is the common one


@pytest.mark.parametrize("num_perm", [16, 128, 256])
def test_signature_is_the_reference_signature_on_every_corpus_text(num_perm: int) -> None:
    texts = [*corpus_texts(), " ".join(corpus_texts()[:40]), "", "one", "a b c d e f"]
    for text in texts:
        hashes = neardup._shingle_hashes(text, 5)
        expected = _reference_signature(hashes, num_perm)
        assert np.array_equal(neardup.signature(hashes, num_perm), expected)
        assert neardup.minhash(text, num_perm) == expected.tolist()
    assert len(neardup._shingle_hashes(texts[-4], 5)) > 2048  # more than one block


def test_band_keys_blobs_and_emptiness_are_the_numpy_reference() -> None:
    rng = np.random.default_rng(4)
    sigs: list[Any] = [neardup.minhash(t) for t in corpus_texts()[:50]]
    sigs += [rng.integers(0, 2**32, n, dtype=np.uint64).tolist() for n in (1, 16, 64, 128, 256)]
    sigs += [[neardup.EMPTY_VALUE] * 128, [neardup.EMPTY_VALUE] * 127 + [0], [], [0] * 128]
    for sig in sigs:
        for value in (sig, tuple(sig), np.asarray(sig, dtype=np.uint32)):
            for threshold in (0.5, 0.8, 0.9):
                keys = neardup.band_keys(value, threshold)
                assert keys == _reference_band_keys(sig, threshold)
                keys.append(0)  # a caller's list is its own: the cache is not touched
                assert neardup.band_keys(value, threshold) == _reference_band_keys(sig, threshold)
            assert neardup.to_blob(value) == np.asarray(sig, dtype=np.uint32).tobytes()
            expected_empty = bool(np.all(np.asarray(sig, dtype=np.uint64) == neardup.EMPTY_VALUE))
            assert neardup.is_empty(value) == expected_empty
    for bad in ([-1], [2**32], [1.5]):  # not uint32 values: numpy's conversion decides
        try:
            expected = np.asarray(bad, dtype=np.uint32).tobytes()
        except OverflowError:
            with pytest.raises(OverflowError):
                neardup.to_blob(bad)
        else:
            assert neardup.to_blob(bad) == expected


def test_recent_signatures_find_in_flight_copies_and_forget_the_oldest() -> None:
    from crawler.text.neardup import RecentSignatures, minhash

    recent = RecentSignatures(size=2, num_perm=128, threshold=0.8)
    recent.add("wire", "h-wire", minhash(WIRE))
    assert recent.similar("copy", minhash(SYNDICATED)) == ["wire"]
    assert recent.similar("wire", minhash(SYNDICATED)) == []  # not its own copy
    assert recent.similar("own", minhash(INDEPENDENT)) == []
    assert recent.same_text("other", "h-wire") == "wire"
    assert recent.same_text("wire", "h-wire") is None
    recent.add("own", "h-own", minhash(INDEPENDENT))
    recent.add("third", "h-third", minhash("a different text " * 20))  # overwrites "wire"
    assert recent.similar("copy", minhash(SYNDICATED)) == []
    assert recent.same_text("other", "h-wire") is None
    assert recent.same_text("other", "h-own") == "own"
