"""Reading raw input values (strings from a web form or a query string, JSON values from the
sync API), for every feature: the one place that says what a number, a date, a yes/no, an id
or a page number may look like.

Every ``parse_…`` helper returns the clean value or raises ``BadValue``; services turn that into
a Vietnamese field error, so no input can ever reach the database unchecked. ``parse_page``
never fails: a bad page number is page 1.
"""

from __future__ import annotations

import math
import re
import unicodedata
import uuid
from datetime import date
from typing import Any

#: the spellings of yes and no (after trimming, lower case, NFC) in forms, query strings, JSON
_TRUE = {"1", "true", "y", "yes", "on", "co", "có"}
_FALSE = {"", "0", "false", "n", "no", "off", "khong", "không"}
#: the longest free-text notes of a household or a visit
NOTES_MAX = 1000
#: the highest page number a list answers (a higher one in a link means page 1)
MAX_PAGE = 10_000


class BadValue(ValueError):
    """The raw value cannot be read as the expected type."""


#: format characters that are kept: the joiners of emoji sequences (every other Cf, such as
#: U+FEFF, U+200B or the bidi overrides, is invisible and dropped with the control characters)
_KEPT_FORMAT = {"\u200c", "\u200d"}


def _is_control(ch: str) -> bool:
    """NUL and every C0/C1 control (U+0000–U+001F, U+007F–U+009F), a lone surrogate, or an
    invisible format character (U+FEFF, U+200B, U+202E…)."""
    category = unicodedata.category(ch)
    return category in ("Cc", "Cs") or (category == "Cf" and ch not in _KEPT_FORMAT)


def strip_controls(text: str, keep: str = "") -> str:
    """``text`` without control characters (``_is_control``), except those in ``keep``: what
    no database, spreadsheet or screen should get. Used for every raw value that comes in
    (cdt_app.safety) and for every text cell that goes out (exports)."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(ch for ch in text if ch in keep or not _is_control(ch))


def _drop_controls(text: str, keep_newlines: bool) -> str:
    """Remove control characters (NUL, …) and lone surrogates, which no database accepts;
    tabs and other white-space controls become spaces."""
    kept = []
    for ch in text:
        if _is_control(ch) and not (keep_newlines and ch == "\n"):
            kept.append(" " if ch in "\t\r\x0b\x0c\x85" else "")
            continue
        kept.append(ch)
    return "".join(kept)


def _at_most(text: str, max_length: int | None) -> str:
    if max_length is not None and len(text) > max_length:
        raise BadValue(text)
    return text


def clean_line(value: Any, max_length: int | None = None) -> str:
    """One line of text, NFC, white space collapsed; None is empty; non-text, or text longer
    than ``max_length`` once cleaned, is refused."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadValue(value)
    text = _drop_controls(value, keep_newlines=False)
    return _at_most(" ".join(unicodedata.normalize("NFC", text).split()), max_length)


def clean_text(value: Any, max_length: int | None = None) -> str:
    """Several lines of text (notes), NFC, each line trimmed, no empty lines at the ends;
    non-text, or text longer than ``max_length`` once cleaned, is refused."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadValue(value)
    text = _drop_controls(value.replace("\r\n", "\n").replace("\r", "\n"), keep_newlines=True)
    lines = [" ".join(line.split()) for line in unicodedata.normalize("NFC", text).split("\n")]
    return _at_most("\n".join(lines).strip(), max_length)


def clean_search(value: Any, max_length: int = 100) -> str:
    """What was typed in a search or filter box (a query string): ``clean_line``, cut to
    ``max_length``; never refused (anything that is not text is empty)."""
    if not isinstance(value, str):
        return ""
    return clean_line(value[: max_length * 2])[:max_length].strip()


def parse_int(value: Any, *, low: int, high: int) -> int:
    """A whole number in [low, high] from an int, an integral float or a string of digits."""
    if isinstance(value, bool) or value is None:
        raise BadValue(value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise BadValue(value)
        number = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith("+"):
            text = text[1:]
        if not (text.isascii() and text.isdigit()) or len(text) > 9:
            raise BadValue(value)
        number = int(text)
    else:
        raise BadValue(value)
    if not low <= number <= high:
        raise BadValue(value)
    return number


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_bool(value: Any, default: bool | None = None) -> bool:
    """True/False from a JSON boolean, 0/1, or a form or query-string value ("1", "on", "yes",
    "có", "0", "no", "không", empty, …); anything else is refused, or ``default`` if given."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = unicodedata.normalize("NFC", value.strip().lower())
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    if default is not None:
        return default
    raise BadValue(value)


def parse_float(value: Any, *, low: float, high: float) -> float:
    if isinstance(value, bool) or value is None:
        raise BadValue(value)
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", ".")
        if not text.isascii() or len(text) > 32:
            raise BadValue(value)
        try:
            number = float(text)
        except ValueError as error:
            raise BadValue(value) from error
    else:
        raise BadValue(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise BadValue(value)
    return number


def parse_uuid(value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str) or len(value) > 64:
        raise BadValue(value)
    try:
        return uuid.UUID(value.strip())
    except ValueError as error:
        raise BadValue(value) from error


#: an ISO date (the API, a browser's date picker): 2026-02-01
_ISO_DATE = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})", re.ASCII)
#: a date typed day first, as dates are written in Vietnam: 1/2/2026, 01.02.2026, 01-02-2026,
#: or the eight digits alone, as a phone's number pad types them: 01022026
_DAY_FIRST = (
    re.compile(r"(?P<day>\d{1,2})([/.-])(?P<month>\d{1,2})\2(?P<year>\d{4})", re.ASCII),
    re.compile(r"(?P<day>\d{2})(?P<month>\d{2})(?P<year>\d{4})", re.ASCII),
)


def parse_date(value: Any) -> date:
    """A date from a ``date``, an ISO "yyyy-mm-dd" string, or a date typed day first:
    "dd/mm/yyyy", also with "." or "-", a one-digit day or month, or the eight digits alone
    ("01022026" is 1 February 2026); a year before 1000 is refused."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if not isinstance(value, str):
        raise BadValue(value)
    text = value.strip()
    if len(text) > 10:
        raise BadValue(value)
    for pattern in (_ISO_DATE, *_DAY_FIRST):
        found = pattern.fullmatch(text)
        if found and int(found["year"]) >= 1000:
            try:
                return date(int(found["year"]), int(found["month"]), int(found["day"]))
            except ValueError as error:
                raise BadValue(value) from error
    raise BadValue(value)


def date_text(day: date) -> str:
    """``day`` as it is shown and typed: dd/mm/yyyy (read back by ``parse_date``)."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


#: the days a date filter (a list, a report, the API) may name: further out is refused, so no
#: day arithmetic on a filter (the day after, Vietnam midnight in UTC) can overflow
FILTER_FIRST_DAY = date(2000, 1, 1)
FILTER_LAST_DAY = date(2099, 12, 31)


def parse_filter_date(value: Any) -> date | None:
    """A date filter's value, ISO or day first as ``parse_date`` reads it; empty is None. A
    date that cannot be read, or is outside FILTER_FIRST_DAY … FILTER_LAST_DAY, is refused."""
    if is_blank(value):
        return None
    day = parse_date(value)
    if not FILTER_FIRST_DAY <= day <= FILTER_LAST_DAY:
        raise BadValue(value)
    return day


def parse_page(value: Any) -> int:
    """The page number asked for (``?page=``), a whole number from 1 to MAX_PAGE; anything
    else (missing, 0, text, too high) is page 1, so a bad link still shows a page."""
    try:
        return parse_int(value, low=1, high=MAX_PAGE)
    except BadValue:
        return 1
