"""The periodic report as an .xlsx workbook: the same numbers as the page and the API (all of
them read from one ``PeriodicReport``), the lists in full. Text cells are never formulas."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..i18n import fmt_date, fmt_datetime
from .exports import safe_text
from .periodic import PeriodicReport
from .periodic_text import date_line, figure_label, issuing_body, summary, title

RATIO = "0.0%"
WHOLE = "#,##0"
SIGNED_RATIO = "+0.0%;-0.0%;0.0%"
SIGNED_WHOLE = "+#,##0;-#,##0;0"


def _cell(sheet, value: Any, number_format: str = "", bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=safe_text(value) if isinstance(value, str) else value)
    if isinstance(value, str):
        cell.data_type = "s"
    if number_format and not isinstance(value, str):
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _sheet(book: Workbook, name: str, widths: list[int]):
    sheet = book.create_sheet(name[:31])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    return sheet


def _header(sheet, labels: list[str]) -> None:
    sheet.append([_cell(sheet, label, bold=True) for label in labels])


def _figures_sheet(book: Workbook, report: PeriodicReport, actor: str, at: datetime) -> None:
    sheet = _sheet(book, _("Figures"), [34, 16, 16, 14, 12, 16, 14, 12])
    place = report.place
    for line in (issuing_body(place), title(report), date_line(place, report.today)):
        sheet.append([_cell(sheet, line, bold=True)])
    sheet.append([_cell(sheet, summary(report))])
    sheet.append([])
    _header(
        sheet,
        [
            _("Figure"),
            report.period.label(),
            report.previous.label(),
            _("Change"),
            _("Change (%)"),
            report.year_before.label(),
            _("Change"),
            _("Change (%)"),
        ],
    )
    for key in report.compared_keys():
        ratio = key == "coverage"
        kind, signed = (RATIO, SIGNED_RATIO) if ratio else (WHOLE, SIGNED_WHOLE)
        cells = [
            _cell(sheet, figure_label(key, report)),
            _cell(sheet, report.value(report.current, key), kind),
        ]
        for against, figures in (("previous", report.before), ("year_before", report.year_ago)):
            change = report.change(key, against)
            relative = None if ratio else change.relative
            cells += [
                _cell(sheet, report.value(figures, key), kind),
                _cell(sheet, change.absolute, signed),
                _cell(sheet, relative if relative is not None else "", SIGNED_RATIO),
            ]
        sheet.append(cells)
    sheet.append([])
    for label, value in (
        (_("Target households"), report.current.target_households),
        (_("Registered households"), report.current.registered_households),
        (_("Villages"), report.villages),
        (_("Volunteers with a visit in the period"), report.volunteers),
    ):
        sheet.append([_cell(sheet, label), _cell(sheet, value, WHOLE)])
    sheet.append([])
    for label, value in (
        (_("Place"), f"{place.name} ({place.code})"),
        (_("From"), fmt_date(report.period.start)),
        (_("To"), fmt_date(report.period.end)),
        (_("Approved visits only"), _("Yes") if report.approved_only else _("No")),
        (_("Exported by"), actor),
        (_("Exported at (Vietnam time)"), fmt_datetime(at)),
    ):
        sheet.append([_cell(sheet, label, bold=True), _cell(sheet, value)])


def _skills_sheet(book: Workbook, report: PeriodicReport) -> None:
    sheet = _sheet(book, _("By skill"), [40, 18, 18, 14])
    _header(
        sheet,
        [_("Skill taught"), _("Households reached"), _("Households completed"), _("Coverage")],
    )
    for skill in report.skills:
        figures = report.current.skills[skill.code]
        sheet.append(
            [
                _cell(sheet, figure_label(f"skill:{skill.code}", report)),
                _cell(sheet, figures.reached, WHOLE),
                _cell(sheet, figures.completed, WHOLE),
                _cell(sheet, report.current.skill_coverage(skill.code), RATIO),
            ]
        )


def _villages_sheet(book: Workbook, name: str, lines, with_last: bool) -> None:
    sheet = _sheet(book, name, [30, 30, 14, 18, 16, 12, 12, 16])
    headers = [
        _("Commune / ward / special zone"),
        _("Village / neighbourhood"),
        _("Code"),
        _("Households reached"),
        _("Target households"),
        _("Coverage"),
        _("Visits"),
    ]
    if with_last:
        headers.append(_("Last visit"))
    _header(sheet, headers)
    for line in lines:
        cells = [
            _cell(sheet, line.commune),
            _cell(sheet, line.name),
            _cell(sheet, line.code),
            _cell(sheet, line.households, WHOLE),
            _cell(sheet, line.target, WHOLE),
            _cell(sheet, line.coverage, RATIO),
            _cell(sheet, line.visits, WHOLE),
        ]
        if with_last:
            cells.append(
                _cell(sheet, fmt_date(line.last_visit_on) if line.last_visit_on else _("none yet"))
            )
        sheet.append(cells)


def _rankings_sheet(book: Workbook, report: PeriodicReport) -> None:
    sheet = _sheet(book, _("Rankings"), [8, 34, 34, 18, 12])
    sheet.append([_cell(sheet, _("Top volunteers"), bold=True)])
    _header(sheet, [_("Rank"), _("Volunteer"), _("Village"), _("Households reached"), _("Visits")])
    for rank, line in enumerate(report.top_volunteers, start=1):
        sheet.append(
            [
                _cell(sheet, rank),
                _cell(sheet, line.name),
                _cell(sheet, line.village),
                _cell(sheet, line.households, WHOLE),
                _cell(sheet, line.visits, WHOLE),
            ]
        )
    sheet.append([])
    sheet.append([_cell(sheet, _("Top teams"), bold=True)])
    _header(sheet, [_("Rank"), _("Team"), _("Commune"), _("Households reached"), _("Coverage")])
    for rank, line in enumerate(report.top_teams, start=1):
        sheet.append(
            [
                _cell(sheet, rank),
                _cell(sheet, _("Team of %(village)s", village=line.name)),
                _cell(sheet, line.commune),
                _cell(sheet, line.households, WHOLE),
                _cell(sheet, line.coverage, RATIO),
            ]
        )


def periodic_xlsx(report: PeriodicReport, actor: str, exported_at: datetime) -> bytes:
    book = Workbook(write_only=True)
    _figures_sheet(book, report, actor, exported_at)
    _skills_sheet(book, report)
    _villages_sheet(book, _("Fell behind"), report.behind, with_last=False)
    _villages_sheet(book, _("No visit"), report.no_visit, with_last=True)
    _rankings_sheet(book, report)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
