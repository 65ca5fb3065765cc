"""decode_html: declared charsets are checked, BOMs win, mojibake never comes out."""

from __future__ import annotations

import codecs

import pytest

from crawler.text.charset import decode_html, looks_clean

# ruff: noqa: RUF001

RUSSIAN = (
    "Правительство Москвы в понедельник утвердило новый план ремонта мостов. "
    "По словам мэра, работы начнутся весной и продлятся до конца следующего года. "
    "Жители северных районов давно жаловались на пробки и состояние дорог, "
    "а депутаты городской думы потребовали опубликовать смету расходов."
)
JAPANESE = (
    "東京都は月曜日、新しい防災計画を発表した。計画には、地震や洪水に備えた避難所の"
    "増設が含まれている。知事は記者会見で「住民の安全を最優先に考えた」と述べた。"
    "専門家の一部は、予算の規模が十分ではないと指摘している。"
)
GERMAN = (
    "Die Stadtverwaltung hat am Montag beschlossen, die Brücke über die Elbe für "
    "größere Lastwagen zu sperren. Anwohner begrüßten die Entscheidung, Händler äußerten Kritik."
)


def page(text: str, meta: str | None = None) -> str:
    head = f'<meta charset="{meta}">' if meta else ""
    return (
        f"<!DOCTYPE html><html><head>{head}<title>Новости</title></head>"
        f"<body><article><h1>Заголовок</h1><p>{text}</p><p>{text}</p></article></body></html>"
        if "Правительство" in text
        else f"<!DOCTYPE html><html><head>{head}<title>News</title></head>"
        f"<body><article><h1>Headline</h1><p>{text}</p><p>{text}</p></article></body></html>"
    )


CASES = [
    # (name, text, real encoding, header content type, meta charset)
    ("cp1251 declared utf-8 in header", RUSSIAN, "cp1251", "text/html; charset=utf-8", None),
    ("cp1251 declared utf-8 in meta", RUSSIAN, "cp1251", "text/html", "utf-8"),
    ("cp1251 undeclared", RUSSIAN, "cp1251", "text/html", None),
    ("cp1251 declared correctly", RUSSIAN, "cp1251", "text/html; charset=windows-1251", None),
    ("cp1251 declared koi8-r", RUSSIAN, "cp1251", "text/html; charset=koi8-r", None),
    ("cp1251 declared latin-1", RUSSIAN, "cp1251", "text/html; charset=iso-8859-1", None),
    ("shift_jis declared utf-8", JAPANESE, "shift_jis", "text/html; charset=utf-8", None),
    ("shift_jis undeclared", JAPANESE, "shift_jis", None, None),
    ("shift_jis declared correctly in meta", JAPANESE, "shift_jis", "text/html", "Shift_JIS"),
    ("euc-jp undeclared", JAPANESE, "euc_jp", "text/html", None),
    ("utf-8 declared cp1251 in header", RUSSIAN, "utf-8", "text/html; charset=windows-1251", None),
    (
        "header utf-8, meta cp1251, body cp1251",
        RUSSIAN,
        "cp1251",
        "text/html; charset=utf-8",
        "windows-1251",
    ),
    (
        "header cp1251, meta utf-8, body utf-8",
        RUSSIAN,
        "utf-8",
        "text/html; charset=cp1251",
        "utf-8",
    ),
    ("utf-8 japanese declared shift_jis", JAPANESE, "utf-8", "text/html; charset=shift_jis", None),
    ("latin-1 german declared utf-8", GERMAN, "cp1252", "text/html; charset=utf-8", None),
    ("latin-1 german declared correctly", GERMAN, "cp1252", "text/html; charset=iso-8859-1", None),
]


@pytest.mark.parametrize(
    ("name", "text", "encoding", "ctype", "meta"), CASES, ids=[c[0] for c in CASES]
)
def test_wrong_or_missing_charset_decodes_right(
    name: str, text: str, encoding: str, ctype: str | None, meta: str | None
) -> None:
    body = page(text, meta).encode(encoding)
    decoded = decode_html(body, ctype)
    assert decoded is not None, name
    assert text in decoded, name


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
)
def test_bom_wins_over_declarations(bom: bytes, encoding: str) -> None:
    body = bom + page(RUSSIAN, "windows-1251").encode(encoding)
    decoded = decode_html(body, "text/html; charset=iso-8859-1")
    assert decoded is not None
    assert RUSSIAN in decoded
    assert not decoded.startswith("\ufeff")


def test_western_page_declared_utf8_reads_as_cp1252_not_cp1250() -> None:
    text = "“We didn’t expect this,” said Zoë Lefèvre at the café’s façade on Rue Honoré."
    body = page(text * 3, "utf-8").encode("cp1252")
    decoded = decode_html(body, "text/html; charset=utf-8")
    assert decoded is not None and text in decoded


def test_polish_cp1250_page_is_not_forced_to_cp1252() -> None:
    text = "Wczoraj w Gdańsku rada miasta przyjęła budżet, a mieszkańcy żądali ścieżek rowerowych."
    decoded = decode_html(page(text * 3).encode("cp1250"), "text/html")
    assert decoded is not None and text in decoded


def test_ascii_page_with_any_declaration() -> None:
    body = b"<html><head><meta charset='koi8-r'></head><body><p>Plain words.</p></body></html>"
    assert decode_html(body, "text/html; charset=shift_jis") == body.decode()


def test_mixed_encodings_in_one_body_are_undecodable() -> None:
    """Half UTF-8, half cp1251: no single charset reads it; skip rather than mojibake."""
    body = (
        b"<html><body><p>"
        + (RUSSIAN * 3).encode("utf-8")
        + b"</p><p>"
        + (RUSSIAN * 3).encode("cp1251")
        + b"</p></body></html>"
    )
    decoded = decode_html(body, "text/html; charset=utf-8")
    assert decoded is None or (looks_clean(decoded) and RUSSIAN in decoded)


def test_random_bytes_are_undecodable() -> None:
    import random

    rng = random.Random(7)
    body = b"<html><body>" + bytes(rng.randrange(128, 256) for _ in range(4000)) + b"</body></html>"
    assert decode_html(body, "text/html; charset=utf-8") is None


def test_empty_body_is_undecodable() -> None:
    assert decode_html(b"", "text/html") is None


@pytest.mark.parametrize(
    ("text", "wrong"),
    [(RUSSIAN, "cp1252"), (RUSSIAN, "koi8_r"), (JAPANESE, "cp1251")],
)
def test_mojibake_is_recognised(text: str, wrong: str) -> None:
    raw = text.encode("cp1251" if text is RUSSIAN else "shift_jis")
    assert not looks_clean(raw.decode(wrong, errors="replace"))
    assert looks_clean(text)


JAPANESE_BLOG = (
    "サイトマップ プライバシーポリシー 免責事項 お問い合わせ "
    "ソフトウェア一般 Home › ソフトウェア › "
    "ソフトウェア一般 › Kindle for PCをCtrl＋Alt＋Kのショートカットキーで立ち上がらなくする方法 "
    "2018-08-16 Kindle for PCをCtrl＋Alt＋Kのショートカットキーで立ち上がらなくする方法 "
    "Kindle書籍を読む場合は、一般的にスマホやタブレットなどのモバイル端末で読むことが多いと思いますが、"
    "何か書籍で調べながら作業をする場合など、パソコンでそのまま読みたい時もあります。"
    "そんな用途を考慮してか、Kindleや楽天koboにはデスクトップアプリが用意されています。"
)


def test_valid_utf8_japanese_with_fullwidth_symbols_is_not_mistaken_for_mojibake() -> None:
    """A real page's mix of kana, kanji, Latin and full-width signs is valid UTF-8: keep it."""
    body = f"<html><head><meta charset='utf-8'></head><body><p>{JAPANESE_BLOG}</p></body></html>"
    for content_type in ("text/html; charset=utf-8", None):
        decoded = decode_html(body.encode("utf-8"), content_type)
        assert decoded is not None and JAPANESE_BLOG in decoded


def test_double_encoded_utf8_is_recognised_as_mojibake() -> None:
    text = "Café au lait — naïve résumé, déjà vu."
    garbled = text.encode("utf-8").decode("cp1252")
    assert not looks_clean(f"<html><body><p>{garbled}</p></body></html>", valid_utf8=True)


@pytest.mark.parametrize(
    "text",
    [
        "Café au lait — naïve résumé, déjà vu.",
        # German: charset-normalizer reads these bytes as EUC-KR with little "mess"
        "Händler äußerten Kritik an der Entscheidung über die Gebühren für Straßenbahnen. " * 4,
        "Größere Städte müssen künftig mehr für Lärmschutz ausgeben, heißt es. “Zitat” " * 5,
    ],
)
def test_double_encoded_utf8_is_repaired(text: str) -> None:
    """UTF-8 decoded as cp1252 and encoded again comes back as the original text, also
    when the decoder mapped cp1252's undefined bytes to C1 controls (as browsers do)."""
    page = f"<html><head><title>t</title></head><body><p>{text}</p></body></html>"
    garbled = "".join(
        chr(b) if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes([b]).decode("cp1252")
        for b in page.encode("utf-8")
    )
    for content_type in ("text/html; charset=utf-8", "text/html", None):
        assert decode_html(garbled.encode("utf-8"), content_type) == page


def test_double_encoded_utf8_that_lost_bytes_is_undecodable() -> None:
    """Once the bad decoding replaced bytes by U+FFFD the text cannot come back: skip it,
    and never let another charset read it (German as EUC-KR)."""
    page = "<html><body><p>" + "Größere Städte zahlen mehr für Lärmschutz, heißt es. ”" * 5
    lossy = page.encode("utf-8").decode("cp1252", "replace").encode("utf-8")
    assert decode_html(lossy, "text/html; charset=utf-8") is None
    assert decode_html(lossy, None) is None
