"""The home page of each role and the bottom navigation: the next visit first for the team,
the returned visits as a count and the latest three, the number of visits waiting for review
on the home page and on "Duyệt", and a bounded number of queries however much data there is."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.factories import make_household, make_visit

#: a team member, a colleague, their team lead and a coordinator of the commune; a member of
#: another commune's village
PEOPLE = {
    "tn": ("volunteer", "village_a1", "tn"),
    "ban": ("volunteer", "village_a1", "ban"),
    "tt": ("team_lead", "village_a1", "tt"),
    "doan": ("coordinator", "commune_a", "doan"),
    "xa": ("volunteer", "village_a2", "xa"),
    "ngoai": ("volunteer", "village_b1", "ngoai"),
}
HOUSEHOLDS = {
    "hai": ("village_a1", "tn", "Đỗ Văn Hải"),
    "a2": ("village_a2", "xa", "Hộ Thôn Hai"),
    "far": ("village_b1", "ngoai", "Hộ Ở Xa"),
}
#: the navigation's "Duyệt" with its number, for screen readers too
REVIEW_BADGE = re.compile(
    r'href="/review/"[^>]*>Duyệt <span class="nav-badge">(\d+)'
    r'<span class="visually-hidden"> lượt chờ duyệt</span></span></a>'
)


@pytest.fixture
def world(make_world):
    return make_world(people=PEOPLE, households=HOUSEHOLDS)


def _waiting(db, world, village_a1: int = 2, village_a2: int = 1) -> None:
    """Visits waiting for review: some in village A1 (the team lead's), one in A2, one of
    the team lead's own, one returned and one in commune B (neither counts)."""
    for _ in range(village_a1):
        make_visit(db, world["hai"], world["ban"])
    for _ in range(village_a2):
        make_visit(db, world["a2"], world["xa"])
    make_visit(db, world["hai"], world["tt"])  # nobody reviews their own
    make_visit(db, world["hai"], world["tn"], status="returned", review_note="Thiếu")
    make_visit(db, world["far"], world["ngoai"])  # outside the commune


def test_the_team_members_home_is_for_the_next_visit(client, auth, world):
    auth.login("tn")
    home = client.get("/").text
    main = home[home.index("<main") : home.index("</main>")]
    log = main.index('href="/visits/new">Ghi lượt hướng dẫn<')
    search = main.index('<form method="post" action="/visits/new" role="search"')
    assert log < search < main.index("Đăng ký hộ mới")
    assert 'name="q"' in main and 'type="search"' in main
    # no review for a team member: no number on a "Duyệt" they do not have
    assert "nav-badge" not in home and "/review/" not in home


def test_returned_visits_are_counted_and_the_latest_three_shown(client, auth, db, world):
    today = world.today
    for days in range(5):
        make_visit(
            db,
            world["hai"],
            world["tn"],
            visited_on=today - timedelta(days=days),
            status="returned",
            review_note=f"Lý do {days}",
            reviewed_at=world.households["hai"].created_at + timedelta(hours=days),
        )
    auth.login("tn")
    home = client.get("/").text
    assert "Bị trả lại, cần bạn sửa (5)" in home
    assert len(re.findall(r'href="/visits/[0-9a-f-]+/edit"', home)) == 3
    # the latest returned first
    assert [f"Lý do {n}" in home for n in range(5)] == [False, False, True, True, True]
    assert 'href="/visits/mine#returned">Xem tất cả (5)<' in home
    assert "Sửa lượt này" in home
    # all of them, first on "Lượt của tôi"
    mine = client.get("/visits/mine").text
    assert 'id="returned">Bị trả lại, cần sửa (5)<' in mine
    assert all(f"Lý do {n}" in mine for n in range(5))


def test_no_see_all_for_three_or_fewer(client, auth, db, world):
    make_visit(db, world["hai"], world["tn"], status="returned", review_note="Thiếu người")
    auth.login("tn")
    home = client.get("/").text
    assert "Bị trả lại, cần bạn sửa (1)" in home and "Thiếu người" in home
    assert "Xem tất cả" not in home


@pytest.mark.parametrize(("username", "waiting"), [("tt", 2), ("doan", 4)])
def test_reviewers_see_how_many_visits_wait_on_home_and_in_the_navigation(
    client, auth, db, world, username, waiting
):
    """The team lead: their village's, not their own; the coordinator: the commune's."""
    _waiting(db, world)
    auth.login(username)
    home = client.get("/").text
    assert [int(n) for n in REVIEW_BADGE.findall(home)] == [waiting]
    if username == "tt":
        assert re.search(
            rf'href="/review/"><span><span class="stat-inline">{waiting}</span> '
            r"lượt hướng dẫn đang chờ bạn duyệt</span>",
            home,
        )
    else:
        assert f'<span class="stat">{waiting}</span> lượt hướng dẫn đang chờ bạn duyệt' in home
    # the same number on every page, and on the queue's own tab
    queue = client.get("/review/").text
    assert [int(n) for n in REVIEW_BADGE.findall(queue)] == [waiting]
    assert [int(n) for n in REVIEW_BADGE.findall(client.get("/account").text)] == [waiting]


def test_nothing_waiting_shows_no_number(client, auth, world):
    auth.login("doan")
    home = client.get("/").text
    assert "nav-badge" not in home and 'href="/review/"' in home


def test_an_error_page_counts_nothing(client, auth, db, world, count_queries):
    _waiting(db, world)
    auth.login("doan")
    client.get("/")
    with count_queries() as statements:
        page = client.get("/visits/00000000-0000-0000-0000-000000000000")
    assert page.status_code == 404 and "nav-badge" not in page.text
    assert not [sql for sql in statements if "count(" in sql.lower()]


def _home_statements(client, count_queries) -> list[str]:
    client.get("/")  # warm up (the session's first queries)
    with count_queries() as statements:
        assert client.get("/").status_code == 200
    return statements


@pytest.mark.parametrize(("username", "most"), [("tn", 5), ("tt", 6), ("doan", 3)])
def test_the_home_page_runs_a_bounded_number_of_queries(
    client, auth, db, world, count_queries, username, most
):
    """However many households, visits and returned visits: the same queries, none a write,
    and the number waiting for review counted once for the home page and the navigation."""
    auth.login(username)
    few = _home_statements(client, count_queries)
    _waiting(db, world, village_a1=30, village_a2=10)
    for n in range(12):
        household = make_household(db, world["village_a1"], world["tn"], f"Hộ Số {n}")
        make_visit(db, household, world["tn"], visited_on=world.today - timedelta(days=n))
        make_visit(db, household, world["tn"], status="returned", review_note="Sửa")
    many = _home_statements(client, count_queries)
    assert len(many) == len(few) <= most, (len(few), len(many), many)
    assert not [sql for sql in many if not sql.lstrip().upper().startswith(("SELECT", "WITH"))]
    # the reviewer's rule (cdt_app.review.services.reviewable_condition): not their own visits
    reviewable = [sql for sql in many if "visit.volunteer_id !=" in sql]
    assert len(reviewable) == (0 if username == "tn" else 1), reviewable
    assert all("count(*)" in sql.lower() for sql in reviewable)
