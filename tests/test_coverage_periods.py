"""The per-visit period rows (previous visit's date) answer any period exactly like the raw rows.

Hypothesis draws random trees, households and visits (tests/test_coverage.py's worlds), periods
of any start and end, approved-only or not, and sequences of writes: out-of-order inserts (a
visit dated before the household's other visits), edits of dates, deletes of visits and of
households, approvals and returns (one by one and in bulk), skill edits, household moves,
village merges, erasure. After each write the "periods" source must equal the raw
computation (and the plain-Python reference) for every place and level, and the rows kept
must equal both a fresh computation and the migration's backfill.
"""

from __future__ import annotations

import importlib.util
from datetime import date, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlmodel import Session

from cdt_app.errors import ValidationError
from cdt_app.models import CoverageVisit, CoverageVisitSkill, Household, Place
from cdt_app.privacy.services import anonymise_household
from cdt_app.reports.period_rows import (
    SKILL_COLUMNS,
    VISIT_COLUMNS,
    skill_rows_select,
    visit_rows_select,
)
from cdt_app.reports.periods import Period
from cdt_app.reports.queries import coverage_report
from tests.test_coverage import (
    BASE,
    OPERATIONS,
    SETTINGS,
    _apply,
    build,
    figures,
    periods,
    reference,
    world_specs,
)

MIGRATION = (
    Path(__file__).resolve().parent.parent
    / "cdt_app/migrations/versions/0005_period_previous_visit.py"
)

#: periods of every shape: any start (or none) and end, approved only or not
any_periods = st.builds(
    lambda start, length, approved: Period(
        start=None if start is None else BASE + timedelta(days=start),
        end=BASE + timedelta(days=(start if start is not None else -50) + length),
        approved_only=approved,
        preset="custom",
    ),
    st.one_of(st.none(), st.integers(-50, 8)),
    st.integers(0, 60),
    st.booleans(),
)


def _rows(report) -> list:
    return [(row.id, figures(row.figures)) for row in [report.place, *report.rows]]


@SETTINGS
@given(spec=world_specs(), period=st.one_of(periods, any_periods))
def test_period_rows_equal_the_reference_for_any_period(db, spec, period):
    world = build(db, spec)
    by_id = {p.id: p for p in world.places}
    for place in world.places:
        for level in ("children", "villages"):
            fast = coverage_report(db, place, period, level, source="periods", today=BASE)
            for row in [fast.place, *fast.rows]:
                assert figures(row.figures) == reference(world, by_id[row.id], period)
            raw = coverage_report(db, place, period, level, source="raw", today=BASE)
            assert _rows(fast) == _rows(raw)


def test_auto_reads_the_period_rows_for_a_period_not_starting_on_the_first(db):
    world = build(db, next_spec())
    report = coverage_report(db, world.province, Period(BASE - timedelta(days=3), BASE))
    assert report.source == "periods"


def next_spec():
    from tests.test_coverage import VisitSpec, WorldSpec

    return WorldSpec(
        communes=[(False, [5, None])],
        households=[(0, False), (1, False)],
        visits=[
            VisitSpec(0, 0, -5, "approved", False, 2, {"vneid": True}),
            VisitSpec(0, 1, -1, "submitted", False, 1, {"vneid": False}),
            VisitSpec(1, 2, -2, "approved", False, 3, {"dvc": True}),
        ],
    )


def kept_rows(db: Session) -> tuple[list, list]:
    visit_columns = [CoverageVisit.__table__.c[name] for name in VISIT_COLUMNS]
    skill_columns = [CoverageVisitSkill.__table__.c[name] for name in SKILL_COLUMNS]
    visits = sorted(tuple(r) for r in db.execute(select(*visit_columns)).all())
    skills = sorted(tuple(r) for r in db.execute(select(*skill_columns)).all())
    return visits, skills


def fresh_rows(db: Session) -> tuple[list, list]:
    return (
        sorted(tuple(r) for r in db.execute(visit_rows_select()).all()),
        sorted(tuple(r) for r in db.execute(skill_rows_select()).all()),
    )


def backfilled_rows(db: Session) -> tuple[list, list]:
    """What migration 0005 would write for the rows of now (run inside a rolled-back
    savepoint)."""
    spec = importlib.util.spec_from_file_location("period_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with db.begin_nested() as savepoint:
        db.execute(CoverageVisitSkill.__table__.delete())
        db.execute(CoverageVisit.__table__.delete())
        migration.backfill(db.connection())
        rows = kept_rows(db)
        savepoint.rollback()
    return rows


def _normalise(rows: tuple[list, list]) -> tuple[list, list]:
    """Booleans as 0/1 and identifiers as text, whatever the engine returns."""

    def plain(value):
        if isinstance(value, bool):
            return int(value)
        if value is None or isinstance(value, (int, date)):
            return value
        return str(value).replace("-", "")

    return tuple(sorted(tuple(plain(v) for v in row) for row in part) for part in rows)


def _anonymise(db: Session, pick: int) -> None:
    households = list(db.scalars(select(Household).order_by(Household.id)))
    if households:
        anonymise_household(db, None, households[pick % len(households)])
        db.commit()


@SETTINGS
@given(
    spec=world_specs(),
    operations=st.lists(
        st.one_of(
            OPERATIONS.map(lambda ops: ops[0]),
            st.tuples(st.just("anonymise"), st.integers(0, 1000)),
        ),
        min_size=1,
        max_size=8,
    ),
    checked=st.lists(any_periods, min_size=1, max_size=3),
)
def test_period_rows_stay_equal_to_raw_rows_after_any_writes(app, db, spec, operations, checked):
    world = build(db, spec)
    assert len(VISIT_COLUMNS) == len(CoverageVisit.__table__.c)
    assert len(SKILL_COLUMNS) == len(CoverageVisitSkill.__table__.c)
    for operation, pick in operations:
        if operation == "anonymise":
            _anonymise(db, pick)
        else:
            try:
                _apply(app, db, world, operation, pick)
            except ValidationError:  # refused (an erased household cannot be edited)
                db.rollback()
        db.expire_all()
        kept = kept_rows(db)
        assert _normalise(kept) == _normalise(fresh_rows(db)), operation
        assert _normalise(kept) == _normalise(backfilled_rows(db)), operation
        province = db.get(Place, world.province.id)
        for period in checked:
            fast = coverage_report(db, province, period, "villages", source="periods", today=BASE)
            raw = coverage_report(db, province, period, "villages", source="raw", today=BASE)
            assert _rows(fast) == _rows(raw), (operation, period)
