"""The coverage page lists its places a page at a time (issue 18: ≤ 100 KB of HTML for a
province's 124 communes), sorted across all pages; the totals and exports keep every place."""

from __future__ import annotations

import re

import pytest

from cdt_app.reports.views import PLACES_PER_PAGE
from tests.factories import make_household, make_place, make_user, make_visit

EXTRA = PLACES_PER_PAGE + 7


@pytest.fixture
def province(db):
    province = make_place(db, "Tỉnh Lớn", "tinh")
    volunteer = None
    for n in range(EXTRA):
        commune = make_place(db, f"Xã {n:02d}", "xa", province)
        # one household reached of a target that shrinks: coverage grows with n
        village = make_place(db, f"Thôn {n:02d}", "thon", commune, target=100 - n)
        volunteer = volunteer or make_user(db, "volunteer", village, username="tn")
        make_visit(db, make_household(db, village, None, f"Hộ {n}"), volunteer)
    make_user(db, "staff", province, username="canbo")
    return province


def _names(html: str) -> list[str]:
    return re.findall(r'<span class="place-name">(Xã \d\d)', html)


def test_places_come_a_page_at_a_time_sorted_across_pages(client, auth, db, province):
    auth.login("canbo")
    first = client.get("/reports/coverage?sort=coverage&dir=desc")
    second = client.get("/reports/coverage?sort=coverage&dir=desc&page=2")
    assert first.status_code == second.status_code == 200
    listed = _names(first.text) + _names(second.text)
    assert len(_names(first.text)) == PLACES_PER_PAGE
    assert listed == [f"Xã {n:02d}" for n in reversed(range(EXTRA))]
    assert f"({EXTRA})" in first.text  # the heading counts every place
    assert 'rel="next"' in first.text and 'rel="prev"' in second.text
    assert f'start="{PLACES_PER_PAGE + 1}"' in second.text
    # the next page keeps the sort; a page past the end shows the last one
    assert "sort=coverage" in re.search(r'rel="next" href="([^"]+)"', first.text)[1]
    assert _names(client.get("/reports/coverage?sort=coverage&dir=desc&page=99").text) == (
        _names(second.text)
    )
    for bad in ("0", "-1", "x", "9" * 30):
        assert client.get(f"/reports/coverage?page={bad}").status_code == 200


def test_the_page_weight_does_not_grow_with_the_places(client, auth, db, province):
    auth.login("canbo")
    size = len(client.get("/reports/coverage?open=1").data)
    for n in range(60):
        make_place(db, f"Xã Thêm {n}", "xa", province)
    more = client.get("/reports/coverage?open=1")
    assert f"({EXTRA + 60})" in more.text
    assert len(more.data) <= size * 1.05 and len(more.data) <= 100 * 1024
    # the exports are not paged
    rows = client.get("/reports/coverage.csv").get_data().decode("utf-8-sig").splitlines()
    assert len(rows) == 1 + EXTRA + 60 + 1  # header, places, total
