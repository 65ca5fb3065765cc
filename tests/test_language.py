# ruff: noqa: RUF001  (multilingual news snippets are the point of these tests)
"""Language identification: real snippets, determinism, and the LANGUAGES filter."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from typing import Any

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.items import ArticleRecord
from crawler.text.language import detect_language, detection_sample
from pipelines.language import LanguagePipeline, hint_language
from tests.conftest import ROOT

SNIPPETS = {
    "en": (
        "Ferry operators cancelled most crossings on Thursday as a storm pushed waves over "
        "the harbour wall. Officials said the service should resume once the wind eases, "
        "but warned that the backlog of freight would take several days to clear."
    ),
    "ru": (
        "В четверг паромные компании отменили большинство рейсов: шторм гнал волны через "
        "портовую стену. Власти заявили, что движение возобновится, когда ветер ослабнет, "
        "но предупредили, что накопившиеся грузы будут вывозить несколько дней."
    ),
    "de": (
        "Die Fährgesellschaften haben am Donnerstag die meisten Überfahrten gestrichen, weil "
        "ein Sturm die Wellen über die Hafenmauer trieb. Die Behörden erklärten, der Betrieb "
        "werde wieder aufgenommen, sobald der Wind nachlässt."
    ),
    "fr": (
        "Les compagnies de ferry ont annulé jeudi la plupart des traversées, une tempête "
        "poussant les vagues par-dessus la digue du port. Les autorités ont indiqué que le "
        "service reprendrait dès que le vent faiblirait."
    ),
    "es": (
        "Las navieras cancelaron el jueves la mayoría de los trayectos porque un temporal "
        "empujaba las olas por encima del muro del puerto. Las autoridades dijeron que el "
        "servicio se reanudará cuando amaine el viento."
    ),
    "ja": (
        "木曜日、嵐で波が港の防波堤を越えたため、フェリー会社はほとんどの便を欠航とした。"
        "当局は風が弱まり次第運航を再開するとしているが、滞った貨物の輸送には数日かかる見通しだ。"
    ),
}

#: Short and mixed: the kind of text where an unseeded langdetect flips between answers.
AMBIGUOUS = "Bank Hotel Radio Taxi Restaurant Information Auto Service Kredit Internet Zentrum"


@pytest.mark.parametrize(("code", "text"), sorted(SNIPPETS.items()))
def test_detects_language_of_real_snippets(code: str, text: str) -> None:
    language, confidence = detect_language(text)
    assert language == code
    assert confidence is not None and 0.8 <= confidence <= 1.0


@pytest.mark.parametrize("text", ["", "   ", "OK", "12 345 678 - 2024-05-01", "Read more »"])
def test_too_short_or_featureless_text_is_undetected(text: str) -> None:
    assert detect_language(text) == (None, None)


def test_chinese_variants_map_to_iso_639_1() -> None:
    text = (
        "北京市政府周二宣布了新的交通计划，地铁将延长到机场。这项计划预计将在三年内完成，"
        "总投资超过一百亿元。市民对此表示欢迎，但也有人担心施工会影响日常出行。"
    )
    assert detect_language(text)[0] == "zh"


def test_same_text_gets_same_answer_across_calls() -> None:
    answers = {detect_language(AMBIGUOUS, seed=0) for _ in range(20)}
    # interleave other texts: a detector's random state must not leak between calls
    for text in SNIPPETS.values():
        detect_language(text)
    answers.add(detect_language(AMBIGUOUS, seed=0))
    assert len(answers) == 1


def test_same_text_gets_same_answer_across_processes() -> None:
    code = (
        "import json, sys; from crawler.text.language import detect_language; "
        "print(json.dumps(detect_language(sys.argv[1])))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code, AMBIGUOUS],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for _ in range(3)
    }
    assert len(outputs) == 1
    assert tuple(json.loads(outputs.pop())) == detect_language(AMBIGUOUS)


def test_sample_is_bounded_and_starts_with_title() -> None:
    text = "\n\n".join(["word " * 200] * 10)
    sample = detection_sample(text, title="Headline here", max_chars=500)
    assert sample.startswith("Headline here\n\n")
    assert len(sample) <= 500


def test_hint_language_normalises_sitemap_codes() -> None:
    assert hint_language({"hints": {"language": "de-AT"}}) == "de"
    assert hint_language({"hints": {"language": "zh_TW"}}) == "zh"
    assert hint_language({"hints": {"language": "german"}}) is None
    assert hint_language({}) is None


def _record(text: str, title: str = "", **meta: object) -> ArticleRecord:
    return ArticleRecord(
        id="0" * 32,
        url="http://127.0.0.1/a",
        canonical_url="http://127.0.0.1/a",
        title=title or None,
        text=text,
        language=None,
        language_confidence=None,
        published=None,
        modified=None,
        authors=[],
        image=None,
        site="127.0.0.1",
        description=None,
        tags=[],
        paywalled=False,
        fetched_at="2024-01-01T00:00:00Z",
        word_count=len(text.split()),
        content_hash="0" * 32,
        crawl_meta=dict(meta),
    )


def _pipeline(**settings: object) -> tuple[LanguagePipeline, Crawler]:
    crawler = get_crawler(settings_dict=settings)
    return LanguagePipeline.from_crawler(crawler), crawler


def test_pipeline_fills_language_and_confidence() -> None:
    pipeline, _ = _pipeline()
    record = pipeline.process_item(_record(SNIPPETS["de"]))
    assert record.language == "de"
    assert record.language_confidence is not None and record.language_confidence > 0.8


def test_pipeline_languages_setting_drops_other_languages_with_stat() -> None:
    pipeline, crawler = _pipeline(LANGUAGES=["en", "de"])
    assert pipeline.process_item(_record(SNIPPETS["en"])).language == "en"
    with pytest.raises(DropItem):
        pipeline.process_item(_record(SNIPPETS["ru"]))
    with pytest.raises(DropItem):
        pipeline.process_item(_record(SNIPPETS["fr"]))
    assert crawler.stats.get_value("drop/language") == 2


def test_pipeline_uses_sitemap_hint_only_when_text_is_too_short() -> None:
    pipeline, crawler = _pipeline()
    short = pipeline.process_item(_record("Kurz.", hints={"language": "de"}))
    assert (short.language, short.language_confidence) == ("de", None)
    assert crawler.stats.get_value("language/from_hint") == 1
    # a wrong hint never overrides what the text says
    long = pipeline.process_item(_record(SNIPPETS["ru"], hints={"language": "en"}))
    assert long.language == "ru"


@functools.cache
def _langdetect_factory() -> Any:
    """langdetect's own factory, profiles as it loads them (ours keeps them as a matrix)."""
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    return factory


def test_fast_detection_block_is_bit_identical_to_langdetect() -> None:
    """crawler.text.language's numpy detection loop gives langdetect's own probabilities."""
    from crawler.text.language import _detect_block, _get_factory

    factory = _get_factory()
    reference = _langdetect_factory()
    texts = [*SNIPPETS.values(), "Ölpreis steigt: OPEC kürzt Förderung", "NASA AND ESA AGREE"]
    for seed in (0, 3):
        for text in texts:
            factory.set_seed(seed)
            reference.set_seed(seed)
            theirs, ours = reference.create(), factory.create()
            theirs.append(text)
            ours.append(text)
            theirs._detect_block()
            _detect_block(ours)
            assert ours.langprob == theirs.langprob


def test_ngram_extraction_equals_langdetect_on_varied_text() -> None:
    """The per-word n-gram extraction yields langdetect's own n-grams, in its order."""
    import random

    from crawler.text.language import _extract_ngrams, _get_factory

    ours = _get_factory().word_lang_prob_map
    factory = _langdetect_factory()
    rnd = random.Random(7)
    alphabet = "aAbB zZ ÉéßİıŞşțș\n\t.,-'日本語中文한국어ひらがなカタカナАБВабвΑΒγ١٢\u200b\u00a0XY"
    texts = [*SNIPPETS.values(), "", " ", "A", "AB c", "HELLO World ", "x  y\n\nZ"]
    texts += ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 80))) for _ in range(400)]
    for text in texts:
        detector = factory.create()
        detector.text = text
        assert _extract_ngrams(text, ours) == detector._extract_ngrams()


def test_profiles_load_as_langdetect_loads_them() -> None:
    """The direct profile loader gives langdetect's languages, n-grams (in order) and
    probabilities, bit for bit."""
    import numpy as np
    from langdetect.detector_factory import PROFILES_DIRECTORY

    from crawler.text.language import _get_factory, _load_profiles

    reference = _langdetect_factory()
    table = reference.word_lang_prob_map
    langlist, rows, matrix = _load_profiles(PROFILES_DIRECTORY)
    assert langlist == reference.langlist
    assert list(rows) == list(table) and list(rows.values()) == list(range(len(table)))
    expected = np.array(list(table.values()), dtype=np.float64)
    assert matrix.shape == expected.shape
    assert matrix.tobytes() == expected.tobytes()
    assert _get_factory().langlist == reference.langlist
