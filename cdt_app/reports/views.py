"""Coverage page, exports (CSV, XLSX, raw visits) and the targets form."""

from __future__ import annotations

from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import get_engine, get_session, new_session
from ..forms import form_transaction
from ..i18n import fmt_number, skill_name, today_local
from ..indicators.charts import place_bars, trend_line
from ..indicators.services import RATE_LABELS, indicator_section
from ..models import Place, utcnow
from ..permissions import (
    can_manage_reports,
    can_view_periodic_reports,
    can_view_reports,
    requires,
)
from ..places.services import ancestors_of
from ..scope import get_place_or_404, place_in_area, place_or_own_or_404
from ..values import parse_page
from .chart import coverage_bar
from .export_queries import export_lookups, hierarchy_names
from .exports import (
    coverage_csv,
    coverage_xlsx,
    filters_rows,
    period_text,
    raw_visits_csv,
    raw_visits_headers,
    status_labels,
)
from .filters import Filters, load_report, parse_filters
from .formatting import number_formatters
from .forms import CoverageFilterForm, targets_form
from .periodic import COMPARED, periodic_report
from .periodic import REPORT_LEVELS as PERIODIC_LEVELS
from .periodic_filters import parse_periodic, periodic_form, periodic_place_or_404, report_places
from .periodic_text import (
    behind_rule,
    change_text,
    date_line,
    figure_label,
    figure_text,
    issuing_body,
    summary,
    title,
    villages_text,
)
from .periodic_xlsx import periodic_xlsx
from .periods import PRESETS, preset_period
from .queries import coverage_report
from .rows import CoverageReport
from .services import record_export, set_targets, villages_of
from .sorting import SKILL_SORT_PARTS, SORT_COLUMNS, sort_rows, valid_sort

bp = Blueprint("reports", __name__, url_prefix="/reports")
PERIODIC_SHOWN = 20  #: villages listed on the periodic report's page (the XLSX has them all)
#: places listed on one page of the coverage page (a province's 124 communes: 4 pages, each
#: well under 100 KB of HTML); the exports have them all
PLACES_PER_PAGE = 40


def _sorted_rows(filters: Filters, report: CoverageReport):
    if not valid_sort(filters.sort, report.skills):
        filters.sort, filters.descending = "name", False
    return sort_rows(report.rows, filters.sort, filters.descending)


def _sort_options(report: CoverageReport) -> list[tuple[str, str]]:
    labels = {
        "name": _("Name"),
        "target_households": _("Target households"),
        "registered_households": _("Registered households"),
        "reached_households": _("Households reached"),
        "coverage": _("Coverage"),
        "visits": _("Visits"),
        "people_taught": _("People taught"),
        "active_volunteers": _("Active volunteers"),
        "last_visit_on": _("Last visit"),
    }
    options = [(column, labels[column]) for column in SORT_COLUMNS]
    parts = {
        "reached": _("households reached"),
        "completed": _("households completed"),
        "coverage": _("coverage"),
    }
    for skill in report.skills:
        for part in SKILL_SORT_PARTS:
            options.append((f"skill:{skill.code}:{part}", f"{skill_name(skill)}: {parts[part]}"))
    return options


@bp.get("/coverage")
@login_required
@requires(can_view_reports)
def coverage():
    filters = parse_filters(request.args)
    session = get_session()
    place, report = load_report(session, current_user, filters, "children")
    rows = _sorted_rows(filters, report)
    pages = max(1, -(-len(rows) // PLACES_PER_PAGE))
    page = min(parse_page(request.args.get("page")), pages)
    trail = [p for p in ancestors_of(session, place) if place_in_area(session, current_user, p)]
    presets = {
        "month": _("This month"),
        "quarter": _("This quarter"),
        "year": _("This year"),
        "all": _("All time"),
    }
    custom = report.period.preset == "custom"
    form = CoverageFilterForm(
        data={
            "date_from": report.period.start if custom else None,
            "date_to": report.period.end if custom else None,
            "approved_only": report.period.approved_only,
            "sort": filters.sort,
            "direction": "desc" if filters.descending else "asc",
        }
    )
    form.sort.choices = _sort_options(report)
    num, pct = number_formatters()
    return render_template(
        "reports/coverage.html",
        form=form,
        num=num,
        pct=pct,
        place=place,
        report=report,
        rows=rows[(page - 1) * PLACES_PER_PAGE : page * PLACES_PER_PAGE],
        row_count=len(rows),
        first_number=(page - 1) * PLACES_PER_PAGE + 1,
        page=page,
        pages=pages,
        filters=filters,
        trail=trail,
        presets=[(key, presets[key]) for key in PRESETS],
        bar=coverage_bar,
        open_all=request.args.get("open") == "1",
        period_label=period_text(report.period),
        can_manage=can_manage_reports(current_user),
        exported_at=utcnow(),
        periodic_place=place.id
        if can_view_periodic_reports(current_user) and place.level in PERIODIC_LEVELS
        else None,
        **_indicators_context(session, place, report),
    )


def _indicators_context(session, place: Place, report: CoverageReport) -> dict:
    """The digital-society indicators on the period's last day (cdt_app.indicators)."""
    period = report.period
    args = {"place": place.id, "on": period.end.isoformat()}
    if period.start:
        args["from"] = period.start.isoformat()
    return {
        "indicators": indicator_section(session, place, period.end, period.start),
        "indicator_rates": list(RATE_LABELS.items()),
        "indicator_args": args,
        "trend": trend_line,
        "bars": lambda rows, rate: place_bars(
            [(row.figures[rate], row.goals[rate].ratio) for row in rows]
        ),
        "num_1": lambda value: fmt_number(value, 1),
        "signed": lambda value: ("+" if value > 0 else "") + fmt_number(value, 1),
    }


def _coverage_filename(place: Place, extension: str, level: str) -> str:
    """do-bao-phu-<code>[-thon]-<yyyymmdd>.<extension> ("-thon": one row per village)."""
    suffix = "-thon" if level == "villages" else ""
    stamp = today_local().strftime("%Y%m%d")
    return f"do-bao-phu-{place.code or place.id}{suffix}-{stamp}.{extension}"


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"}


def _audit_export(place: Place, export: str, filters: Filters, **details) -> None:
    """Log the export in its own short write transaction (this request only reads)."""
    with new_session() as session:
        record_export(
            session,
            current_user,
            place,
            export,
            {
                "level": filters.level,
                "from": filters.period.start.isoformat() if filters.period.start else None,
                "to": filters.period.end.isoformat(),
                "approved_only": filters.period.approved_only,
                **details,
            },
        )
        session.commit()


def _level_label(level: str) -> str:
    return _("All villages") if level == "villages" else _("Places directly under it")


def _export_report():
    """The filters, place, report, sorted rows and hierarchy names an export writes out."""
    filters = parse_filters(request.args)
    if filters.errors:
        abort(400)
    place, report = load_report(get_session(), current_user, filters)
    rows = _sorted_rows(filters, report)
    hierarchy = hierarchy_names(get_session(), place, [*rows, report.place])
    return filters, place, report, rows, hierarchy


@bp.get("/coverage.csv")
@login_required
@requires(can_view_reports)
def coverage_csv_export():
    filters, place, report, rows, hierarchy = _export_report()
    _audit_export(place, "coverage.csv", filters, rows=len(rows))
    return Response(
        stream_with_context(coverage_csv(report, rows, hierarchy)),
        mimetype="text/csv",
        headers=_attachment(_coverage_filename(place, "csv", filters.level)),
    )


@bp.get("/coverage.xlsx")
@login_required
@requires(can_view_reports)
def coverage_xlsx_export():
    filters, place, report, rows, hierarchy = _export_report()
    exported_at = utcnow()
    actor = current_user.display_name or current_user.username
    content = coverage_xlsx(
        report,
        rows,
        hierarchy,
        filters_rows(report, _level_label(filters.level), actor, exported_at),
    )
    _audit_export(place, "coverage.xlsx", filters, rows=len(rows))
    return Response(
        content,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=_attachment(_coverage_filename(place, "xlsx", filters.level)),
    )


@bp.get("/visits.csv")
@login_required
@requires(can_manage_reports)
def visits_csv_export():
    """Every counted visit under the place, one line per visit and skill, streamed."""
    filters = parse_filters(request.args)
    if filters.errors:
        abort(400)
    session = get_session()
    place = place_or_own_or_404(session, current_user, filters.place_id)
    full_phones = request.args.get("phones") == "full"
    lookups = export_lookups(session, place)
    _audit_export(place, "visits.csv", filters, phones="full" if full_phones else "masked")
    labels = {"status": status_labels(), "yes": _("Yes"), "no": _("No")}
    body = raw_visits_csv(
        get_engine(),
        place,
        filters.period,
        lookups,
        raw_visits_headers(),
        labels,
        full_phones,
    )
    stamp = today_local().strftime("%Y%m%d")
    return Response(
        body,
        mimetype="text/csv",
        headers=_attachment(f"luot-huong-dan-{place.code or place.id}-{stamp}.csv"),
    )


def _periodic():
    """The filters, place and report of the periodic report the request asks for."""
    filters = parse_periodic(request.args)
    session = get_session()
    place = periodic_place_or_404(session, current_user, filters.place_id)
    report = periodic_report(session, place, filters.period, filters.approved_only)
    return filters, place, report


@bp.get("/periodic")
@login_required
@requires(can_view_periodic_reports)
def periodic():
    """The periodic report of a commune or the province for a month, a quarter or a year."""
    filters, place, report = _periodic()
    today = report.today
    form = periodic_form(filters, place, report_places(get_session(), current_user), today)
    return render_template(
        "reports/periodic.html",
        filters=filters,
        form=form,
        report=report,
        summary=summary(report),
        title=title(report),
        issuer=issuing_body(report.place),
        date_line=date_line(report.place, today),
        behind_rule=behind_rule(report),
        labels={key: figure_label(key, report) for key in COMPARED},
        figure=figure_text,
        change=change_text,
        shown=PERIODIC_SHOWN,
        villages_text=villages_text,
        author=current_user.display_name or current_user.username,
        earlier=filters.query_args(report.period.previous()),
        later=filters.query_args(report.period.shifted(1))
        if report.period.shifted(1).start <= today
        else None,
    )


@bp.get("/periodic.xlsx")
@login_required
@requires(can_view_periodic_reports)
def periodic_xlsx_export():
    filters, place, report = _periodic()
    if filters.errors:
        abort(400)
    content = periodic_xlsx(report, current_user.display_name or current_user.username, utcnow())
    with new_session() as session:
        record_export(
            session,
            current_user,
            place,
            "periodic.xlsx",
            {"period": report.period.code, "approved_only": filters.approved_only},
        )
        session.commit()
    stamp = today_local().strftime("%Y%m%d")
    return Response(
        content,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=_attachment(f"bao-cao-{place.code or place.id}-{report.period.code}-{stamp}.xlsx"),
    )


@bp.route("/targets/<int:place_id>", methods=["GET", "POST"])
@login_required
@requires(can_manage_reports)
def targets(place_id: int):
    """The target households of each village directly under a commune (or any place)."""
    session = get_session()
    place = get_place_or_404(session, current_user, place_id)
    villages = villages_of(session, place)
    form = targets_form(villages)
    if form.validate_on_submit():
        values = {v.id: form[f"target_{v.id}"].data for v in villages}
        with form_transaction(form) as outcome:
            changed = set_targets(session, current_user, place, values)
        if outcome.ok:
            flash(_("Targets saved: %(count)d changed.", count=changed), "success")
            return redirect(url_for("reports.targets", place_id=place.id))
    registered = {
        row.id: row.figures.registered_households
        for row in coverage_report(
            session, place, preset_period("all"), "children", source="aggregates"
        ).rows
    }
    return render_template(
        "reports/targets.html",
        place=place,
        form=form,
        villages=villages,
        registered=registered,
    )


@bp.cli.command("rebuild")
def rebuild_command() -> None:
    """Recompute every village's coverage aggregates from the raw rows (after an upgrade that
    creates the aggregate tables, or after writes made with raw SQL)."""
    import click

    from .aggregates import rebuild_all

    with new_session() as session:
        count = rebuild_all(session)
        session.commit()
    click.echo(f"Đã tính lại số liệu độ bao phủ của {count} thôn, khu phố.")
