"""The review queue on the web: who may review what (role × action), approve one or a
selection, return with a required reason, the send-back loop and the locks."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from cdt_app.i18n import today_local
from cdt_app.models import AuditLog, Skill, Visit, VisitStatusChange
from tests.conftest import csrf_from
from tests.factories import World, make_visit


@pytest.fixture
def area(make_world):
    return make_area(make_world)


def make_area(make_world) -> World:
    """Communes A and B; a coordinator each; a team lead and a member in village A1, members
    in A2 and B1; staff and an admin of the province; a household and visits in each."""
    return make_world(
        people={
            "doan": ("coordinator", "commune_a", "doan"),
            "doan_b": ("coordinator", "commune_b", "doanb"),
            "totruong": ("team_lead", "village_a1", "totruong"),
            "tinhnguyen": ("volunteer", "village_a1", "tinhnguyen", {"name": "Lê Thị Hoa"}),
            "tinhnguyen_a2": ("volunteer", "village_a2", "tnhai"),
            "tinhnguyen2": ("volunteer", "village_b1", "tinhnguyen2"),
            "canbo": ("staff", "province", "canbo"),
            "admin": ("admin", "province", "quantri"),
        },
        households={
            "a1": ("village_a1", None, "Nguyễn Văn An", {"phone": "0912345678"}),
            "a2": ("village_a2", None, "Trần Thị Bình"),
            "b1": ("village_b1", None, "Phạm Văn Cường"),
        },
        visits={
            "a1": ("a1", "tinhnguyen", {"skills": {"vneid": True}}),
            "a1_lead": ("a1", "totruong", {"skills": {"dvc": False}}),
            "a2": ("a2", "tinhnguyen_a2"),
            "b1": ("b1", "tinhnguyen2"),
        },
    )


def fresh(db, visit) -> Visit:
    """The visit as stored now (ends the test session's read transaction first)."""
    db.rollback()
    db.expire_all()
    return db.get(Visit, visit.id)


def _status(db, visit) -> str:
    return fresh(db, visit).status


def _post_action(client, visit, action, reason=None):
    page = client.get("/account")
    data = {"csrf_token": csrf_from(page.text)}
    if reason is not None:
        data["reason"] = reason
    return client.post(f"/review/visits/{visit.id}/{action}", data=data)


# --- role × action matrix ---------------------------------------------------------------------

MATRIX = [
    # (user, visit, status code of the approve/return POST, status code of the review sheet)
    ("tinhnguyen", "a1", 403, 403),  # a volunteer never reviews, not even in their village
    ("tinhnguyen", "b1", 403, 403),
    ("canbo", "a1", 403, 403),  # staff read coverage, they do not review
    ("doan", "b1", 404, 404),  # a coordinator of commune A cannot see commune B's visits
    ("doan_b", "a1", 404, 404),
    ("totruong", "a2", 404, 404),  # a team lead reviews their own village only
    ("totruong", "a1_lead", 403, 200),  # … and never their own visit (they may read it)
    ("totruong", "a1", 302, 200),
    ("doan", "a1", 302, 200),
    ("doan", "a2", 302, 200),
    ("doan", "a1_lead", 302, 200),
    ("doan_b", "b1", 302, 200),
    ("admin", "b1", 302, 200),
]


@pytest.mark.parametrize(("who", "which", "code", "sheet_code"), MATRIX)
def test_approve_matrix_on_the_web(client, auth, db, area, who, which, code, sheet_code):
    visit = area["visits"][which]
    auth.login(area["people"][who].username)
    assert client.get(f"/review/visits/{visit.id}").status_code == sheet_code
    response = _post_action(client, visit, "approve")
    assert response.status_code == code
    assert _status(db, visit) == ("approved" if code == 302 else "submitted")


@pytest.mark.parametrize(("who", "which", "code", "sheet_code"), MATRIX)
def test_return_matrix_on_the_web(client, auth, db, area, who, which, code, sheet_code):
    visit = area["visits"][which]
    auth.login(area["people"][who].username)
    response = _post_action(client, visit, "return", reason="Thiếu số người được hướng dẫn")
    assert response.status_code == code
    assert _status(db, visit) == ("returned" if code == 302 else "submitted")


@pytest.mark.parametrize("who", ["tinhnguyen", "canbo"])
def test_roles_that_do_not_review_cannot_open_the_queue(client, auth, area, who):
    auth.login(area["people"][who].username)
    assert client.get("/review/").status_code == 403


def test_queue_shows_only_the_reviewers_area_newest_first(client, auth, db, area):
    older = make_visit(
        db,
        area["households"]["a1"],
        area["people"]["tinhnguyen"],
        visited_on=today_local() - timedelta(days=3),
    )
    auth.login("doan")
    page = client.get("/review/")
    assert page.status_code == 200
    text = page.text
    for key in ("a1", "a1_lead", "a2"):
        assert str(area["visits"][key].id) in text
    assert str(area["visits"]["b1"].id) not in text
    assert "Phạm Văn Cường" not in text
    assert text.index(str(area["visits"]["a1"].id)) < text.index(str(older.id))
    assert "Chờ duyệt (4)" in text


def test_team_lead_queue_has_the_team_but_not_their_own_visits(client, auth, area):
    auth.login("totruong")
    text = client.get("/review/").text
    assert str(area["visits"]["a1"].id) in text
    assert str(area["visits"]["a1_lead"].id) not in text
    assert str(area["visits"]["a2"].id) not in text


def test_queue_filters(client, auth, db, area):
    people, households = area["people"], area["households"]
    old = make_visit(
        db,
        households["a2"],
        people["tinhnguyen_a2"],
        visited_on=today_local() - timedelta(days=10),
        skills={"payment": True},
    )
    auth.login("doan")
    village_a2 = area["tree"]["village_a2"]
    text = client.get(f"/review/?place={village_a2.id}").text
    assert str(old.id) in text and str(area["visits"]["a2"].id) in text
    assert str(area["visits"]["a1"].id) not in text

    text = client.get(f"/review/?volunteer={people['tinhnguyen'].id}").text
    assert str(area["visits"]["a1"].id) in text and str(old.id) not in text

    day = (today_local() - timedelta(days=11)).isoformat()
    until = (today_local() - timedelta(days=9)).strftime("%d/%m/%Y")
    text = client.get(f"/review/?date_from={day}&date_to={until}").text
    assert str(old.id) in text and str(area["visits"]["a1"].id) not in text

    skills = {skill.code: skill.id for skill in db.scalars(select(Skill))}
    text = client.get(f"/review/?skill={skills['payment']}").text
    assert str(old.id) in text and str(area["visits"]["a2"].id) not in text

    # a place outside the area is not a filter but a 404; nonsense values never give a 500
    assert client.get(f"/review/?place={area['tree']['village_b1'].id}").status_code == 404
    bad = client.get("/review/?date_from=31/02/2026&volunteer=abc&skill=%00&page=-3&per_page=x")
    assert bad.status_code == 200
    assert "Nhập ngày theo dạng dd/mm/yyyy." in bad.text


def test_queue_is_paginated(client, auth, db, area):
    household, author = area["households"]["a1"], area["people"]["tinhnguyen"]
    for n in range(6):
        make_visit(db, household, author, visited_on=today_local() - timedelta(days=n + 1))
    auth.login("totruong")  # sees a1 plus the six
    first = client.get("/review/?per_page=3")
    assert "trang 1/3" in first.text
    assert 'rel="next"' in first.text and 'rel="prev"' not in first.text
    last = client.get("/review/?per_page=3&page=3")
    assert 'rel="prev"' in last.text and 'rel="next"' not in last.text
    beyond = client.get("/review/?per_page=3&page=99")
    assert "trang 3/3" in beyond.text


# --- actions ----------------------------------------------------------------------------------


def test_approve_records_history_and_audit_and_locks_the_visit(client, auth, db, area):
    visit, reviewer = area["visits"]["a1"], area["people"]["doan"]
    auth.login("doan")
    response = _post_action(client, visit, "approve")
    assert response.status_code == 302 and response.headers["Location"].endswith("/review/")
    stored = fresh(db, visit)
    assert stored.status == "approved" and stored.is_locked
    assert stored.reviewed_by_id == reviewer.id and stored.reviewed_at is not None
    change = db.scalars(
        select(VisitStatusChange).where(
            VisitStatusChange.visit_id == visit.id, VisitStatusChange.to_status == "approved"
        )
    ).one()
    assert change.from_status == "submitted" and change.actor_id == reviewer.id
    entry = db.scalars(select(AuditLog).where(AuditLog.object_id == str(visit.id))).one()
    assert (entry.action, entry.object_type, entry.actor_id) == ("review", "visit", reviewer.id)
    assert json.loads(entry.changes)["status"] == ["submitted", "approved"]
    assert entry.place_id == visit.village_id
    # approving again is refused with a clear message, nothing changes
    again = _post_action(client, visit, "approve")
    assert again.status_code == 302
    assert "Lượt hướng dẫn này đã được duyệt." in client.get(again.headers["Location"]).text
    # the author can no longer edit it
    auth.logout()
    auth.login("tinhnguyen")
    assert client.get(f"/visits/{visit.id}/edit").status_code == 403


def test_return_requires_a_reason_shown_next_to_the_field(client, auth, db, area):
    visit = area["visits"]["a1"]
    auth.login("doan")
    response = _post_action(client, visit, "return", reason="   ")
    assert response.status_code == 200
    assert "Vui lòng ghi lý do trả lại lượt hướng dẫn." in response.text
    assert 'aria-invalid="true"' in response.text
    assert _status(db, visit) == "submitted"
    too_long = _post_action(client, visit, "return", reason="x" * 501)
    assert "Lý do quá dài" in too_long.text
    assert _status(db, visit) == "submitted"


def test_return_then_fix_then_approve(client, auth, db, area):
    visit = area["visits"]["a1"]
    auth.login("doan")
    _post_action(client, visit, "return", reason="Ghi thiếu kỹ năng đã hướng dẫn")
    stored = fresh(db, visit)
    assert stored.status == "returned" and stored.review_note == "Ghi thiếu kỹ năng đã hướng dẫn"
    # returning twice is a conflict
    again = _post_action(client, visit, "return", reason="Lần nữa")
    assert "đã được trả lại" in client.get(again.headers["Location"]).text
    auth.logout()

    auth.login("tinhnguyen")
    home = client.get("/").text
    assert "Ghi thiếu kỹ năng đã hướng dẫn" in home
    assert f"/visits/{visit.id}/edit" in home
    form = client.get(f"/visits/{visit.id}/edit")
    assert form.status_code == 200
    saved = client.post(
        f"/visits/{visit.id}/edit",
        data={
            "csrf_token": csrf_from(form.text),
            "household_id": str(visit.household_id),
            "visited_on": visit.visited_on.isoformat(),
            "people_taught": "2",
            "notes": "",
            "skills": ["vneid", "dvc"],
            "completed": ["vneid"],
        },
    )
    assert saved.status_code == 302, saved.text
    assert _status(db, visit) == "submitted"
    assert "Ghi thiếu kỹ năng đã hướng dẫn" not in client.get("/").text
    auth.logout()

    auth.login("doan")
    sheet = client.get(f"/review/visits/{visit.id}").text
    # the history: created, returned (with reason), resubmitted
    assert sheet.count("timeline-head") == 3
    assert "Ghi thiếu kỹ năng đã hướng dẫn" in sheet
    _post_action(client, visit, "approve")
    assert _status(db, visit) == "approved"


def test_review_sheet_shows_only_the_personal_data_needed(client, auth, area):
    visit = area["visits"]["a1"]
    auth.login("doan")
    text = client.get(f"/review/visits/{visit.id}").text
    assert "Nguyễn Văn An" in text and "Thôn Một" in text
    assert "0912***678" in text and "0912345678" not in text


def test_approve_a_selection_without_javascript(client, auth, db, area):
    visits = area["visits"]
    auth.login("doan")
    page = client.get("/review/")
    response = client.post(
        "/review/approve",
        data={
            "csrf_token": csrf_from(page.text),
            "visit_ids": [str(visits["a1"].id), str(visits["a2"].id), str(visits["b1"].id), "x"],
            "next": "/review/?status=submitted",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/review/?status=submitted")
    assert _status(db, visits["a1"]) == _status(db, visits["a2"]) == "approved"
    assert _status(db, visits["b1"]) == "submitted"  # outside the area: skipped
    assert _status(db, visits["a1_lead"]) == "submitted"  # not selected
    followed = client.get(response.headers["Location"]).text
    assert "2 lượt hướng dẫn đã được duyệt." in followed
    assert "1 lượt đã chọn không duyệt được" in followed


def test_approve_one_from_the_list_and_empty_selection(client, auth, db, area):
    visits = area["visits"]
    auth.login("doan")
    token = csrf_from(client.get("/review/").text)
    response = client.post(
        "/review/approve",
        data={
            "csrf_token": token,
            "only": str(visits["a2"].id),
            "visit_ids": [str(visits["a1"].id)],
        },
    )
    assert response.status_code == 302
    assert _status(db, visits["a2"]) == "approved" and _status(db, visits["a1"]) == "submitted"
    empty = client.post("/review/approve", data={"csrf_token": token}, follow_redirects=True)
    assert "Hãy chọn ít nhất một lượt hướng dẫn." in empty.text
    no_csrf = client.post("/review/approve", data={"visit_ids": [str(visits["a1"].id)]})
    assert no_csrf.status_code == 400
    assert _status(db, visits["a1"]) == "submitted"


def test_open_redirect_is_refused(client, auth, area):
    auth.login("doan")
    token = csrf_from(client.get("/review/").text)
    response = client.post(
        f"/review/visits/{area['visits']['a1'].id}/approve",
        data={"csrf_token": token, "next": "//evil.example/x"},
    )
    assert response.headers["Location"].endswith("/review/")


def test_returned_tab_lists_returned_visits_with_the_reason(client, auth, area):
    auth.login("doan")
    _post_action(client, area["visits"]["a2"], "return", reason="Sai ngày")
    text = client.get("/review/?status=returned").text
    assert str(area["visits"]["a2"].id) in text and "Sai ngày" in text
    assert str(area["visits"]["a1"].id) not in text
    assert "Trả lại (1)" in text


def test_coordinator_home_shows_the_number_waiting(client, auth, area):
    auth.login("doan")
    home = client.get("/").text
    assert 'class="stat">3</span>' in home
    assert "/review/" in home and "/activity/" in home


def test_unknown_visit_is_404(client, auth, area):
    auth.login("doan")
    assert client.get("/review/visits/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get("/review/visits/not-a-uuid").status_code == 404
