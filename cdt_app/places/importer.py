"""Import places from CSV or XLSX (code,name,kind,parent_code,target_households): all or nothing."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlmodel import Session

from ..audit import record
from ..errors import ValidationError
from ..models import LEVELS, PLACE_KINDS, Place, User
from ..values import clean_line
from .kinds import default_scheme
from .services import PlaceInput, create_place, kind_from_label, update_place

COLUMNS = ("code", "name", "kind", "parent_code", "target_households")
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
_FORMULA_START = ("=", "+", "@")
_TARGET_RE = re.compile(r"\d+|\d{1,3}([.,\s]\d{3})+", re.ASCII)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


class ImportRefused(Exception):
    """The whole file is refused; ``errors`` lists (line number, Vietnamese reason)."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(errors)
        self.errors = errors


def read_rows(filename: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs from a CSV (UTF-8) or XLSX file."""
    if len(content) > MAX_FILE_BYTES:
        raise ImportRefused([(0, _("The file is too large (at most 5 MB)."))])
    if filename.lower().endswith(".xlsx"):
        raw_rows = _xlsx_rows(content)
    elif filename.lower().endswith((".csv", ".txt")):
        raw_rows = _csv_rows(content)
    else:
        raise ImportRefused([(0, _("Please choose a .csv or .xlsx file."))])
    if not raw_rows:
        raise ImportRefused([(0, _("The file is empty."))])
    header = [clean_line(_cell_text(cell)).lower() for cell in raw_rows[0][1]]
    missing = [name for name in COLUMNS[:3] if name not in header]
    if missing:
        raise ImportRefused(
            [
                (
                    raw_rows[0][0],
                    _(
                        "Missing columns: %(columns)s. The first row must be: %(header)s.",
                        columns=", ".join(missing),
                        header=",".join(COLUMNS),
                    ),
                )
            ]
        )
    rows = []
    for number, cells in raw_rows[1:]:
        values = {
            name: clean_line(_cell_text(cells[i])) if i < len(cells) else ""
            for i, name in enumerate(header)
            if name
        }
        if any(values.values()):
            rows.append((number, values))
    if len(rows) > MAX_ROWS:
        raise ImportRefused([(0, _("Too many rows (at most 20.000)."))])
    return rows


def _cell_text(value) -> str:
    """A cell as text; Excel stores 120 as 120.0, which must not become "1200"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _csv_rows(content: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(
            [(0, _('The file is not in UTF-8. Please save it as "CSV UTF-8" and try again.'))]
        ) from None
    reader = csv.reader(io.StringIO(text))
    rows = []
    try:
        start = 1
        for cells in reader:
            rows.append((start, cells))  # a quoted cell may span lines: report where it began
            start = reader.line_num + 1
    except csv.Error:
        raise ImportRefused([(reader.line_num, _("The CSV file could not be read."))]) from None
    return rows


def _xlsx_rows(content: bytes) -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise ImportRefused([(0, _("The Excel file could not be read."))]) from None
    try:
        sheet = workbook.worksheets[0]
        rows = [
            (number, list(row))
            for number, row in enumerate(
                sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2), start=1
            )
        ]
    except Exception:  # a damaged sheet fails only while it is read
        raise ImportRefused([(0, _("The Excel file could not be read."))]) from None
    finally:
        workbook.close()
    return rows


def _parse_target(value: str) -> int | None:
    """A whole number; "1.234", "1,234" and "1 234" are thousands (never decimals)."""
    value = value.strip()
    if not value:
        return None
    if not _TARGET_RE.fullmatch(value):
        raise ValueError(value)
    number = int(re.sub(r"[.,\s]", "", value))
    if number > 10_000_000:
        raise ValueError(value)
    return number


def _level_rank(row: dict[str, str]) -> int:
    kind = kind_from_label(row.get("kind", ""))
    return LEVELS.index(PLACE_KINDS[kind][0]) if kind else len(LEVELS)


def import_places(
    session: Session,
    actor: User | None,
    rows: list[tuple[int, dict[str, str]]],
    within: Place | None = None,
) -> ImportResult:
    """Create or update every row, or raise ImportRefused listing every bad row.

    Rows are taken from the top of the tree down (a province before its communes, whatever
    their order in the file). An existing place (same code scheme and code) is updated: an
    empty target keeps the current one. With ``within`` (an upload by a user), every row, and
    every place it changes, must lie inside that place's subtree.
    """
    result = ImportResult()
    by_code: dict[str, Place] = {}
    seen: dict[tuple[str, str], int] = {}
    errors: list[tuple[int, str]] = []
    for number, row in sorted(rows, key=lambda item: _level_rank(item[1])):
        code, name = row.get("code", ""), row.get("name", "")
        if any(v.startswith(_FORMULA_START) for v in row.values() if v):
            errors.append((number, _("Formulas are not accepted in an import file.")))
            continue
        kind = kind_from_label(row.get("kind", ""))
        if not code:
            errors.append((number, _("The code is missing.")))
            continue
        if kind is None:
            errors.append((number, _('Unknown kind of place: "%(kind)s".', kind=row.get("kind"))))
            continue
        try:
            target = _parse_target(row.get("target_households", ""))
        except ValueError:
            errors.append((number, _("The target households must be a whole number.")))
            continue
        scheme = default_scheme(kind)
        if (scheme, code) in seen:
            errors.append(
                (
                    number,
                    _(
                        'The code "%(code)s" is already used on line %(line)s of the file.',
                        code=code,
                        line=seen[(scheme, code)],
                    ),
                )
            )
            continue
        seen[(scheme, code)] = number
        parent_code = row.get("parent_code", "")
        parent = None
        if parent_code:
            if parent_code not in by_code:
                found = session.scalar(
                    select(Place).where(Place.code == parent_code).order_by(Place.code_scheme)
                )
                if found is not None:
                    by_code[parent_code] = found
            parent = by_code.get(parent_code)
            if parent is None:
                errors.append(
                    (number, _('The parent code "%(code)s" was not found.', code=parent_code))
                )
                continue
        existing = session.scalar(
            select(Place).where(Place.code_scheme == scheme, Place.code == code)
        )
        if within is not None and (
            parent is None
            or not parent.path.startswith(within.path)
            or (existing is not None and not existing.path.startswith(within.path))
        ):
            errors.append((number, _("This row is outside your area.")))
            continue
        data = PlaceInput(
            name=name,
            kind=kind,
            code=code,
            code_scheme=scheme,
            parent_id=parent.id if parent else None,
            target_households=target,
        )
        try:
            with session.begin_nested():
                if existing is None:
                    place = create_place(session, actor, data)
                    result.created += 1
                else:
                    if target is None:
                        data.target_households = existing.target_households
                    data.active = existing.active
                    place = update_place(session, actor, existing, data)
                    result.updated += 1
        except ValidationError as error:
            errors.append((number, "; ".join(error.errors.values())))
            continue
        by_code[code] = place
    if errors:
        raise ImportRefused(sorted(errors))
    record(
        session,
        actor,
        "import",
        None,
        {"created": [None, result.created], "updated": [None, result.updated]},
        object_type="place",
    )
    return result
