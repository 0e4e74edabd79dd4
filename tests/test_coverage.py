"""Coverage figures (DESIGN section 7) proved against a reference model in plain Python.

Hypothesis draws random trees (with and without a district level), households (some deleted),
visits (every status, some deleted, several skills) and periods, and checks for every place:
the SQL figures equal the reference, every additive figure equals the sum over the children,
reached ≤ registered, approved-only ≤ all, and the per-village aggregates equal the raw rows
after any sequence of writes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update
from sqlmodel import Session, SQLModel

from cdt_app.households.services import household_payload, save_household
from cdt_app.models import (
    CoverageVillage,
    Household,
    Place,
    Skill,
    User,
    Visit,
    VisitSkill,
)
from cdt_app.places.services import PlaceInput, create_place, merge_villages
from cdt_app.reports import aggregates
from cdt_app.reports.periods import Period, preset_period
from cdt_app.reports.queries import coverage_report

BASE = date(2026, 3, 10)
CODES = ("vneid", "dvc", "payment")
ADDITIVE = (
    "target_households",
    "registered_households",
    "reached_households",
    "visits",
    "people_taught",
)
RARELY = (False, False, False, True)  #: deleted about one time in four
SETTINGS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- the random world -------------------------------------------------------------------------


@dataclass
class VisitSpec:
    household: int
    volunteer: int
    day: int
    status: str
    deleted: bool
    people: int
    skills: dict[str, bool]


@dataclass
class WorldSpec:
    communes: list[tuple[bool, list[int | None]]]  #: (under a district?, village targets)
    households: list[tuple[int, bool]]  #: (village index, deleted?)
    visits: list[VisitSpec]


@st.composite
def world_specs(draw) -> WorldSpec:
    communes = draw(
        st.lists(
            st.tuples(
                st.booleans(),
                st.lists(st.one_of(st.none(), st.integers(0, 12)), min_size=0, max_size=3),
            ),
            min_size=1,
            max_size=3,
        )
    )
    village_count = sum(len(targets) for _d, targets in communes)
    households = []
    if village_count:
        households = draw(
            st.lists(
                st.tuples(st.integers(0, village_count - 1), st.sampled_from(RARELY)),
                max_size=14,
            )
        )
    visits = []
    if households:
        visits = draw(
            st.lists(
                st.builds(
                    VisitSpec,
                    household=st.integers(0, len(households) - 1),
                    volunteer=st.integers(0, 2),
                    day=st.integers(-45, 6),
                    status=st.sampled_from(["submitted", "approved", "returned"]),
                    deleted=st.sampled_from(RARELY),
                    people=st.integers(1, 4),
                    skills=st.dictionaries(st.sampled_from(CODES), st.booleans(), min_size=1),
                ),
                max_size=30,
            )
        )
    return WorldSpec(communes, households, visits)


@dataclass
class World:
    province: Place
    places: list[Place] = field(default_factory=list)
    villages: list[Place] = field(default_factory=list)
    volunteers: list[User] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    skills_of: dict = field(default_factory=dict)  #: visit id → {code: completed}


def wipe(session: Session) -> None:
    """Empty every table but the skills catalogue."""
    for table in reversed(SQLModel.metadata.sorted_tables):
        if table.name != "skill":
            session.execute(table.delete())
    session.commit()
    session.expunge_all()  # ids are reused: forget the objects of the previous example


def build(session: Session, spec: WorldSpec) -> World:
    wipe(session)
    place = lambda **kw: create_place(session, None, PlaceInput(**kw))  # noqa: E731
    province = place(name="Tỉnh Thử", kind="tinh", code="T1")
    world = World(province=province, places=[province])
    for index, (in_district, targets) in enumerate(spec.communes):
        parent = province
        if in_district:
            parent = place(
                name=f"Huyện {index}", kind="huyen", code=f"H{index}", parent_id=province.id
            )
            world.places.append(parent)
        commune = place(name=f"Xã {index}", kind="xa", code=f"X{index}", parent_id=parent.id)
        world.places.append(commune)
        for number, target in enumerate(targets):
            village = place(
                name=f"Thôn {index}.{number}",
                kind="thon",
                parent_id=commune.id,
                target_households=target,
            )
            world.places.append(village)
            world.villages.append(village)
    for n in range(3):
        user = User(username=f"tnv{n}", password_hash="x", role="volunteer", place_id=province.id)
        session.add(user)
        world.volunteers.append(user)
    session.flush()
    for village_index, deleted in spec.households:
        household = Household(
            village_id=world.villages[village_index].id,
            head_name="Nguyễn Văn An",
            deleted_at=aggregates.utcnow() if deleted else None,
        )
        session.add(household)
        world.households.append(household)
    session.flush()
    skill_ids = dict(session.execute(select(Skill.code, Skill.id)).all())
    for visit_spec in spec.visits:
        household = world.households[visit_spec.household]
        visit = Visit(
            id=uuid.uuid4(),
            household_id=household.id,
            village_id=household.village_id,
            volunteer_id=world.volunteers[visit_spec.volunteer].id,
            visited_on=BASE + timedelta(days=visit_spec.day),
            people_taught=visit_spec.people,
            status=visit_spec.status,
            deleted_at=aggregates.utcnow() if visit_spec.deleted else None,
        )
        session.add(visit)
        world.visits.append(visit)
        world.skills_of[visit.id] = dict(visit_spec.skills)
    session.flush()
    for visit in world.visits:
        for code, completed in world.skills_of[visit.id].items():
            session.add(
                VisitSkill(visit_id=visit.id, skill_id=skill_ids[code], completed=completed)
            )
    session.commit()
    return world


# --- the reference model ----------------------------------------------------------------------


def reference(world: World, place: Place, period: Period) -> dict:
    """Section 7, literally, over the Python objects."""
    villages = [v for v in world.villages if v.path.startswith(place.path)]
    ids = {v.id for v in villages}
    live = {h.id: h for h in world.households if h.village_id in ids and h.deleted_at is None}
    registered_in = {v.id: sum(1 for h in live.values() if h.village_id == v.id) for v in villages}
    counted = [
        v
        for v in world.visits
        if v.village_id in ids
        and v.deleted_at is None
        and v.household_id in live
        and (period.start is None or v.visited_on >= period.start)
        and v.visited_on <= period.end
        and (not period.approved_only or v.status == "approved")
    ]
    target = sum(
        v.target_households if v.target_households is not None else registered_in[v.id]
        for v in villages
    )
    reached = len({v.household_id for v in counted})
    skills = {}
    for code in CODES:
        taught = [v for v in counted if code in world.skills_of[v.id]]
        skills[code] = {
            "reached": len({v.household_id for v in taught}),
            "completed": len({v.household_id for v in taught if world.skills_of[v.id][code]}),
        }
    return {
        "target_households": target,
        "registered_households": len(live),
        "reached_households": reached,
        "coverage": reached / target if target else 0.0,
        "visits": len(counted),
        "people_taught": sum(v.people_taught for v in counted),
        "active_volunteers": len({v.volunteer_id for v in counted}),
        "skills": skills,
        "last_visit_on": max((v.visited_on for v in counted), default=None),
    }


def figures(report_figures) -> dict:
    data = report_figures.as_api()
    data["skills"] = {code: data["skills"][code] for code in CODES}
    data["last_visit_on"] = report_figures.last_visit_on  # follows the period and the switch
    return data


periods = st.builds(
    lambda start, length, approved: Period(
        start=None if start is None else BASE + timedelta(days=start),
        end=BASE + timedelta(days=(start or -8) + length),
        approved_only=approved,
        preset="custom",
    ),
    st.one_of(st.none(), st.integers(-8, 8)),
    st.integers(0, 16),
    st.booleans(),
)


# --- properties -------------------------------------------------------------------------------


@SETTINGS
@given(spec=world_specs(), period=periods)
def test_figures_equal_the_reference_and_roll_up(db, spec, period):
    world = build(db, spec)
    for place in world.places:
        for level in ("children", "villages"):
            report = coverage_report(db, place, period, level, source="raw", today=BASE)
            assert figures(report.totals) == reference(world, place, period)
            for row in report.rows:
                child = next(p for p in world.places if p.id == row.id)
                assert figures(row.figures) == reference(world, child, period)
            if report.rows and level == "children":
                for name in ADDITIVE:
                    assert getattr(report.totals, name) == sum(
                        getattr(row.figures, name) for row in report.rows
                    ), name
                for code in CODES:
                    for part in ("reached", "completed"):
                        assert getattr(report.totals.skills[code], part) == sum(
                            getattr(row.figures.skills[code], part) for row in report.rows
                        )
            if level == "villages" and place.level != "village":
                assert {row.id for row in report.rows} == {
                    v.id for v in world.villages if v.path.startswith(place.path)
                }
            totals = report.totals
            assert totals.reached_households <= totals.registered_households
            assert totals.active_volunteers <= len(world.volunteers)
            for code in CODES:
                skill = totals.skills[code]
                assert skill.completed <= skill.reached <= totals.reached_households


@SETTINGS
@given(spec=world_specs(), period=periods)
def test_approved_only_never_exceeds_all_visits(db, spec, period):
    world = build(db, spec)
    everything = Period(period.start, period.end, approved_only=False)
    approved = Period(period.start, period.end, approved_only=True)
    for place in world.places:
        all_report = coverage_report(db, place, everything, source="raw", today=BASE)
        approved_report = coverage_report(db, place, approved, source="raw", today=BASE)
        for row_all, row_approved in zip(
            [all_report.place, *all_report.rows],
            [approved_report.place, *approved_report.rows],
            strict=True,
        ):
            a, b = row_all.figures, row_approved.figures
            for name in ("reached_households", "visits", "people_taught", "active_volunteers"):
                assert getattr(b, name) <= getattr(a, name)
            assert b.coverage <= a.coverage
            assert b.target_households == a.target_households
            for code in CODES:
                assert b.skills[code].reached <= a.skills[code].reached
                assert b.skills[code].completed <= a.skills[code].completed


@SETTINGS
@given(spec=world_specs(), approved=st.booleans())
def test_aggregates_equal_the_raw_rows(db, spec, approved):
    world = build(db, spec)
    period = Period(None, BASE + timedelta(days=6), approved_only=approved)
    for place in world.places:
        for level in ("children", "villages"):
            raw = coverage_report(db, place, period, level, source="raw", today=BASE)
            kept = coverage_report(db, place, period, level, source="aggregates", today=BASE)
            auto = coverage_report(db, place, period, level, today=BASE)
            assert auto.source == "aggregates"
            by_id = {p.id: p for p in world.places}
            for a, b in zip([raw.place, *raw.rows], [kept.place, *kept.rows], strict=True):
                assert figures(a.figures) == figures(b.figures)
                assert figures(b.figures) == reference(world, by_id[b.id], period)


MONTH_STARTS = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)]


@SETTINGS
@given(spec=world_specs(), start=st.sampled_from(MONTH_STARTS), approved=st.booleans())
def test_month_aggregates_equal_the_reference(db, spec, start, approved):
    """Presets start on the first of a month and end today: the month tables answer them."""
    world = build(db, spec)
    period = Period(start, BASE + timedelta(days=6), approved_only=approved, preset="month")
    by_id = {p.id: p for p in world.places}
    for place in world.places:
        for level in ("children", "villages"):
            auto = coverage_report(db, place, period, level, today=BASE)
            assert auto.source == "months"
            raw = coverage_report(db, place, period, level, source="raw", today=BASE)
            for a, b in zip([raw.place, *raw.rows], [auto.place, *auto.rows], strict=True):
                assert figures(b.figures) == reference(world, by_id[b.id], period)
                assert figures(a.figures) == figures(b.figures)


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "approve",
                "return",
                "delete_visit",
                "delete_household",
                "restore_household",
                "edit_skills",
                "move_visit_date",
                "bulk_approve",
                "merge",
                "move_household",
                "add_visit",
            ]
        ),
        st.integers(0, 1000),
    ),
    min_size=1,
    max_size=8,
)


def _apply(app, db: Session, world: World, operation: str, pick: int) -> None:
    visits = list(db.scalars(select(Visit).order_by(Visit.id)))
    households = list(db.scalars(select(Household).order_by(Household.id)))
    villages = [
        v for v in db.scalars(select(Place).where(Place.level == "village", Place.active.is_(True)))
    ]
    visit = visits[pick % len(visits)] if visits else None
    household = households[pick % len(households)] if households else None
    if operation == "approve" and visit is not None:
        visit.status = "approved"
    elif operation == "return" and visit is not None:
        visit.status = "returned"
    elif operation == "delete_visit" and visit is not None:
        visit.deleted_at = aggregates.utcnow()
    elif operation == "delete_household" and household is not None:
        household.deleted_at = aggregates.utcnow()
    elif operation == "restore_household" and household is not None:
        household.deleted_at = None
    elif operation == "edit_skills" and visit is not None:
        # the way the visits service edits: a bulk DELETE, then new rows
        db.execute(delete(VisitSkill).where(VisitSkill.visit_id == visit.id))
        skill = db.scalar(select(Skill).where(Skill.code == CODES[pick % 3]))
        db.add(VisitSkill(visit_id=visit.id, skill_id=skill.id, completed=pick % 2 == 0))
    elif operation == "move_visit_date" and visit is not None:
        visit.visited_on = BASE + timedelta(days=pick % 5 - 2)
    elif operation == "bulk_approve":
        db.execute(update(Visit).where(Visit.status == "submitted").values(status="approved"))
    elif operation == "merge" and len(villages) >= 2:
        source = villages[pick % len(villages)]
        target = villages[(pick + 1) % len(villages)]
        merge_villages(db, None, source, target)
    elif operation == "move_household" and household is not None and not household.deleted_at:
        # the households service: the household, then its visits by a bulk UPDATE
        payload = {**household_payload(household), "consent": True}
        payload["village_id"] = villages[pick % len(villages)].id
        with app.app_context():  # the service checks the user's area
            save_household(db, world.volunteers[0], payload, household)
    elif operation == "add_visit" and household is not None:
        new = Visit(
            household_id=household.id,
            village_id=household.village_id,
            volunteer_id=world.volunteers[pick % 3].id,
            visited_on=BASE - timedelta(days=pick % 7),
            people_taught=1 + pick % 3,
            status="submitted",
        )
        db.add(new)
        db.flush()
        skill = db.scalar(select(Skill).where(Skill.code == CODES[pick % 3]))
        db.add(VisitSkill(visit_id=new.id, skill_id=skill.id, completed=True))
    db.commit()


@SETTINGS
@given(spec=world_specs(), operations=OPERATIONS)
def test_aggregates_stay_equal_to_raw_rows_after_any_writes(app, db, spec, operations):
    world = build(db, spec)
    period = Period(None, BASE + timedelta(days=30))
    for operation, pick in operations:
        _apply(app, db, world, operation, pick)
        db.expire_all()
        province = db.get(Place, world.province.id)
        for approved in (False, True):
            for start, source in ((None, "aggregates"), (date(2026, 2, 1), "months")):
                checked = Period(start, period.end, approved_only=approved)
                raw = coverage_report(db, province, checked, "villages", source="raw", today=BASE)
                kept = coverage_report(db, province, checked, "villages", source=source, today=BASE)
                assert [(r.id, figures(r.figures)) for r in [raw.place, *raw.rows]] == [
                    (r.id, figures(r.figures)) for r in [kept.place, *kept.rows]
                ], (operation, source)


# --- examples ---------------------------------------------------------------------------------


def _small_world(db: Session) -> World:
    spec = WorldSpec(
        communes=[(False, [10, None])],
        households=[(0, False), (0, False), (1, False)],
        visits=[
            VisitSpec(0, 0, -5, "approved", False, 2, {"vneid": True}),
            VisitSpec(1, 1, 0, "submitted", False, 1, {"dvc": False}),
            VisitSpec(2, 2, 5, "approved", False, 3, {"vneid": False, "dvc": True}),
        ],
    )
    return build(db, spec)


def test_period_bounds_are_inclusive(db):
    world = _small_world(db)
    province = world.province
    on_edges = Period(BASE - timedelta(days=5), BASE + timedelta(days=5))
    inside = Period(BASE - timedelta(days=4), BASE + timedelta(days=4))
    assert coverage_report(db, province, on_edges, today=BASE).totals.visits == 3
    assert coverage_report(db, province, inside, today=BASE).totals.visits == 1
    one_day = Period(BASE, BASE)
    assert coverage_report(db, province, one_day, today=BASE).totals.reached_households == 1


def test_target_falls_back_to_registered_households(db):
    world = _small_world(db)
    report = coverage_report(db, world.province, preset_period("all", BASE + timedelta(days=5)))
    # village 0 has a target of 10; village 1 has none and 1 registered household
    assert report.totals.target_households == 11
    assert report.totals.villages_without_target == 1
    assert report.totals.reached_households == 3
    assert abs(report.totals.coverage - 3 / 11) < 1e-12


def test_coverage_is_zero_when_the_target_is_zero(db):
    build(db, WorldSpec(communes=[(False, [0])], households=[], visits=[]))
    province = db.scalar(select(Place).where(Place.code == "T1"))
    report = coverage_report(db, province, preset_period("all", BASE))
    assert report.totals.target_households == 0
    assert report.totals.coverage == 0.0


def test_a_visit_dated_after_the_period_end_switches_to_the_per_visit_rows(db):
    world = _small_world(db)  # one visit is dated BASE + 5
    report = coverage_report(db, world.province, Period(None, BASE), today=BASE)
    assert report.source == "periods"
    assert report.totals.visits == 2
    later = coverage_report(db, world.province, Period(None, BASE + timedelta(days=5)))
    assert later.source == "aggregates" and later.totals.visits == 3


def test_refresh_village_rebuilds_rows_written_behind_the_orm(db):
    world = _small_world(db)
    village = world.villages[0]
    # a raw write on the connection bypasses the session events
    db.connection().execute(
        Visit.__table__.update()
        .where(Visit.village_id == village.id)
        .values(deleted_at=None, status="returned")
    )
    aggregates.refresh_village(db, village.id)
    db.commit()
    row = db.get(CoverageVillage, village.id)
    assert row.visits_approved == 0 and row.visits_all == 2
    assert aggregates.rebuild_all(db) == len(world.villages)
    db.commit()


def test_stalled_villages_are_counted(db):
    world = _small_world(db)
    today = BASE + timedelta(days=40)
    report = coverage_report(db, world.province, preset_period("all", today), today=today)
    assert report.totals.stalled_villages == 2
    fresh = coverage_report(
        db,
        world.province,
        preset_period("all", BASE + timedelta(days=5)),
        today=BASE + timedelta(days=5),
    )
    assert fresh.totals.stalled_villages == 0


def test_concurrent_writers_to_one_village_lose_nothing(app, db):
    """Writers committing visits to the same village at the same time: the aggregates, locked
    and recomputed at each commit, still equal the raw rows."""
    import threading

    from cdt_app.db import new_session

    world = build(
        db,
        WorldSpec(communes=[(False, [50])], households=[(0, False)] * 6, visits=[]),
    )
    village_id = world.villages[0].id
    households = [h.id for h in world.households]
    volunteers = [u.id for u in world.volunteers]
    vneid = db.scalar(select(Skill.id).where(Skill.code == "vneid"))
    engine = app.extensions["cdt_engine"]
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for k in range(8):
                with new_session(engine) as session:
                    visit = Visit(
                        household_id=households[(n + k) % len(households)],
                        village_id=village_id,
                        volunteer_id=volunteers[n % len(volunteers)],
                        visited_on=BASE - timedelta(days=k),
                        status="approved" if k % 2 else "submitted",
                    )
                    session.add(visit)
                    session.flush()
                    session.add(VisitSkill(visit_id=visit.id, skill_id=vneid, completed=True))
                    session.commit()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.rollback()  # end the test session's read snapshot
    db.expire_all()
    row = db.get(CoverageVillage, village_id)
    assert row.visits_all == 32 and row.visits_approved == 16
    assert row.reached_all == 6
    period = Period(None, BASE)
    raw = coverage_report(db, world.province, period, "villages", source="raw", today=BASE)
    kept = coverage_report(db, world.province, period, "villages", source="aggregates")
    assert figures(raw.totals) == figures(kept.totals)


def test_rebuild_command_restores_lost_aggregates(runner, db):
    world = _small_world(db)
    db.execute(CoverageVillage.__table__.delete())
    db.commit()
    db.rollback()
    empty = coverage_report(db, world.province, Period(None, BASE + timedelta(days=5)))
    assert empty.totals.visits == 0  # what an upgrade without a rebuild would show
    result = runner.invoke(args=["reports", "rebuild"])
    assert result.exit_code == 0 and "2 thôn" in result.output
    db.rollback()  # a new snapshot: the command committed on its own connection
    db.expire_all()
    fixed = coverage_report(db, world.province, Period(None, BASE + timedelta(days=5)))
    assert fixed.totals.visits == 3 and fixed.totals.reached_households == 3


def test_savepoints_wait_for_the_real_commit(db):
    world = _small_world(db)
    household = world.households[0]
    with db.begin_nested():
        db.add(
            Visit(
                household_id=household.id,
                village_id=household.village_id,
                volunteer_id=world.volunteers[0].id,
                visited_on=BASE,
            )
        )
    # released, not committed: the aggregates are refreshed at the commit only
    assert db.get(CoverageVillage, household.village_id).visits_all == 2
    db.commit()
    db.expire_all()
    assert db.get(CoverageVillage, household.village_id).visits_all == 3


def test_only_counted_fields_trigger_a_refresh(db):
    world = _small_world(db)
    household = world.households[0]
    before = db.get(CoverageVillage, household.village_id).refreshed_at
    household.head_name = "Trần Thị Bình"
    household.notes = "Đổi tên chủ hộ"
    visit = next(v for v in world.visits if v.household_id == household.id)
    visit.notes = "Ghi chú mới"
    db.commit()
    db.expire_all()
    assert db.get(CoverageVillage, household.village_id).refreshed_at == before
    db.get(Household, household.id).deleted_at = aggregates.utcnow()
    db.commit()
    db.expire_all()
    row = db.get(CoverageVillage, household.village_id)
    assert row.refreshed_at > before and row.registered_households == 1
