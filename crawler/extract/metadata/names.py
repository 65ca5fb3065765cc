"""Byline strings into names: the pure rules of ``crawler/extract/metadata/authors.py``.

A byline string is cut into names at list punctuation and at joiner words of many
languages ("und", "et", "og", "y" ...), after its prefix ("By", "Von", "Par",
"Autor:") is removed; "Last, First" stays one name; role words are removed, and what
is no name (a date, a long job description, an e-mail address or URL) is dropped.
Each name gets a kind: a person, a news agency, an organisation (the publisher, the
site or a desk of it: ``SiteNames`` of ``crawler/extract/metadata/site.py``) or other.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.extract.metadata.site import SiteNames

PERSON, AGENCY, ORG, OTHER = "person", "agency", "org", "other"

#: News agencies (folded: casefold, no leading "the", letters and digits only).
AGENCIES = frozenset(
    {
        "dpa", "dpaafx", "afp", "ap", "associatedpress", "reuters", "sid", "kna", "epd",
        "apa", "ansa", "efe", "upi", "xinhua", "tass", "ria", "rianovosti", "interfax",
        "anp", "belga", "ntb", "tt", "ritzau", "sda", "keystonesda", "ats", "pa",
        "pamedia", "aap", "cp", "canadianpress", "bloomberg", "ddp", "dts", "kyodo",
        "jiji", "yonhap", "cna", "pti", "ani", "ians", "bernama", "antara", "europapress",
        "lusa", "agenciabrasil", "ctk", "mti", "pap", "stt", "ukrinform", "unian", "aa",
        "anadolu", "wafa", "apaafp", "dpaap", "afpdpa", "apdpa", "reutersdpa", "dpareuters",
    }
)  # fmt: skip
#: Words of a desk or an organisation's own byline (casefolded).
DESK_WORDS = frozenset(
    {
        "redaktion", "redaction", "rédaction", "redacción", "redaccion", "redazione",
        "redactie", "redaksjonen", "redaksjon", "redaktionen", "redakcja", "redakce",
        "staff", "newsroom", "newsdesk", "desk", "team", "agencies", "agenturen",
        "agencias", "agences", "agenzie", "nachrichtenagenturen", "wires", "editors",
        "editorial", "onlineredaktion", "agency", "agentur", "nachrichtenagentur",
        "agence", "agencia", "agenzia", "agentschap", "byrå", "nyhetsbyrå",
    }
)  # fmt: skip
#: Words of a newspaper's or broadcaster's name ("New York Times", "Kieler Nachrichten")
#: (casefolded).
MEDIA_WORDS = frozenset(
    {
        "times", "zeitung", "journal", "tribune", "gazette", "daily", "news", "nachrichten",
        "rundschau", "allgemeine", "kurier", "anzeiger", "courier", "telegraph",
        "chronicle", "magazine", "magazin", "media", "medien", "tv", "radio", "online",
        "network", "newspaper", "noticias", "diario", "giornale", "corriere", "gazzetta",
        "krant", "tidning", "avis", "tageblatt", "zeitschrift", "rundfunk", "broadcasting",
        "televisión", "télévision", "presse", "quotidien", "wire", "wires", "insider",
        "observer", "guardian", "examiner", "inquirer", "dispatch", "bulletin", "post-gazette",
    }
)  # fmt: skip
#: Job titles and roles that follow or precede a name in a byline (casefolded).
ROLE_WORDS = frozenset(
    {
        "journalist", "journalistin", "journaliste", "journalisten", "journalista",
        "periodista", "giornalista", "jornalista", "dziennikarz", "dziennikarka",
        "toimittaja", "reporter", "reporterin", "reporters", "reportera", "redakteur",
        "redakteurin", "redaktör", "redaktør", "rédacteur", "rédactrice", "redactor",
        "redactora", "redattore", "redattrice", "editor", "editora", "korrespondent",
        "korrespondentin", "correspondent", "correspondente", "corresponsal",
        "corrispondente", "columnist", "kolumnist", "kolumnistin", "chroniqueur",
        "chroniqueuse", "writer", "contributor", "photographer", "fotograf",
        "fotografin", "photojournalist", "producer", "produzent", "produzentin",
        "analyst", "autor", "autorin", "author", "auteur", "autora", "autore",
        "moderator", "moderatorin", "volontär", "volontärin", "praktikant",
        "praktikantin", "intern", "commentator", "kommentator", "kommentatorin",
        "critic", "kritiker", "kritikerin", "blogger", "bloggerin", "gastautor",
        "gastautorin", "envoyé", "envoyée", "inviato", "inviata", "enviado", "enviada",
        "presenter", "anchor", "researcher",
    }
)  # fmt: skip
#: Words that qualify a role ("Senior reporter", "freie Autorin") (casefolded).
ROLE_MODIFIERS = frozenset(
    {
        "senior", "chief", "staff", "political", "politics", "sports", "sport",
        "business", "foreign", "deputy", "managing", "executive", "associate",
        "assistant", "contributing", "freelance", "freier", "freie", "leitender",
        "leitende", "stellvertretender", "stellvertretende", "special", "investigative",
        "digital", "online", "news", "lead", "head", "general", "spécial", "spéciale",
        "guest", "economics", "science", "health", "tech", "technology", "culture",
    }
)  # fmt: skip
#: Words that join two names in a byline ("A and B", "A und B", "A y B" ...).
JOINERS = frozenset(
    {
        "and", "und", "og", "y", "et", "e", "en", "i", "och", "ja", "és", "a", "ve",
        "\u0438", "\u0456", "\u0442\u0430", "oraz", "ed", "kaj", "dan", "na", "ir",
        "un", "ning", "sy",
    }
)  # fmt: skip
#: Lowercase words that belong in names ("Ursula von der Leyen", "Ortega y Gasset").
PARTICLES = frozenset(
    {
        "von", "van", "der", "den", "de", "da", "di", "du", "del", "della", "des", "la",
        "le", "bin", "ibn", "al", "el", "ten", "ter", "zu", "dos", "das", "do", "y",
        "af", "zum", "zur", "vom", "st", "ben", "bint", "abu", "lo",
    }
)  # fmt: skip
#: Short words that are never a name on their own (a byline's leftovers: "in", "at").
FUNCTION_WORDS = JOINERS | PARTICLES | {"in", "im", "am", "on", "of", "the", "for", "to", "at"}
#: Weekday and month names that trail a byline's name ("Jeff Foust Monday"), without
#: the months that are also names ("May", "June", "April", "August") (casefolded).
DATE_WORDS = frozenset(
    {
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag",
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
        "lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo",
        "january", "february", "march", "july", "september", "october", "november",
        "december", "januar", "februar", "märz", "juli", "oktober", "dezember",
        "janvier", "février", "mars", "juillet", "septembre", "octobre", "novembre",
        "décembre", "enero", "febrero", "marzo", "julio", "septiembre", "octubre",
        "noviembre", "diciembre", "published", "updated", "posted", "aktualisiert",
        "veröffentlicht", "publié", "publicado", "today", "yesterday", "heute", "gestern",
    }
)  # fmt: skip
#: Words that lead a date ("on Monday", "am Montag").
_DATE_LEADS = frozenset({"on", "am", "le", "el", "il", "op", "em", "the", "last", "this"})
#: A CMS account handle, not a name ("admin", "jdadmin", "webmaster").
_ACCOUNT_NAME = re.compile(r"\w*admin|administrator|webmaster|root|wpengine", re.I)
#: Prepositions that open a byline ("By", "Von", "Par", "Por", "Door", "Av", "Di" ...).
BY_WORDS = frozenset(
    {
        "by", "von", "vom", "par", "por", "door", "av", "af", "di", "da", "de", "z",
        "od", "przez", "\u043e\u0442", "\u0432\u0456\u0434", "dal", "della", "pelo",
        "pela", "ved",
    }
)  # fmt: skip
#: Of those, the ones that are also name particles ("Di Maio", "Von Trapp"): stripped
#: only when two capitalised words follow.
AMBIGUOUS_BY = frozenset({"von", "vom", "di", "da", "de", "af", "av", "z", "od", "della"})
#: Words of a credit label ("Autor:", "Text und Fotos:", Chinese "zuozhe") (casefolded).
LABEL_WORDS = frozenset(
    {
        "by", "von", "autor", "autorin", "autoren", "autorinnen", "author", "authors",
        "auteur", "auteurs", "autore", "autori", "autora", "autores", "text", "texte",
        "texto", "testo", "tekst", "teksti", "texter", "words", "reporter", "reporting",
        "written", "story", "reportage", "redakteur", "redakteurin", "forfatter",
        "författare", "kirjoittaja", "yazar", "\u0430\u0432\u0442\u043e\u0440",
        "\u0442\u0435\u043a\u0441\u0442",
        "作者", "记者", "記者", "责编", "责任编辑", "编辑", "編集", "文", "撰文", "筆者",
        "글", "취재", "기자", "글쓴이", "필자", "采写", "撰稿",
    }
)  # fmt: skip
#: Words a credit label may join to its label words ("Text und Fotos:"), never a label
#: alone ("Foto:" credits a photographer) (casefolded).
LABEL_COMPANIONS = frozenset(
    {"fotos", "photos", "foto", "photo", "bilder", "und", "and", "et", "y", "e", "og", "och", "&"}
)
#: Role suffixes of CJK bylines (Korean "gija" = reporter, Japanese/Chinese "kisha" ...)
#: and what follows them ("... oe 1 myeong": "and one more").
_CJK_ROLE = re.compile(
    r"\s*(?:선임기자|객원기자|전문기자|수습기자|기자|특파원|논설위원|편집위원|"
    r"記者|特派員|編集委員|論説委員|特约记者|记者|通讯员|编辑|責編|责编)(?:\s.*)?$"
)
#: Schema.org types of an organisation (lowercased, without namespace).
ORG_TYPES = frozenset(
    {
        "organization", "newsmediaorganization", "corporation", "localbusiness",
        "governmentorganization", "ngo", "educationalorganization", "onlinebusiness",
        "mediaorganization", "researchorganization", "website", "brand",
    }
)  # fmt: skip
#: Page types whose ``author`` is read when no article object names one.
PAGE_TYPES = frozenset({"webpage", "itempage", "medicalwebpage", "creativework"})
#: ``<meta>`` names of an author (casefolded), in the order they are trusted.
META_AUTHOR_NAMES = (
    "article:author",
    "og:article:author",
    "author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "dc:creator",
    "dcterms.creator",
    "cxenseparse:author",
    "byl",
    "dcsext.author",
    "citation_author",
    "og:author",
)
#: ``<meta>`` names of the publisher or site (casefolded).
META_SITE_NAMES = frozenset(
    {
        "og:site_name",
        "publisher",
        "dc.publisher",
        "application-name",
        "apple-mobile-web-app-title",
        "twitter:site",
    }
)
#: An author URL of a CMS's generic account: the site posting, not a person.
_ACCOUNT_URL = re.compile(
    r"/(?:author|authors|autor|autoren|profile|user|users|members?)/"
    r"(?:admin|administrator|editor|editors|redaktion|redaction|staff|webmaster|newsroom|"
    r"desk|team|web|wp|root|site|online|user|guest)(?:[/?#.]|$)",
    re.I,
)
# dashes, quotes, fullwidth and CJK punctuation, written as escapes
DASHES = "\u2013\u2014"
_QUOTES = "\"'\u201c\u201d\u201e\u00ab\u00bb\u201a\u2018\u2019"
_COLONS = ":\uff1a"
_OPEN = "([\uff08\u3010"
_CLOSE = ")]\uff09\u3011"
#: Separators of names in a list: punctuation that never sits inside a name ...
_LIST_SEPARATORS = re.compile(rf"\s*(?:[;|/&+\u3001\uff0c\u00b7\u2022]|\s[-{DASHES}]\s)\s*")
#: ... and a comma or a sentence's full stop (not an initial's: "Sarah E. Needleman").
_COMMAS = re.compile(r"\s*(?:,|(?<=[a-z]{2})\.(?=\s+[A-Z]))\s*")
_SEPARATORS = re.compile(f"{_LIST_SEPARATORS.pattern}|{_COMMAS.pattern}")
#: A bracketed aside, with the spaces around it ("Anna Schmidt (dpa)").
PARENS = re.compile(rf"\s*[{re.escape(_OPEN)}][^{re.escape(_CLOSE)}]*[{re.escape(_CLOSE)}]\s*")
_SPACE = re.compile(r"\s+")
#: Credits of people who did not write the article ("Editing by", "Photos by").
_OTHER_CREDIT = re.compile(
    r"(?:editing|edited|additional|photos?|photographs?|pictures?|graphics?|illustrations?|"
    r"translation|translated|translations?|video|produced|production|design|fotos?|bilder|"
    r"redigiert|übersetzt|übersetzung|mitarbeit|bearbeitet)\b[^:]{0,20}?\b"
    r"(?:by|von|par|por|door)\s",
    re.I,
)
#: A social media handle or an e-mail address in a byline ("@TomGillespie1").
_HANDLE = re.compile(r"(?:^|\s)\S*@\S+")
#: Runs of characters that are neither letters nor digits.
NOT_WORD = re.compile(r"[\W_]+")
_DOMAIN = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}$", re.I)
_SLUG = re.compile(r"[a-z]+(?:[-_][a-z]+)+")
_LAST_FIRST = re.compile(
    r"([A-Z\u00c0-\u00de][a-z\u00df-\u00ff'-]+), ?([A-Z\u00c0-\u00de][a-z\u00df-\u00ff'.-]+)"
)
_STRIP = (
    f" \t\n\r\u00a0\u200b\u200c\u200d\ufeff,.;|/-*\u2022\u00b7{DASHES}{_QUOTES}{_COLONS}()[]{{}}<>"
)
_LABEL_TOKENS = re.compile(r"[\w&]+")
#: A label, then a colon or slash, then the credit: "Autor: ...", "(zeren bianji: ...)".
_LABELLED = re.compile(
    rf"^[{re.escape(_OPEN)}]?\s*([^\W\d][^{_COLONS}/]{{0,30}}?)\s*([{_COLONS}/])\s*(.*?)"
    rf"[{re.escape(_CLOSE)}]?$",
    re.S,
)
#: Elements whose own text may open a credit line.
_CREDIT_TAGS = (
    "p", "span", "div", "strong", "b", "em", "i", "small", "li", "dt", "th", "td",
    "address", "label", "cite", "h4", "h5", "h6", "footer", "section", "font",
)  # fmt: skip
_EMPHASIS = frozenset({"strong", "b", "em", "i"})
#: Characters of a paragraph that is article text, not a byline or a caption.
_LONG_PARAGRAPH = 120


@dataclass(frozen=True)
class Name:
    """One name of a byline: a person, an agency, an org or other (one word); and
    whether the page declares it a credit (typed Organization, a desk, an agency)."""

    text: str
    kind: str
    declared: bool = False


def fold(value: str) -> str:
    """``value`` reduced for comparing names: casefolded, letters and digits only,
    without a leading "the"."""
    value = value.casefold().strip()
    if value.startswith("the "):
        value = value[4:]
    return NOT_WORD.sub("", value)


def name_key(value: str) -> str:
    """One key per person: casefolded, the hyphens and dots of slugs as spaces."""
    return " ".join(re.sub(r"[-_.]+", " ", value.casefold()).split())


def clean_text(value: str) -> str:
    """``value`` unescaped, spaces folded, without punctuation or spaces at its ends."""
    return _SPACE.sub(" ", html.unescape(value)).strip(_STRIP)


def split_authors(value: str | None) -> list[str]:
    """A semicolon-separated author string as a list, spaces folded, duplicates gone."""
    if not value:
        return []
    out: list[str] = []
    for name in re.split(r"\s*;\s*", value):
        name = " ".join(name.split())
        if name and name not in out:
            out.append(name)
    return out


# -- one byline string to names --------------------------------------------------------


def strip_prefix(value: str) -> str:
    """``value`` without its byline prefix: a credit label and colon ("Autor:", "Text
    und Fotos:"), an opening preposition ("By", "Von", "Par", "Por", "Door") followed by
    a capitalised name or a single word (by two capitalised words after a preposition
    that is also a name particle: "Von Trapp" and "Von der Leyen" stay), or up to three
    words and a preposition ("Analysis by", "Reporting by")."""
    lead_words = True
    while True:
        value = value.strip(_STRIP)
        match = _LABELLED.match(value)
        if match and match.group(3) and is_label(match.group(1)):
            value = match.group(3)
            continue
        head, _, rest = value.partition(" ")
        word = head.casefold().rstrip(_COLONS)
        words = rest.split()
        if word in BY_WORDS and words:
            if word in AMBIGUOUS_BY:
                stripped = _two_names(words)
            else:
                stripped = _opens_name(words[0]) or len(words) == 1
            if stripped:
                value = rest
                continue
        if lead_words:
            lead_words = False
            tokens = value.split()
            for lead in (1, 2, 3):
                if len(tokens) <= lead + 1 or _SEPARATORS.search(" ".join(tokens[: lead + 1])):
                    break
                by = tokens[lead]
                if by in BY_WORDS and by not in AMBIGUOUS_BY and _opens_name(tokens[lead + 1]):
                    value = " ".join(tokens[lead + 1 :])
                    break
            else:
                return value
            if value != " ".join(tokens):
                continue
        return value


def _two_names(words: list[str]) -> bool:
    return len(words) >= 2 and _opens_name(words[0]) and _opens_name(words[1])


def _opens_name(word: str) -> bool:
    return word[:1].isupper() or not word[:1].isalpha() or uncased(word)


def is_label(text: str) -> bool:
    """``text`` is a credit label: label words only ("Autorin/Autor", "Text und Fotos"),
    not a photo credit alone ("Foto")."""
    tokens = _LABEL_TOKENS.findall(text.casefold())
    labels = [t for t in tokens if t in LABEL_WORDS]
    return bool(labels) and all(t in LABEL_WORDS or t in LABEL_COMPANIONS for t in tokens)


def uncased(word: str) -> bool:
    """``word`` is in a script without letter case (CJK, Hangul, Arabic, Thai ...)."""
    return any(c.isalpha() and not c.isupper() and not c.islower() for c in word)


def is_phrase(text: str, longest: int = 6) -> bool:
    """``text`` is a phrase, not a name: over ``longest`` words, or two lowercase words
    that are neither name particles, joiners nor domains ("professor at the university")."""
    words = text.split()
    if len(words) > longest:
        return True
    lower = [
        w
        for w in words
        if w[:1].islower() and w not in PARTICLES and w not in JOINERS and not _DOMAIN.match(w)
    ]
    return len(words) > 1 and len(lower) >= 2


def split_names(value: str) -> tuple[list[str], bool]:
    """A byline string's names, and whether a joiner word split it. List punctuation
    separates names, then joiner words; a phrase between separators is dropped whole.
    "Last, First" (two capitalised single words around one comma) stays one name, also
    in a list ("Smith, John; Doe, Jane")."""
    value = _SPACE.sub(" ", value).strip(_STRIP)
    names: list[str] = []
    joined = False
    parts: list[str] = []
    for chunk in _LIST_SEPARATORS.split(value):
        if _LAST_FIRST.fullmatch(chunk) and not {fold(p) for p in chunk.split(",")} & AGENCIES:
            names.append(chunk)
        else:
            parts.extend(_COMMAS.split(chunk))
    for part in parts:
        if is_phrase(part, longest=30):
            continue
        current: list[str] = []
        for word in part.split():
            if word in JOINERS and current:
                names.extend(_agency_apart(current))
                current = []
                joined = True
            else:
                current.append(word)
        if current:
            names.extend(_agency_apart(current))
    return names, joined


def _agency_apart(words: list[str]) -> list[str]:
    """A name run on into an agency ("Eric Tucker Associated Press") as two names."""
    for size in (1, 2, 3):
        if len(words) >= size + 2 and fold("".join(words[-size:])) in AGENCIES:
            return [" ".join(words[:-size]), " ".join(words[-size:])]
    return [" ".join(words)]


def clean_name(part: str) -> str | None:
    """One name of a byline as written, without a role or a parenthesis; None when it
    is no name (a date, a URL or e-mail, an unknown label's text, a phrase, a role)."""
    bare = PARENS.sub(" ", part).strip(_STRIP)
    part = bare or part.strip(_STRIP)
    if _OTHER_CREDIT.match(part):
        return None
    part = _HANDLE.sub(" ", part)
    part = _CJK_ROLE.sub("", strip_prefix(part)).strip(_STRIP)
    if not part or any(c.isdigit() for c in part) or "@" in part or "://" in part:
        return None
    if part.casefold().startswith("www.") or any(c in part for c in _COLONS):
        return None
    raw = _GLUED_ROLE.sub("", part).split()
    words = _strip_dates(_strip_roles(raw))
    if not words or len(" ".join(words)) > 60 or is_phrase(" ".join(words)):
        return None
    if len(words) < len(raw) and fold(words[0]) in AGENCIES:
        return None  # "AP Sports Writer": a job, not a name
    if len(words) == 1 and _ACCOUNT_NAME.fullmatch(words[0]):
        return None
    if len(words) > 1 and words[0][:1].islower() and words[0] not in PARTICLES:
        return None  # "in News": a byline's leftover
    if len(words) == 1 and words[0].casefold() in FUNCTION_WORDS | ROLE_WORDS | BY_WORDS:
        return None
    if not any(c.isalpha() for c in part):
        return None
    return " ".join(words)


#: A role glued to the name before it ("Nicole OpitzRedakteurin": two elements' text).
_GLUED_ROLE = re.compile(
    r"(?<=[a-z\u00df-\u00ff])(?:"
    + "|".join(sorted((w.capitalize() for w in ROLE_WORDS), key=len, reverse=True))
    + r")$"
)


def _is_role(word: str) -> bool:
    """``word`` is a role ("Reporter", "Editor-at-large")."""
    return word.casefold().strip(_STRIP).split("-")[0] in ROLE_WORDS


def _strip_dates(words: list[str]) -> list[str]:
    """``words`` without a trailing weekday or month ("Minh Do on Monday")."""
    dated = False
    while len(words) > 1 and words[-1].casefold().strip(_STRIP) in DATE_WORDS:
        words, dated = words[:-1], True
    if dated and len(words) > 1 and words[-1].casefold() in _DATE_LEADS:
        words = words[:-1]
    return words


def _strip_roles(words: list[str]) -> list[str]:
    """``words`` without role words ("Journalist", "Senior reporter") at either end."""
    for end in (-1, 0):
        stripped = False
        while words and _is_role(words[end]):
            words = words[:-1] if end == -1 else words[1:]
            stripped = True
        while stripped and words and words[end].casefold() in ROLE_MODIFIERS:
            words = words[:-1] if end == -1 else words[1:]
    return words


def kind_of(name: str, site: SiteNames, org: bool = False) -> str:
    """What ``name`` names: an agency, an organisation (declared one, the publisher, a
    desk, a domain), a person (two words or more, or one word in a script without case),
    or other (one Latin-script word: initials, a place, a credit)."""
    if fold(name) in AGENCIES:
        return AGENCY
    words = name.split()
    if org or site.owns(name) or any(_DOMAIN.match(w) for w in words) or _has_desk(words):
        return ORG
    if _is_medium(words):
        return ORG
    if len(words) >= 2 and words[0].casefold() == "the":
        return ORG  # "The Water Coolest": a person's name has no article
    if len(words) >= 2 or (uncased(name) and 2 <= len(name) <= 6):
        return PERSON
    return OTHER


def _has_desk(words: list[str]) -> bool:
    """A word of ``words`` names a desk ("Redaktion", "Staff", "IN-Redaktion")."""
    return any(p.casefold() in DESK_WORDS for w in words for p in re.split(r"[-/]", w))


def _is_medium(words: list[str]) -> bool:
    """``words`` name a newspaper or broadcaster ("New York Times", "Kieler Nachrichten")."""
    return len(words) >= 2 and any(w.casefold() in MEDIA_WORDS for w in words)


def byline_names(value: str, site: SiteNames, org: bool = False) -> list[Name]:
    """The names of one byline string, each with its kind (``org``: the page types it an
    organisation). A byline naming no person that only joiner words split ("Le Figaro
    et AFP") is one credit."""
    value = clean_text(value)
    if not value or "://" in value:
        return []
    parts, joined = split_names(strip_prefix(value))
    names: list[Name] = []
    for part in parts:
        text = clean_name(part)
        if text is None:
            continue
        if _SLUG.fullmatch(text) and not site.owns(text) and fold(text) not in AGENCIES:
            text = " ".join(w.capitalize() for w in re.split("[-_]", text))  # a URL slug
        kind = kind_of(text, site, org)
        declared = kind == AGENCY or (kind == ORG and (org or _has_desk(text.split())))
        names.append(Name(text, kind, declared))
    if joined and len(names) > 1 and not any(n.kind == PERSON for n in names):
        whole = clean_name(strip_prefix(value))
        if whole:
            credit = any(n.kind in (ORG, AGENCY) for n in names)
            declared = any(n.declared for n in names)
            return [Name(whole, ORG if credit else OTHER, declared)]
    return names
