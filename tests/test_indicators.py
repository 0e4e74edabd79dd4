"""The digital profile's dated values and the indicators (DESIGN section 10), proved against a
reference model in plain Python.

Hypothesis draws random trees (with and without a district level) and random sequences of
writes through the services: registrations and household edits on random days, visits with
profile values synced late (dated before newer values), visit edits (new day, new values),
visit deletes, household deletes and erasures. A reference keeps every value with its day and
its order of recording; after the writes, on every day around the values' days:

- the SQL figures of every place (the province, each child, each village) equal the sums over
  the reference profiles of the households under it (deleted households never count);
- every additive figure of a place equals the sum over its children;
- unknown is never zero: a household counts in an adult-based figure only when its adults are
  known, and in a rate only when both of the rate's fields are known;
- the household's own columns hold its profile as of today.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session

from cdt_app.errors import ValidationError
from cdt_app.households.services import save_household
from cdt_app.i18n import today_local
from cdt_app.indicators.queries import ADDITIVE, household_contributions
from cdt_app.indicators.services import indicator_report
from cdt_app.models import PROFILE_FIELDS, Household, Place, Visit, utcnow
from cdt_app.privacy.services import anonymise_household
from cdt_app.visits.services import delete_visit, save_visit
from tests.test_coverage import SETTINGS, WorldSpec, build

TODAY = today_local()
COUNTS = PROFILE_FIELDS[:-1]

maybe = lambda strategy: st.one_of(st.none(), strategy)  # noqa: E731


@st.composite
def profiles(draw) -> dict:
    """A profile as a form or a phone sends it: mostly consistent (adults ≤ members, each
    count ≤ its denominator), some fields left out, now and then unknown, once in a while
    inconsistent (the service must refuse it and change nothing)."""
    members = draw(st.integers(1, 6))
    adults = draw(maybe(st.integers(0, members)))
    cap = adults if adults is not None else members
    wild = draw(st.integers(0, 9)) == 0
    count = (lambda high: st.integers(0, 7)) if wild else (lambda high: st.integers(0, high))
    profile = {
        "members": members,
        "adults": adults,
        "smartphone_adults": draw(maybe(count(cap))),
        "vneid_level2": draw(maybe(count(cap))),
        "payment_adults": draw(maybe(count(cap))),
        "health_record": draw(maybe(count(members))),
        "broadband": draw(maybe(st.booleans())),
    }
    left_out = draw(st.sets(st.sampled_from(PROFILE_FIELDS), max_size=4))
    return {name: value for name, value in profile.items() if name not in left_out}


OPERATION = st.one_of(
    st.tuples(st.just("register"), st.integers(0, 99), st.integers(-40, 0), profiles()),
    st.tuples(st.just("edit_household"), st.integers(0, 99), st.integers(-40, 0), profiles()),
    st.tuples(st.just("visit"), st.integers(0, 99), st.integers(-40, 0), profiles()),
    st.tuples(st.just("visit"), st.integers(0, 99), st.integers(-40, 0), profiles()),
    st.tuples(st.just("edit_visit"), st.integers(0, 99), st.integers(-40, 0), profiles()),
    st.tuples(st.just("delete_visit"), st.integers(0, 99), st.just(0), st.just({})),
    st.tuples(st.just("delete_household"), st.integers(0, 99), st.just(0), st.just({})),
    st.tuples(st.just("erase"), st.integers(0, 99), st.just(0), st.just({})),
)
TREES = st.lists(
    st.tuples(st.booleans(), st.lists(st.none(), min_size=1, max_size=3)), min_size=1, max_size=3
)


@dataclass
class Reference:
    """Every value ever kept: (household, field) → [(day, order, value, visit or None)]."""

    values: dict[tuple[uuid.UUID, str], list[tuple]] = field(default_factory=dict)
    village_of: dict[uuid.UUID, int] = field(default_factory=dict)
    deleted: set[uuid.UUID] = field(default_factory=set)
    order: int = 0
    clock: date = TODAY - timedelta(days=12)

    def add(self, household: uuid.UUID, values: dict, day: date, visit=None) -> None:
        for name, value in values.items():
            self.order += 1
            self.values.setdefault((household, name), []).append((day, self.order, value, visit))

    def forget(self, visit: uuid.UUID) -> None:
        for key, rows in self.values.items():
            self.values[key] = [row for row in rows if row[3] != visit]

    def profile(self, household: uuid.UUID, day: date | None) -> dict[str, Any]:
        result = {}
        for name in PROFILE_FIELDS:
            rows = [r for r in self.values.get((household, name), []) if day is None or r[0] <= day]
            if rows:
                result[name] = max(rows, key=lambda r: (r[0], r[1]))[2]
        return result

    def figures(self, villages: set[int], day: date) -> dict[str, int]:
        total = dict.fromkeys(ADDITIVE, 0)
        for household, village in self.village_of.items():
            if village in villages and household not in self.deleted:
                for name, value in household_contributions(self.profile(household, day)).items():
                    total[name] += value
        return total


def _payload(household: Household, village_id: int, profile: dict) -> dict:
    return {
        "village_id": village_id,
        "head_name": "Nguyễn Văn An",
        "address": "",
        "phone": None,
        "members": profile.get("members", household.members if household else 6),
        "consent": True,
        "notes": "",
        **{name: value for name, value in profile.items() if name != "members"},
    }


def _apply(db: Session, world, ref: Reference, households, visits, operation) -> None:
    """One write through the services, and the same in the reference. Registrations and
    household edits are dated by a clock that only moves forward (as today does); visits are
    dated on any day up to it, so most of them are synced late."""
    kind, pick, back, profile = operation
    actor = world.volunteers[0]
    if kind in ("register", "edit_household"):
        ref.clock = min(TODAY, ref.clock + timedelta(days=pick % 4))
    day = min(TODAY + timedelta(days=back), ref.clock)
    live = [h for h in households if h not in ref.deleted]
    today_at = mock.patch("cdt_app.households.services.today_local", return_value=ref.clock)
    try:
        if kind == "register":
            village = world.villages[pick % len(world.villages)]
            with today_at:
                household = save_household(db, actor, _payload(None, village.id, profile))
            db.flush()
            ref.village_of[household.id] = village.id
            known = {name: value for name, value in profile.items() if value is not None}
            ref.add(household.id, {**known, "members": household.members}, ref.clock)
            households.append(household.id)
        elif kind == "edit_household" and live:
            household = db.get(Household, live[pick % len(live)])
            if household.anonymised_at is not None:
                return
            current = ref.profile(household.id, None)
            payload = _payload(household, household.village_id, profile)
            with today_at:
                save_household(db, actor, payload, household)
            db.flush()
            merged = {**profile, "members": payload["members"]}
            changed = {name: value for name, value in merged.items() if current.get(name) != value}
            ref.add(household.id, changed, ref.clock)
        elif kind in ("visit", "edit_visit") and (live if kind == "visit" else visits):
            visit = None
            if kind == "edit_visit":
                visit = db.get(Visit, visits[pick % len(visits)])
                if visit.household_id in ref.deleted:
                    return
            household_id = visit.household_id if visit else live[pick % len(live)]
            data = {
                "household_id": str(household_id),
                "visited_on": day.isoformat(),
                "skills": [{"code": "vneid", "completed": True}],
                "people_taught": 1,
                "profile": profile,
            }
            saved = save_visit(db, actor, data, visit=visit)
            db.flush()
            if visit is not None:
                ref.forget(visit.id)
            else:
                visits.append(saved.id)
            observed = {name: value for name, value in profile.items() if value is not None}
            ref.add(household_id, observed, day, saved.id)
        elif kind == "delete_visit" and visits:
            visit = db.get(Visit, visits.pop(pick % len(visits)))
            if visit.household_id in ref.deleted:
                return
            delete_visit(db, actor, visit)
            ref.forget(visit.id)
        elif kind == "delete_household" and live:
            household = db.get(Household, live[pick % len(live)])
            household.deleted_at = utcnow()
            db.add(household)
            ref.deleted.add(household.id)
        elif kind == "erase" and live:
            anonymise_household(db, actor, db.get(Household, live[pick % len(live)]))
        db.commit()
    except ValidationError:
        # the service refused before adding anything: nothing changed, in the reference either
        db.rollback()


def _under(place: Place, villages: list[Place]) -> set[int]:
    return {v.id for v in villages if v.path.startswith(place.path)}


@SETTINGS
@given(
    tree=TREES,
    first=st.tuples(st.just("register"), st.integers(0, 99), st.just(0), profiles()),
    operations=st.lists(OPERATION, min_size=1, max_size=14),
)
def test_indicators_equal_the_reference_on_every_day_and_add_up(app, db, tree, first, operations):
    world = build(db, WorldSpec(communes=tree, households=[], visits=[]))
    ref, households, visits = Reference(), [], []
    with app.test_request_context("/"):
        for operation in [first, *operations]:
            _apply(db, world, ref, households, visits, operation)
        db.expire_all()
        province = db.get(Place, world.province.id)
        villages = [db.get(Place, v.id) for v in world.villages]
        days = {TODAY}
        for rows in ref.values.values():
            for row in rows:
                days.update({row[0], row[0] - timedelta(days=1)})
        for day in sorted(days):
            for level in ("children", "villages"):
                report = indicator_report(db, province, day, level=level)
                total = {name: report.totals.figures[name] for name in ADDITIVE}
                assert total == ref.figures(_under(province, villages), day), day
                summed = dict.fromkeys(ADDITIVE, 0)
                for row in report.rows:
                    figures = {name: row.figures[name] for name in ADDITIVE}
                    assert figures == ref.figures(_under(row.place, villages), day)
                    for name in ADDITIVE:
                        summed[name] += figures[name]
                assert summed == total, (day, level)
                for rate, value in report.totals.figures.items():
                    if rate.endswith("_rate"):
                        assert 0 <= value <= 1
        # the household's columns: its profile as of today
        for household_id in households:
            household = db.get(Household, household_id)
            latest = ref.profile(household_id, None)
            for name in PROFILE_FIELDS:
                if name in latest:
                    assert getattr(household, name) == latest[name], name
                elif name != "members":
                    assert getattr(household, name) is None, name


def test_unknown_is_never_zero(app, db):
    """A household whose adults are unknown counts in no adult-based figure, its smartphones
    included; one whose smartphones are unknown leaves its adults out of the rate."""
    world = build(db, WorldSpec(communes=[(False, [None])], households=[], visits=[]))
    village = world.villages[0]
    actor = world.volunteers[0]
    with app.test_request_context("/"):
        for profile in (
            {"members": 4, "smartphone_adults": 2},  # adults unknown
            {"members": 4, "adults": 3},  # smartphones unknown
            {"members": 5, "adults": 4, "smartphone_adults": 1, "broadband": False},
            {"members": 2, "adults": 2, "smartphone_adults": 2, "health_record": 1},
        ):
            save_household(db, actor, _payload(None, village.id, profile))
        db.commit()
        figures = indicator_report(db, db.get(Place, world.province.id), TODAY).totals.figures
    assert figures["profiled_households"] == 3
    assert figures["adults"] == 9
    assert figures["smartphone_adults"] == 3 and figures["smartphone_base"] == 6
    assert figures["smartphone_rate"] == 0.5
    assert figures["vneid_base"] == 0 and figures["vneid_rate"] == 0
    assert figures["health_record"] == 1 and figures["members_profiled"] == 2
    assert figures["broadband_known"] == 1 and figures["broadband_yes"] == 0
