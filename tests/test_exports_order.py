"""The raw visits export reads one village at a time (its first rows leave within a second at
province scale): the rows, their order and their figures are those of the one big query it
replaced, for any place and period (generated worlds, both engines)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import delete

from cdt_app.models import VisitSkill
from cdt_app.reports.export_queries import export_lookups, raw_visits_chunks, raw_visits_query
from cdt_app.reports.periods import Period
from tests.factories import make_user
from tests.test_coverage import BASE, SETTINGS, build, world_specs

PERIODS = [
    Period(start=None, end=BASE + timedelta(days=30)),
    Period(start=None, end=BASE, approved_only=True),
    Period(start=BASE - timedelta(days=10), end=BASE, preset="custom"),
    Period(start=BASE - timedelta(days=40), end=BASE + timedelta(days=3), approved_only=True),
]


def _one_query(connection, place, period) -> list[tuple]:
    """The export's query before issue 18: every row of the place, sorted as a whole."""
    statement, params = raw_visits_query(place, period)
    return [tuple(row) for row in connection.execute(statement, params)]


def _by_village(connection, session, place, period) -> list[tuple]:
    paths = export_lookups(session, place)["village_paths"]
    rows = []
    for statement, params in raw_visits_chunks(period, paths):
        rows += [tuple(row) for row in connection.execute(statement, params)]
    return rows


@given(spec=world_specs(), drop=st.sets(st.integers(0, 29), max_size=4))
@SETTINGS
def test_village_by_village_gives_the_rows_of_the_one_query(db, spec, drop):
    world = build(db, spec)
    # a few visits without any skill: the outer join's empty side
    for index in drop:
        if index < len(world.visits):
            db.execute(delete(VisitSkill).where(VisitSkill.visit_id == world.visits[index].id))
    db.commit()
    connection = db.connection()
    for place in world.places:
        for period in PERIODS:
            expected = _one_query(connection, place, period)
            assert _by_village(connection, db, place, period) == expected, (place.name, period)
    db.rollback()


def test_the_csv_lists_the_villages_in_id_order_with_all_their_rows(client, auth, db):
    """Through the page: several villages, more rows than one piece of the stream."""
    from tests.factories import make_household, make_place, make_visit

    province = make_place(db, "Tỉnh", "tinh")
    commune = make_place(db, "Xã", "xa", province)
    villages = [make_place(db, f"Thôn {n}", "thon", commune) for n in range(3)]
    volunteer = make_user(db, "volunteer", villages[0], username="tn")
    make_user(db, "staff", province, username="canbo")
    expected = {}
    for village in reversed(villages):  # created last, listed first by id
        household = make_household(db, village, volunteer, f"Hộ {village.name}")
        for n in range(40):
            make_visit(db, household, volunteer, visited_on=BASE - timedelta(days=n))
        expected[village.name] = 40
    auth.login("canbo")
    response = client.get(f"/reports/visits.csv?place={province.id}", buffered=False)
    pieces = list(response.response)
    assert len(pieces) >= 2  # the header leaves before any query
    rows = list(csv.reader(io.StringIO(b"".join(pieces).decode("utf-8-sig"), newline="")))
    seen = [row[4] for row in rows[1:]]  # the village column
    assert seen == sorted(seen, key=lambda name: next(v.id for v in villages if v.name == name))
    counts = {name: seen.count(name) for name in set(seen)}
    assert set(counts) == set(expected) and len(set(counts.values())) == 1, counts
    assert min(counts.values()) >= 40
