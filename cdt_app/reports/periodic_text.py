"""The words of the periodic report: the generated summary paragraph, the changes ("+8,2%",
"−1,5 điểm %"), the issuing body ("UBND XÃ AN BÌNH") and the date line of a Vietnamese
administrative document ("An Bình, ngày 01 tháng 12 năm 2026"). Numbers in the request's
locale (Vietnamese: 1.234,5)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext

from ..i18n import fmt_date, fmt_number, fmt_percent, skill_name
from ..models import PLACE_KINDS
from .periodic import Change, PeriodicReport
from .rows import PlaceRow

MINUS = "\u2212"


def _sign(value: float) -> str:
    return "+" if value > 0 else (MINUS if value < 0 else "")


def signed_number(value: float) -> str:
    """+937, −12, 0."""
    return _sign(value) + fmt_number(abs(value))


def signed_percent(ratio: float | None) -> str:
    """+8,2%, −3,1%, 0,0%; a dash when there is nothing to compare with."""
    if ratio is None:
        return "–"
    return _sign(round(ratio, 3)) + fmt_percent(abs(ratio))


def signed_points(difference: float) -> str:
    """A change of coverage in percentage points: +1,2 điểm %."""
    points = round(difference * 100, 1)
    return _("%(change)s pp", change=_sign(points) + fmt_number(abs(points), 1))


def change_text(key: str, change: Change) -> str:
    """The change shown next to a figure: +937 (+8,2%); coverage: +1,2 điểm %."""
    if key == "coverage":
        return signed_points(change.absolute)
    if change.relative is None:
        return signed_number(change.absolute)
    return f"{signed_number(change.absolute)} ({signed_percent(change.relative)})"


def figure_text(key: str, value: float) -> str:
    return fmt_percent(value) if key == "coverage" else fmt_number(value)


def figure_label(key: str, report: PeriodicReport) -> str:
    labels = {
        "reached_households": _("Households reached"),
        "coverage": _("Coverage"),
        "visits": _("Visits"),
        "people_taught": _("People taught"),
        "active_volunteers": _("Active volunteers"),
    }
    if key.startswith("skill:"):
        skill = next(s for s in report.skills if s.code == key[6:])
        return skill_name(skill)
    return labels[key]


# --- the document's header and date line ---------------------------------------------------


def short_name(place: PlaceRow) -> str:
    """The name without its kind ("Xã An Bình" → "An Bình"), for the date line."""
    kind = PLACE_KINDS.get(place.kind, ("", ""))[1]
    if kind and place.name.casefold().startswith(kind.casefold() + " "):
        return place.name[len(kind) + 1 :]
    return place.name


def issuing_body(place: PlaceRow) -> str:
    """UBND XÃ AN BÌNH: the people's committee of the place, in capitals."""
    kind = PLACE_KINDS.get(place.kind, ("", ""))[1]
    return _("PEOPLE'S COMMITTEE OF %(place)s", place=f"{kind} {short_name(place)}".strip().upper())


def official_date(day: date) -> str:
    """ngày 01 tháng 12 năm 2026: days below 10 and the months 1 and 2 with a leading zero
    (Nghị định 30/2020/NĐ-CP)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return _("%(day)s/%(month)s/%(year)s", day=f"{day.day:02d}", month=month, year=day.year)


def date_line(place: PlaceRow, day: date) -> str:
    return _("%(place)s, %(date)s", place=short_name(place), date=official_date(day))


def title(report: PeriodicReport) -> str:
    """Kết quả hoạt động của các Tổ công nghệ số cộng đồng tháng 11/2026."""
    return _(
        "The work of the community digital-technology teams in %(period)s",
        period=report.period.in_text(),
    )


def behind_rule(report: PeriodicReport) -> str:
    """What "fell behind" means, with the figures of this report."""
    return _(
        "A village fell behind when it had visits in the period but its coverage in the "
        "period is below half of the whole area's (%(threshold)s, half of %(coverage)s); lowest "
        "first.",
        threshold=fmt_percent(report.behind_threshold),
        coverage=fmt_percent(report.current.coverage),
    )


def area_subject(place: PlaceRow) -> str:
    """toàn xã, toàn phường, toàn tỉnh…: the whole place, inside a sentence."""
    kind = PLACE_KINDS.get(place.kind, ("", place.name))[1].lower()
    return _("the whole %(kind)s", kind=kind)


# --- the summary paragraph -----------------------------------------------------------------


def _households(n: int) -> str:
    return ngettext("%(n)s household", "%(n)s households", n, n=fmt_number(n))


def villages_text(n: int) -> str:
    """3 thôn, khu phố."""
    return ngettext(
        "%(n)s village or neighbourhood", "%(n)s villages or neighbourhoods", n, n=fmt_number(n)
    )


def _against(report: PeriodicReport, against: str) -> str:
    """+8,2% so với tháng 10 / bằng tháng 10 / tháng 10 chưa có hộ nào được hướng dẫn."""
    if against == "previous":
        other = report.previous.in_text(report.period)
    else:
        other = _("the same period of %(year)s", year=report.year_before.year)
    change = report.change("reached_households", against)
    if change.relative is None:
        return _("%(period)s: none", period=other)
    if change.absolute == 0:
        return _("the same as %(period)s", period=other)
    return _("%(change)s on %(period)s", change=signed_percent(change.relative), period=other)


def _comparisons(report: PeriodicReport) -> str:
    """What the households reached compare with, inside the brackets of the first sentence."""
    if all(
        report.change("reached_households", a).relative is None for a in ("previous", "year_before")
    ):
        return _(
            "%(previous)s and %(year)s: none",
            previous=report.previous.in_text(report.period),
            year=_("the same period of %(year)s", year=report.year_before.year),
        )
    return f"{_against(report, 'previous')}; {_against(report, 'year_before')}"


def _reached_sentence(report: PeriodicReport) -> str:
    period = report.period.in_text()
    if not report.over:
        period = _("%(period)s (up to %(date)s)", period=period, date=fmt_date(report.today))
    subject = area_subject(report.place)
    reached = report.current.reached_households
    if not reached:
        before = report.before.reached_households
        if not before:
            return _(
                "In %(period)s, %(subject)s reached no household.", period=period, subject=subject
            )
        return _(
            "In %(period)s, %(subject)s reached no household (%(previous)s: %(before)s).",
            period=period,
            subject=subject,
            previous=report.previous.in_text(report.period),
            before=_households(before),
        )
    return _(
        "In %(period)s, %(subject)s reached %(households)s (%(comparisons)s), "
        "a coverage of %(coverage)s of the target households.",
        period=period,
        subject=subject,
        households=_households(reached),
        comparisons=_comparisons(report),
        coverage=fmt_percent(report.current.coverage),
    )


def _work_sentence(report: PeriodicReport) -> str:
    f = report.current
    if not f.visits:
        return ""
    return _(
        "The teams made %(visits)s for %(people)s, with %(volunteers)s taking part.",
        visits=ngettext("%(n)s visit", "%(n)s visits", f.visits, n=fmt_number(f.visits)),
        people=ngettext(
            "%(n)s person", "%(n)s people", f.people_taught, n=fmt_number(f.people_taught)
        ),
        volunteers=ngettext(
            "%(n)s volunteer",
            "%(n)s volunteers",
            f.active_volunteers,
            n=fmt_number(f.active_volunteers),
        ),
    )


def _skill_sentence(report: PeriodicReport) -> str:
    reached = [(report.current.skills[s.code].reached, s) for s in report.skills]
    reached = [(n, s) for n, s in reached if n]
    if not reached:
        return ""
    n, skill = max(reached, key=lambda pair: pair[0])
    return _(
        "The skill taught most was “%(skill)s” (%(households)s).",
        skill=skill_name(skill),
        households=_households(n),
    )


def _villages_sentence(report: PeriodicReport) -> str:
    behind, idle = len(report.behind), len(report.no_visit)
    if not report.villages:
        return ""
    if behind and idle:
        return _(
            "%(behind)s fell behind and %(idle)s had no visit in the period.",
            behind=villages_text(behind),
            idle=villages_text(idle),
        )
    if behind:
        return _(
            "%(behind)s fell behind; every village had a visit in the period.",
            behind=villages_text(behind),
        )
    if idle:
        return _(
            "%(idle)s had no visit in the period; no village fell behind.", idle=villages_text(idle)
        )
    return _("Every village had a visit in the period and none fell behind.")


def summary(report: PeriodicReport) -> str:
    """The generated paragraph at the top of the report."""
    sentences = (
        _reached_sentence(report),
        _work_sentence(report),
        _skill_sentence(report),
        _villages_sentence(report),
    )
    return " ".join(sentence for sentence in sentences if sentence)
