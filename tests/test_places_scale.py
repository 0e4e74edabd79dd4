"""Subtree queries stay set-based at province scale (3,000 villages): the number of statements
does not grow with the tree, and the subtree is an index range on the materialised path.
A shape test, not a timed one."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select, text

from cdt_app.models import Place
from cdt_app.places.queries import children_with_counts
from cdt_app.scope import village_ids_in_area
from tests.factories import make_household, make_place, make_user

COMMUNES = 120
VILLAGES_PER_COMMUNE = 25  # 3,000 villages


def _grow_province(db, province: Place) -> list[Place]:
    """120 communes with 25 villages each, inserted in bulk (paths set by one UPDATE)."""
    communes = [make_place(db, f"Xã {n:03d}", "xa", province) for n in range(COMMUNES)]
    db.execute(
        insert(Place),
        [
            {
                "name": f"Thôn {n}",
                "kind": "thon",
                "level": "village",
                "code": f"T{commune.code}-{n:03d}",
                "code_scheme": "local",
                "parent_id": commune.id,
                "path": "",
                "depth": 2,
                "target_households": 100,
                "active": True,
                "sort_key": "",
            }
            for commune in communes
            for n in range(VILLAGES_PER_COMMUNE)
        ],
    )
    db.execute(
        text(
            "UPDATE place SET path = (SELECT p.path FROM place p WHERE p.id = place.parent_id)"
            " || CAST(place.id AS VARCHAR(20)) || '/' WHERE path = ''"
        )
    )
    db.commit()
    return communes


@pytest.fixture
def province(db):
    return make_place(db, "Tỉnh Lớn", "tinh")


def _plan(db, statement) -> str:
    compiled = statement.compile(dialect=db.bind.dialect, compile_kwargs={"literal_binds": True})
    if db.bind.dialect.name == "sqlite":
        rows = db.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        return "\n".join(str(row[-1]) for row in rows)
    db.execute(text("SET LOCAL enable_seqscan = off"))  # tiny tables: ask whether it *can*
    rows = db.execute(text(f"EXPLAIN {compiled}")).all()
    return "\n".join(row[0] for row in rows)


def test_subtree_is_one_statement_and_an_index_range(app, db, province, count_queries):
    communes = _grow_province(db, province)
    staff = make_user(db, "staff", province)
    coordinator = make_user(db, "coordinator", communes[7])
    with app.test_request_context():
        statement = village_ids_in_area(db, staff)
        with count_queries() as statements:
            ids = db.scalars(statement).all()
        assert len(ids) == COMMUNES * VILLAGES_PER_COMMUNE == 3000
        assert len(statements) == 1 and "RECURSIVE" not in statements[0].upper()
        assert len(db.scalars(village_ids_in_area(db, coordinator)).all()) == 25
        plan = _plan(db, statement)
    assert "ix_place_path" in plan, plan


def test_province_page_makes_the_same_queries_with_3000_villages(
    app, client, auth, db, province, count_queries
):
    first = make_place(db, "Xã Đầu", "xa", province)
    make_household(db, make_place(db, "Thôn Đầu", "thon", first, target=10))
    make_user(db, "staff", province, username="canbo")
    auth.login("canbo")
    url = f"/places/{province.id}"
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _grow_province(db, province)
    with count_queries() as large:
        page = client.get(url)
    assert page.status_code == 200
    assert "25 thôn/khu phố" in page.text and "chỉ tiêu chính thức 2.500" in page.text
    assert len(large) == len(small)
    rows = children_with_counts(db, province)
    assert len(rows) == COMMUNES + 1
    assert sum(r.villages for r in rows) == 3001 and sum(r.target for r in rows) == 300_010
    assert db.scalar(select(func.count()).select_from(Place)) == 1 + 121 + 3001
    some_commune = next(r.place for r in rows if r.place.name == "Xã 007")
    commune_page = client.get(f"/places/{some_commune.id}")
    assert commune_page.status_code == 200 and commune_page.text.count('class="row-link"') == 25


def test_children_join_uses_the_path_index(app, db, province):
    _grow_province(db, province)
    with app.app_context():
        from sqlalchemy.orm import aliased

        from cdt_app.places.queries import _under

        village = aliased(Place, name="village")
        statement = (
            select(Place.id, func.count(village.id))
            .join(village, _under(village.path, Place.path))
            .where(Place.parent_id == province.id)
            .group_by(Place.id)
        )
        plan = _plan(db, statement)
    assert "ix_place_path" in plan, plan
