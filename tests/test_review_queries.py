"""The review queue and the review sheet make a fixed number of queries per request, whatever
the number of visits in the area or on the page (no N+1: the page's skills come in one query)."""

from __future__ import annotations

from datetime import timedelta

from cdt_app.i18n import today_local
from tests.factories import make_household, make_place, make_tree, make_user, make_visit

SKILL_SETS = (
    {"vneid": True},
    {"dvc": False, "payment": True},
    {"cybersafety": True, "elearning": False, "health": True},
)


def _fill(db, commune, n: int, start: int = 0) -> None:
    """``n`` more visits in commune A by several members in several villages."""
    today = today_local()
    for i in range(start, start + n):
        if i % 10 == 0 or i == start:
            village = make_place(db, f"Thôn Số {i}", "thon", commune)
            member = make_user(db, "volunteer", village, username=f"tv{i}")
            household = make_household(db, village, head_name=f"Hộ Số {i}", phone="0912345678")
        make_visit(
            db,
            household,
            member,
            visited_on=today - timedelta(days=i % 20),
            skills=SKILL_SETS[i % 3],
        )


def test_queue_makes_a_constant_number_of_queries(client, auth, db, count_queries):
    tree = make_tree(db)
    make_user(db, "coordinator", tree["commune_a"], username="doan")
    _fill(db, tree["commune_a"], 3)
    auth.login("doan")
    client.get("/review/")  # warm up
    with count_queries() as few:
        page = client.get("/review/?per_page=5")
    assert page.status_code == 200 and page.text.count('name="visit_ids"') == 3

    _fill(db, tree["commune_a"], 80, start=3)
    counts = {}
    for per_page in (5, 50, 100):
        with count_queries() as statements:
            page = client.get(f"/review/?per_page={per_page}")
        assert page.status_code == 200
        assert page.text.count('name="visit_ids"') == min(per_page, 83)
        counts[per_page] = len(statements)
    assert set(counts.values()) == {len(few)}, (counts, len(few))

    skill = "&skill=1&date_from=2000-01-01&volunteer=9999"
    with count_queries() as filtered:
        assert (
            client.get(f"/review/?per_page=50&place={tree['commune_a'].id}{skill}").status_code
            == 200
        )
    assert len(filtered) <= len(few) + 1  # + the chosen place
    assert len(few) <= 10


def test_review_sheet_makes_a_constant_number_of_queries(client, auth, db, count_queries):
    tree = make_tree(db)
    make_user(db, "coordinator", tree["commune_a"], username="doan")
    member = make_user(db, "volunteer", tree["village_a1"])
    household = make_household(db, tree["village_a1"])
    one_skill = make_visit(db, household, member, skills={"vneid": True})
    many = make_visit(
        db,
        household,
        member,
        skills=dict.fromkeys(("vneid", "dvc", "payment", "health", "smartphone"), True),
    )
    auth.login("doan")
    client.get(f"/review/visits/{one_skill.id}")
    with count_queries() as first:
        client.get(f"/review/visits/{one_skill.id}")
    with count_queries() as second:
        client.get(f"/review/visits/{many.id}")
    assert len(first) == len(second)
