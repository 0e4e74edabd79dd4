"""Locale selection and Vietnamese text helpers: search folding, sorting, formatting."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal, format_percent
from flask import has_request_context, request
from flask_babel import get_locale

LANGUAGE_COOKIE = "lang"
SUPPORTED_LANGUAGES = ("vi", "en")
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def select_locale() -> str:
    """The language chosen by the switch (a cookie), Vietnamese otherwise."""
    if not has_request_context():
        return "vi"
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    return chosen if chosen in SUPPORTED_LANGUAGES else "vi"


def nfc(text: str | None) -> str:
    """Unicode NFC with surrounding white space removed and inner runs collapsed."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


# --- search ------------------------------------------------------------------------------

#: "Ð" (U+00D0, Icelandic eth) is often typed for "Đ" by old Vietnamese keyboards
_SEARCH_LETTERS = str.maketrans({"đ": "d", "ð": "d", "y": "i"})


def search_key(text: str | None) -> str:
    """Fold for search: no case, no diacritics, đ → d, y → i ("Phú Quý" ~ "phu qui").

    Both tone placements ("hoà", "hòa") fold to the same key because all marks are removed;
    i/y are the same letter in names ("Quí", "Quý"; "Thủy", "Thủi"). Text is compared in NFC,
    so decomposed input (from some keyboards) folds the same as precomposed.
    """
    lowered = nfc(text).lower()
    stripped = "".join(
        ch for ch in unicodedata.normalize("NFD", lowered) if unicodedata.category(ch) != "Mn"
    )
    return stripped.translate(_SEARCH_LETTERS)


def duplicate_key(text: str | None) -> str:
    """Fold for the duplicate guard (DESIGN section 3): ``search_key`` with everything but
    letters and digits removed, so case, diacritics, punctuation and spacing are all ignored
    ("Số 99, xóm 3" → "so99xom3" ← "so 99 xom 3"). Mirrored by ``duplicateKey`` in
    static/js/shared-rules.js (tests/test_shared_rules.py compares them).
    """
    return "".join(ch for ch in search_key(text) if unicodedata.category(ch)[0] in "LN")


# --- Vietnamese collation (CLDR vi) ---------------------------------------------------------

_LETTERS = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
#: primary weights: space "!" < numbers '"' < letters "A"… < anything else "~"
_PRIMARY = {ch: chr(0x41 + rank) for rank, ch in enumerate(_LETTERS)}
_WORD_GAP, _NUMBER, _OTHER = "!", '"', "~"
_MODIFIERS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter
#: tones in Vietnamese order: none, huyền, hỏi, ngã, sắc, nặng
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}
SORT_KEY_MAX = 400


def _letter_and_tone(ch: str) -> tuple[str, str]:
    decomposed = unicodedata.normalize("NFD", ch)
    base = decomposed[0]
    modifiers = "".join(m for m in decomposed[1:] if m in _MODIFIERS)
    tone = next((_TONES[m] for m in decomposed[1:] if m in _TONES), "0")
    return unicodedata.normalize("NFC", base + modifiers), tone


def _word_key(word: str) -> tuple[str, str, str]:
    """(primary, tone, case) of one word; a run of digits sorts by its numeric value."""
    primary, case, tone = [], [], "0"
    i = 0
    while i < len(word):
        ch = word[i]
        if ch.isascii() and ch.isdigit():
            j = i
            while j < len(word) and word[j].isascii() and word[j].isdigit():
                j += 1
            digits = word[i:j].lstrip("0") or "0"
            primary.append(_NUMBER + chr(0x30 + min(len(digits), 9)) + digits)
            i = j
            continue
        lower = ch.lower()
        letter, letter_tone = _letter_and_tone(lower)
        if letter_tone != "0" and tone == "0":
            tone = letter_tone
        primary.append(_PRIMARY.get(letter, _OTHER))
        case.append("1" if ch != lower else "0")
        i += 1
    return "".join(primary), tone, "".join(case)


def sort_key(text: str | None) -> str:
    """A key whose byte order is the Vietnamese order of ``text`` (CLDR vi).

    Letters compare first (a < ă < â, d < đ, e < ê, o < ô < ơ, u < ư), word by word, numbers
    by value ("Khu phố 2" < "Khu phố 10"); then the tone of each syllable (none, huyền, hỏi,
    ngã, sắc, nặng), wherever the mark sits ("hoà" = "hòa"); then case. The key is printable
    ASCII, at most SORT_KEY_MAX characters, so it can be stored in an indexed column and
    sorted by the database.
    """
    words = [_word_key(word) for word in nfc(text).split(" ") if word]
    primary = _WORD_GAP.join(p for p, _t, _c in words)
    tones = "".join(t for _p, t, _c in words)
    case = "".join(c for _p, _t, c in words)
    return f"{primary} {tones} {case}"[:SORT_KEY_MAX]


def vi_sorted(items, key=lambda item: item):
    """Sort ``items`` the Vietnamese way by the text ``key`` returns."""
    return sorted(items, key=lambda item: sort_key(key(item)))


# --- formatting ----------------------------------------------------------------------------


def _locale() -> str:
    try:
        return str(get_locale() or "vi")
    except (RuntimeError, AttributeError):
        return "vi"


def fmt_number(value: float | int | None, decimals: int = 0) -> str:
    """1.234.567 or 1.234,5 in Vietnamese."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=_locale())


def fmt_percent(ratio: float | None) -> str:
    """45,3% in Vietnamese (one decimal)."""
    if ratio is None:
        return ""
    return format_percent(ratio, format="#,##0.0%", locale=_locale())


def fmt_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy; a datetime (UTC, naive) is shown in Asia/Ho_Chi_Minh."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime("%d/%m/%Y")


def fmt_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return to_local(value).strftime("%d/%m/%Y %H:%M")


def to_local(value: datetime) -> datetime:
    """A naive UTC timestamp as an aware Asia/Ho_Chi_Minh datetime."""
    from datetime import UTC

    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(TZ)


def today_local() -> date:
    """Today in Asia/Ho_Chi_Minh."""
    return datetime.now(TZ).date()


def in_language(vi: str, en: str | None) -> str:
    """The English text in the English interface when there is one, else the Vietnamese."""
    return en if en and _locale() == "en" else vi


def skill_name(skill: Any) -> str:
    """A skill's name in the page's language (Vietnamese unless English is chosen): never its
    code."""
    return in_language(skill.name_vi, getattr(skill, "name_en", ""))


def register_template_helpers(app) -> None:
    app.jinja_env.filters.update(
        number=fmt_number,
        percent=fmt_percent,
        date=fmt_date,
        datetime=fmt_datetime,
        skill_name=skill_name,
    )


# --- phone numbers -------------------------------------------------------------------------

_MOBILE_PREFIXES = ("03", "05", "07", "08", "09")
_PHONE_SEPARATORS = str.maketrans("", "", " .-()/\u00a0")


def normalise_phone(raw: str | None) -> str | None:
    """A Vietnamese phone number as stored (0xxxxxxxxx), or None when it is not one.

    Accepts spaces, dots, dashes and brackets, and +84 / 0084 / 84 in place of the leading 0
    (also "+84 (0) 912…"). Mobiles have 10 digits starting 03, 05, 07, 08 or 09; landlines
    11 digits starting 02 (area code 02xx and 7 digits).
    """
    if raw is None or not isinstance(raw, str) or len(raw) > 40:
        return None
    value = raw.strip().translate(_PHONE_SEPARATORS)
    if value.startswith("+84"):
        value = "0" + value[3:]
    elif value.startswith("0084"):
        value = "0" + value[4:]
    elif value.startswith("84") and len(value) in (11, 12):
        value = "0" + value[2:]
    if value.startswith("00"):  # "+84 0912…": the 0 kept after the country code
        value = value[1:]
    if not value.isascii() or not value.isdigit():
        return None
    if len(value) == 10 and value.startswith(_MOBILE_PREFIXES):
        return value
    if len(value) == 11 and value.startswith("02"):
        return value
    return None


def mask_phone(phone: str | None) -> str:
    """0912345678 → 0912***678."""
    if not phone:
        return ""
    return phone[:4] + "***" + phone[-3:]
