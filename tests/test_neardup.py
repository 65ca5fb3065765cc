"""Near-duplicate fingerprints (crawler/neardup.py) on realistic news text pairs."""

from __future__ import annotations

import pytest
from datasketch import MinHash, MinHashLSH

from crawler import neardup
from tests.articles import article_text

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


def test_signature_matches_datasketch_minhash_and_is_stable() -> None:
    sig = neardup.minhash(WIRE, num_perm=64)
    reference = MinHash(num_perm=64, seed=neardup.MINHASH_SEED, scheme=neardup.MINHASH_SCHEME)
    reference.update_batch(list(neardup.shingles(WIRE, 5)))
    assert sig == [int(v) for v in reference.hashvalues]
    assert neardup.minhash(WIRE, num_perm=64) == sig
    assert list(neardup.from_blob(neardup.to_blob(sig))) == sig


def test_lsh_parameters_are_datasketch_choice() -> None:
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    assert neardup.lsh_params(0.8, 128) == (lsh.b, lsh.r)


def test_copies_share_a_band_and_strangers_do_not() -> None:
    bands = [set(enumerate(neardup.band_keys(neardup.minhash(t), 0.8))) for t in (WIRE, SYNDICATED)]
    assert bands[0] & bands[1]
    other = set(enumerate(neardup.band_keys(neardup.minhash(INDEPENDENT), 0.8)))
    assert not bands[0] & other


def test_text_without_words_has_an_empty_signature() -> None:
    assert neardup.is_empty(neardup.minhash("  ... !!! "))
    assert not neardup.is_empty(neardup.minhash(WIRE))
