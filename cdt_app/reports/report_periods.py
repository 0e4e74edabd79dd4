"""The period of a periodic report: a calendar month, quarter or year, its neighbours (the
previous period, the same period a year before) and its Vietnamese names ("Tháng 11/2026",
"Quý III/2026", "Năm 2026"); ``period``, ``year`` and ``number`` read from the query string."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from .periods import Period

KINDS = ("month", "quarter", "year")
ROMAN = ("I", "II", "III", "IV")
FIRST_YEAR = 2000  #: no report before this year
_COUNT = {"month": 12, "quarter": 4, "year": 1}


@dataclass(frozen=True, order=True)
class ReportPeriod:
    """A whole month (``number`` 1–12), quarter (1–4) or year (``number`` 1) of ``year``."""

    kind: str
    year: int
    number: int = 1

    @property
    def start(self) -> date:
        if self.kind == "month":
            return date(self.year, self.number, 1)
        if self.kind == "quarter":
            return date(self.year, 3 * self.number - 2, 1)
        return date(self.year, 1, 1)

    @property
    def end(self) -> date:
        last_month = {"month": self.number, "quarter": 3 * self.number, "year": 12}[self.kind]
        return date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def shifted(self, steps: int) -> ReportPeriod:
        """The period ``steps`` periods of the same kind later (earlier when negative)."""
        count = _COUNT[self.kind]
        index = self.year * count + (self.number - 1) + steps
        return ReportPeriod(self.kind, index // count, index % count + 1)

    def previous(self) -> ReportPeriod:
        """The period just before: January's is December of the year before, Q1's is Q4."""
        return self.shifted(-1)

    def year_before(self) -> ReportPeriod:
        """The same period of the year before."""
        return ReportPeriod(self.kind, self.year - 1, self.number)

    def as_period(self, approved_only: bool = False) -> Period:
        """The coverage period of these dates (cdt_app.reports.periods)."""
        return Period(start=self.start, end=self.end, approved_only=approved_only, preset="custom")

    def is_over(self, today: date) -> bool:
        return self.end < today

    @property
    def code(self) -> str:
        """2026-11, 2026-Q3 or 2026 (file names, the API)."""
        if self.kind == "month":
            return f"{self.year}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.number}"
        return str(self.year)

    def label(self) -> str:
        """Tháng 11/2026, Quý III/2026, Năm 2026 (a heading, a choice)."""
        if self.kind == "month":
            return _("Month %(month)s/%(year)s", month=self.number, year=self.year)
        if self.kind == "quarter":
            return _("Quarter %(quarter)s/%(year)s", quarter=ROMAN[self.number - 1], year=self.year)
        return _("Year %(year)s", year=self.year)

    def in_text(self, beside: ReportPeriod | None = None) -> str:
        """tháng 11/2026, quý III/2026, năm 2026 inside a sentence; next to ``beside`` of the
        same year, a month or quarter goes without its year ("so với tháng 10")."""
        same_year = beside is not None and beside.year == self.year and self.kind != "year"
        if self.kind == "month":
            if same_year:
                return _("month %(month)s", month=self.number)
            return _("month %(month)s/%(year)s", month=self.number, year=self.year)
        if self.kind == "quarter":
            if same_year:
                return _("quarter %(quarter)s", quarter=ROMAN[self.number - 1])
            return _("quarter %(quarter)s/%(year)s", quarter=ROMAN[self.number - 1], year=self.year)
        return _("year %(year)s", year=self.year)


def latest_full_period(kind: str, today: date) -> ReportPeriod:
    """The last period of ``kind`` that is over (the report usually written)."""
    return current_period(kind, today).previous()


def current_period(kind: str, today: date) -> ReportPeriod:
    if kind == "month":
        return ReportPeriod("month", today.year, today.month)
    if kind == "quarter":
        return ReportPeriod("quarter", today.year, (today.month - 1) // 3 + 1)
    return ReportPeriod("year", today.year)


def _whole(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= 4:
        return int(raw)
    return None


def parse_report_period(args: MultiDict, today: date) -> tuple[ReportPeriod, dict[str, str]]:
    """``period`` (month|quarter|year), ``year`` and ``number`` (the month 1–12 or the quarter
    1–4; the page's form sends it as ``month`` or ``quarter``). Nothing given: the last whole
    month. A bad value comes back as a Vietnamese message, with the last whole period of the
    kind asked for (or month) in its place. A period that has not begun is refused."""
    errors: dict[str, str] = {}
    kind = (args.get("period") or "month").strip()
    if kind not in KINDS:
        errors["period"] = _("Please choose a month, a quarter or a year.")
        kind = "month"
    fallback = latest_full_period(kind, today)
    if not any(args.get(key) for key in ("year", "number", "month", "quarter")):
        return fallback, errors
    year = _whole(args.get("year")) if args.get("year") else fallback.year
    if year is None or not FIRST_YEAR <= year <= today.year:
        errors["year"] = _(
            "Please choose a year from %(first)s to %(last)s.", first=FIRST_YEAR, last=today.year
        )
        return fallback, errors
    number = 1
    if kind != "year":
        raw = args.get("number") or args.get(kind)
        number = _whole(raw) if raw else fallback.number
        if number is None or not 1 <= number <= _COUNT[kind]:
            if kind == "month":
                errors["number"] = _("Please choose a month from 1 to 12.")
            else:
                errors["number"] = _("Please choose a quarter from I to IV.")
            return fallback, errors
    chosen = ReportPeriod(kind, year, number)
    if chosen.start > today:
        errors["number"] = _("This period has not begun yet.")
        return fallback, errors
    return chosen, errors
