"""The indicators as CSV (UTF-8 with BOM) and XLSX: one row for the place, then one per child
place or village; the same numbers as the page and the API. Rates are ratios (XLSX shows them
as percentages), goals too; an empty goal cell means none is set."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from ..models import GOAL_INDICATORS
from .queries import ADDITIVE
from .services import RATE_LABELS, IndicatorReport, IndicatorRow

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def figure_labels() -> dict[str, str]:
    return {
        "profiled_households": _("Households with a profile"),
        "adults": _("People aged 15 or more"),
        "members_profiled": _("Members (health record known)"),
        "smartphone_adults": _("Adults with a smartphone"),
        "smartphone_base": _("Adults (smartphone known)"),
        "vneid_level2": _("Adults with VNeID level 2"),
        "vneid_base": _("Adults (VNeID known)"),
        "payment_adults": _("Adults with a payment account"),
        "payment_base": _("Adults (payment account known)"),
        "health_record": _("People with an electronic health record"),
        "broadband_yes": _("Households with fixed broadband"),
        "broadband_known": _("Households (broadband known)"),
    }


def _columns(report: IndicatorReport) -> list[tuple[str, str, str]]:
    """(header, key, kind) with kind text, int or ratio."""
    labels = figure_labels()
    columns = [(_("Code"), "code", "text"), (_("Place"), "name", "text")]
    columns += [(labels[name], name, "int") for name in ADDITIVE]
    goal_word, change_word = _("goal"), _("Change")
    for rate in GOAL_INDICATORS:
        columns.append((f"{RATE_LABELS[rate]} (%)", rate, "ratio"))
        columns.append((f"{RATE_LABELS[rate]}: {goal_word}", f"goal:{rate}", "ratio"))
    if report.start is not None:
        columns += [
            (f"{change_word}: {labels.get(name) or RATE_LABELS[name]}", f"change:{name}", kind)
            for name, kind in [
                *((n, "int") for n in ADDITIVE),
                *((r, "ratio") for r in GOAL_INDICATORS),
            ]
        ]
    return columns


def _value(row: IndicatorRow, key: str) -> Any:
    if key == "code":
        return row.place.code
    if key == "name":
        return row.place.name
    if key.startswith("goal:"):
        return row.goals[key[5:]].ratio
    if key.startswith("change:"):
        return (row.change or {}).get(key[7:])
    return row.figures[key]


def _rows(report: IndicatorReport) -> list[IndicatorRow]:
    return [report.totals, *report.rows]


def indicators_csv(report: IndicatorReport) -> Iterator[str]:
    columns = _columns(report)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header for header, _key, _kind in columns])
    for row in _rows(report):
        values = []
        for _header, key, kind in columns:
            value = _value(row, key)
            if kind == "ratio" and value is not None:
                value = round(value, 6)
            values.append(_safe(value) if kind == "text" else ("" if value is None else value))
        writer.writerow(values)
    yield BOM + buffer.getvalue()


def indicators_xlsx(report: IndicatorReport, info: list[tuple[str, str]]) -> bytes:
    columns = _columns(report)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Indicators"))
    sheet.freeze_panes = "C2"

    def text(value: str, bold: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        if bold:
            cell.font = Font(bold=True)
        return cell

    sheet.append([text(header, bold=True) for header, _key, _kind in columns])
    for row in _rows(report):
        cells = []
        for _header, key, kind in columns:
            value = _value(row, key)
            if kind == "text":
                cells.append(text(value or "", bold=row is report.totals))
                continue
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = "0.0%" if kind == "ratio" else "#,##0"
            cells.append(cell)
        sheet.append(cells)
    about = book.create_sheet(_("Filters"))
    for label, value in info:
        about.append([text(label, bold=True), text(value)])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
