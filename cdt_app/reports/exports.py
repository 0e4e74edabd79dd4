"""Coverage exports (CSV, XLSX) and the raw visits export (CSV, streamed).

Every text cell that a spreadsheet could read as a formula (starting with = + - @, a tab or a
carriage return) is escaped with a leading apostrophe in CSV and stored as plain text in XLSX.
CSV is UTF-8 with a byte order mark, so Excel opens the Vietnamese text correctly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import Engine

from ..i18n import fmt_date, fmt_datetime, fmt_percent, mask_phone, skill_name
from ..models import LEVELS, Place
from ..values import strip_controls
from .export_queries import raw_visits_chunks
from .periods import Period
from .rows import CoverageReport, PlaceRow

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BATCH = 1000
#: the raw export sends its CSV in pieces of at least this many characters
_FLUSH_BYTES = 64 * 1024


def safe_text(value: Any) -> Any:
    """A text cell that cannot run as a formula in a spreadsheet, without the control
    characters a spreadsheet refuses (what was stored before they were refused on input)."""
    if not isinstance(value, str):
        return value
    value = strip_controls(value, keep="\t\n\r")
    return "'" + value if value.startswith(_FORMULA_START) else value


def level_labels() -> dict[str, str]:
    return {
        "province": _("Province / city"),
        "district": _("District (before 1/7/2025)"),
        "commune": _("Commune / ward / special zone"),
        "village": _("Village / neighbourhood"),
    }


@dataclass
class Column:
    header: str
    value: Callable[[PlaceRow], Any]
    kind: str = "int"  #: text, int or ratio
    key: str = ""


def coverage_columns(report: CoverageReport, hierarchy: dict[int, dict]) -> list[Column]:
    """The columns of a coverage export: hierarchy, place, figures, then per skill."""
    present = {level for chain in hierarchy.values() for level in chain}
    labels = level_labels()
    columns = [
        Column(labels[level], lambda row, lv=level: hierarchy[row.id].get(lv, ""), "text")
        for level in LEVELS
        if level in present
    ]
    columns += [
        Column(_("Code"), lambda row: row.code, "text"),
        Column(_("Name"), lambda row: row.name, "text", "name"),
        Column(_("Kind"), lambda row: row.kind_label, "text"),
        Column(_("Target households"), lambda row: row.figures.target_households),
        Column(
            _("Villages without a target (registered households used)"),
            lambda row: row.figures.villages_without_target,
        ),
        Column(_("Registered households"), lambda row: row.figures.registered_households),
        Column(_("Households reached"), lambda row: row.figures.reached_households),
        Column(_("Coverage"), lambda row: row.figures.coverage, "ratio"),
        Column(_("Visits"), lambda row: row.figures.visits),
        Column(_("People taught"), lambda row: row.figures.people_taught),
        Column(_("Active volunteers"), lambda row: row.figures.active_volunteers),
    ]
    for skill in report.skills:
        code, name = skill.code, skill_name(skill)
        columns += [
            Column(
                _("%(skill)s: households reached", skill=name),
                lambda row, c=code: row.figures.skills[c].reached,
            ),
            Column(
                _("%(skill)s: households completed", skill=name),
                lambda row, c=code: row.figures.skills[c].completed,
            ),
            Column(
                _("%(skill)s: coverage", skill=name),
                lambda row, c=code: row.figures.skill_coverage(c),
                "ratio",
            ),
        ]
    return columns


def export_rows(report: CoverageReport, rows: list[PlaceRow]) -> list[PlaceRow]:
    """The rows of the export, then the place itself as the total line."""
    return [*rows, report.place]


def total_name(report: CoverageReport) -> str:
    return _("Total: %(place)s", place=report.place.name)


def _cell_values(
    columns: list[Column], row: PlaceRow, report: CoverageReport
) -> list[tuple[Any, str]]:
    values = []
    for column in columns:
        value = column.value(row)
        if row is report.place and column.key == "name":
            value = total_name(report)
        values.append((value, column.kind))
    return values


def coverage_csv(report: CoverageReport, rows: list[PlaceRow], hierarchy) -> Iterator[str]:
    """CSV text in chunks: BOM, header, one line per row, the total line last."""
    columns = coverage_columns(report, hierarchy)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([safe_text(c.header) for c in columns])
    for index, row in enumerate(export_rows(report, rows), start=1):
        writer.writerow(
            [
                fmt_percent(value) if kind == "ratio" else safe_text(value)
                for value, kind in _cell_values(columns, row, report)
            ]
        )
        if index % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _text_cell(sheet, value: Any, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, str):
        value = strip_controls(value, keep="\t\n\r")
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the first character
    if bold:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def coverage_xlsx(
    report: CoverageReport,
    rows: list[PlaceRow],
    hierarchy,
    filters_sheet: list[tuple[str, str]],
) -> bytes:
    """An .xlsx workbook (write-only, constant memory per row): the figures and the filters."""
    columns = coverage_columns(report, hierarchy)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Coverage"))
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        width = 28 if column.kind == "text" else 16
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append([_text_cell(sheet, c.header, bold=True) for c in columns])
    for row in export_rows(report, rows):
        cells = []
        for value, kind in _cell_values(columns, row, report):
            if kind == "text":
                cell = _text_cell(sheet, value, bold=row is report.place)
            else:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "0.0%" if kind == "ratio" else "#,##0"
                if row is report.place:
                    cell.font = Font(bold=True)
            cells.append(cell)
        sheet.append(cells)
    info = book.create_sheet(_("Filters"))
    info.column_dimensions["A"].width = 40
    info.column_dimensions["B"].width = 60
    for label, value in filters_sheet:
        info.append([_text_cell(info, label, bold=True), _text_cell(info, value)])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def period_text(period: Period) -> str:
    start = fmt_date(period.start) if period.start else _("the beginning")
    return _("%(start)s to %(end)s", start=start, end=fmt_date(period.end))


def filters_rows(
    report: CoverageReport, level_label: str, actor_name: str, exported_at: datetime
) -> list[tuple[str, str]]:
    period = report.period
    return [
        (_("Report"), _("Coverage")),
        (_("Place"), f"{report.place.name} ({report.place.code})"),
        (_("Rows"), level_label),
        (_("From"), fmt_date(period.start) if period.start else _("All time")),
        (_("To"), fmt_date(period.end)),
        (_("Approved visits only"), _("Yes") if period.approved_only else _("No")),
        (
            _("Villages without a target (registered households used)"),
            str(report.totals.villages_without_target),
        ),
        (_("Exported by"), actor_name),
        (_("Exported at (Vietnam time)"), fmt_datetime(exported_at)),
    ]


# --- raw visits --------------------------------------------------------------------------------


def raw_visits_headers() -> list[str]:
    return [
        _("Visit ID"),
        _("Visit date"),
        _("Status"),
        _("Commune / ward / special zone"),
        _("Village / neighbourhood"),
        _("Village code"),
        _("Household ID"),
        _("Head of household"),
        _("Phone"),
        _("Volunteer"),
        _("Username"),
        _("People taught"),
        _("Skill code"),
        _("Skill taught"),
        _("Completed during the visit"),
    ]


def status_labels() -> dict[str, str]:
    return {
        "submitted": _("Submitted"),
        "approved": _("Approved"),
        "returned": _("Returned"),
    }


def raw_visits_csv(
    engine: Engine,
    place: Place,
    period: Period,
    lookups: dict[str, dict],
    headers: list[str],
    labels: dict[str, Any],
    full_phones: bool = False,
) -> Iterator[bytes]:
    """The raw visits as CSV bytes, read through a streaming cursor (constant memory), one
    village after another (``raw_visits_chunks``: the first rows leave within a second).

    Runs on its own connection, after the request has answered with its headers: ``lookups``
    (cdt_app.reports.export_queries.export_lookups) and ``labels`` (translated statuses, yes/no) are
    prepared in the request.
    """
    statuses: dict[str, str] = labels["status"]
    yes, no = labels["yes"], labels["no"]
    villages = {
        vid: tuple(safe_text(value) for value in names)
        for vid, names in lookups["villages"].items()
    }
    skills = {
        sid: (safe_text(code), safe_text(name)) for sid, (code, name) in lookups["skills"].items()
    }
    users = {
        uid: (safe_text(name), safe_text(login)) for uid, (name, login) in lookups["users"].items()
    }
    no_skill = ("", "")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(headers)
    yield buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    with engine.connect() as connection:
        for statement, params in raw_visits_chunks(period, lookups["village_paths"]):
            result = connection.execution_options(stream_results=True, yield_per=_BATCH).execute(
                statement, params
            )
            for batch in result.partitions(_BATCH):
                rows = []
                for (
                    visit_id,
                    day,
                    status,
                    people,
                    village_id,
                    volunteer_id,
                    household_id,
                    head_name,
                    phone,
                    skill_id,
                    completed,
                ) in batch:
                    commune, village, village_code = villages.get(village_id, ("", "", ""))
                    volunteer, username = users.get(volunteer_id, ("", ""))
                    code, skill = skills.get(skill_id, no_skill)
                    rows.append(
                        (
                            _uuid_text(visit_id),
                            f"{day[8:10]}/{day[5:7]}/{day[0:4]}",
                            statuses.get(status, status),
                            commune,
                            village,
                            village_code,
                            _uuid_text(household_id),
                            safe_text(head_name),
                            (safe_text(phone) if full_phones else mask_phone(phone))
                            if phone
                            else "",
                            volunteer,
                            username,
                            people,
                            code,
                            skill,
                            "" if completed is None else (yes if completed else no),
                        )
                    )
                writer.writerows(rows)
                # small villages add up to one piece; a big one is sent as it is read
                if buffer.tell() >= _FLUSH_BYTES:
                    yield buffer.getvalue().encode("utf-8")
                    buffer.seek(0)
                    buffer.truncate()
        connection.rollback()
    yield buffer.getvalue().encode("utf-8")


def _uuid_text(value: str) -> str:
    """Stored UUIDs as text: SQLite keeps 32 hex digits, PostgreSQL gives the dashed form."""
    if len(value) == 32:
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return value
