"""``POST /api/v1/visits/<id>/review`` (DESIGN section 8): the same rules as the web, as JSON
with Vietnamese errors."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from cdt_app.models import AuditLog, VisitStatusChange
from tests.test_review import MATRIX, _status, fresh, make_area


@pytest.fixture
def area(make_world):
    return make_area(make_world)


def _token(client) -> str:
    return client.get("/api/v1/me").get_json()["csrf_token"]


def _review(client, visit_id, body, token=None, raw=None):
    headers = {"X-CSRFToken": token if token is not None else _token(client)}
    return client.post(
        f"/api/v1/visits/{visit_id}/review",
        data=raw if raw is not None else json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


@pytest.mark.parametrize(("who", "which", "code", "_sheet"), MATRIX)
def test_matrix_through_the_api(client, auth, db, area, who, which, code, _sheet):
    visit = area["visits"][which]
    auth.login(area["people"][who].username)
    response = _review(client, visit.id, {"action": "approve"})
    expected = 200 if code == 302 else code
    assert response.status_code == expected
    assert response.is_json
    if expected == 200:
        assert response.get_json()["status"] == "approved"
        assert response.get_json()["id"] == str(visit.id)
    else:
        assert response.get_json()["error"]
    assert _status(db, visit) == ("approved" if expected == 200 else "submitted")
    assert response.headers["Cache-Control"] == "no-store"


def test_return_needs_a_reason_and_a_known_action(client, auth, db, area):
    visit = area["visits"]["a1"]
    auth.login("doan")
    missing = _review(client, visit.id, {"action": "return"})
    assert missing.status_code == 400
    assert missing.get_json()["error"] == "Vui lòng ghi lý do trả lại lượt hướng dẫn."
    assert missing.get_json()["errors"] == {"reason": missing.get_json()["error"]}
    blank = _review(client, visit.id, {"action": "return", "reason": " \n\t "})
    assert blank.status_code == 400
    for body in ({"action": "delete"}, {"action": ["approve"]}, {}, {"action": None}):
        bad = _review(client, visit.id, body)
        assert bad.status_code == 400
        assert bad.get_json()["error"] == "Hãy chọn duyệt hoặc trả lại lượt hướng dẫn."
    not_text = _review(client, visit.id, {"action": "return", "reason": 12})
    assert not_text.status_code == 400
    assert _status(db, visit) == "submitted"

    done = _review(client, visit.id, {"action": "return", "reason": "Sai\x00 ngày hướng dẫn"})
    assert done.status_code == 200
    assert done.get_json() | {"reviewed_at": None} == {
        "id": str(visit.id),
        "status": "returned",
        "review_note": "Sai ngày hướng dẫn",
        "reviewed_by": area["people"]["doan"].id,
        "reviewed_at": None,
    }
    db.rollback()
    change = db.scalars(
        select(VisitStatusChange).where(VisitStatusChange.to_status == "returned")
    ).one()
    assert change.reason == "Sai ngày hướng dẫn"


def test_illegal_transition_is_409(client, auth, db, area):
    visit = area["visits"]["a1"]
    auth.login("doan")
    assert _review(client, visit.id, {"action": "approve"}).status_code == 200
    again = _review(client, visit.id, {"action": "approve"})
    assert again.status_code == 409
    assert again.get_json()["error"] == "Lượt hướng dẫn này đã được duyệt."
    back = _review(client, visit.id, {"action": "return", "reason": "Muộn rồi"})
    assert back.status_code == 409
    assert fresh(db, visit).status == "approved"
    db.rollback()
    # exactly one review entry in the audit log and one approval in the history
    assert len(db.scalars(select(AuditLog).where(AuditLog.action == "review")).all()) == 1


def test_returned_visit_may_be_approved_but_not_returned_again(client, auth, db, area):
    visit = area["visits"]["a1"]
    auth.login("doan")
    assert _review(client, visit.id, {"action": "return", "reason": "Thiếu"}).status_code == 200
    twice = _review(client, visit.id, {"action": "return", "reason": "Thiếu"})
    assert twice.status_code == 409
    assert twice.get_json()["error"] == "Lượt hướng dẫn này đã được trả lại cho người ghi."
    assert _review(client, visit.id, {"action": "approve"}).status_code == 200


@pytest.mark.parametrize(
    "raw", ["{not json", "[]", '"approve"', "", "null", b'{"action": "approve"']
)
def test_malformed_json_is_400(client, auth, db, area, raw):
    auth.login("doan")
    response = _review(client, area["visits"]["a1"].id, None, raw=raw)
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert _status(db, area["visits"]["a1"]) == "submitted"


def test_unknown_or_malformed_ids_are_404(client, auth, area):
    auth.login("doan")
    for visit_id in ("00000000-0000-0000-0000-000000000000", "nope", "1"):
        response = _review(client, visit_id, {"action": "approve"})
        assert response.status_code == 404
        assert response.get_json()["error"]


def test_login_then_csrf(client, auth, db, area):
    visit = area["visits"]["a1"]
    anonymous = client.post(
        f"/api/v1/visits/{visit.id}/review",
        json={"action": "approve"},
    )
    assert anonymous.status_code == 401
    assert anonymous.get_json()["error"]
    auth.login("doan")
    no_token = client.post(f"/api/v1/visits/{visit.id}/review", json={"action": "approve"})
    assert no_token.status_code == 400
    assert no_token.get_json()["error"]
    wrong = _review(client, visit.id, {"action": "approve"}, token="forged")
    assert wrong.status_code == 400
    assert _status(db, visit) == "submitted"


def test_approved_visit_is_locked_for_its_author_in_sync(client, auth, db, area):
    visit = area["visits"]["a1"]
    auth.login("doan")
    assert _review(client, visit.id, {"action": "approve"}).status_code == 200
    auth.logout()
    auth.login("tinhnguyen")
    payload = {
        "household_id": str(visit.household_id),
        "visited_on": visit.visited_on.isoformat(),
        "skills": [{"code": "dvc", "completed": False}],
        "people_taught": 3,
        "notes": "đổi sau khi duyệt",
    }
    response = client.post(
        "/api/v1/sync",
        json={"items": [{"kind": "visit", "id": str(visit.id), "payload": payload}]},
        headers={"X-CSRFToken": _token(client)},
    )
    assert response.status_code == 200
    assert response.get_json()["results"][0]["status"] == "conflict"
    stored = fresh(db, visit)
    assert stored.status == "approved" and stored.people_taught == 1


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=_JSON
    | st.fixed_dictionaries(
        {"action": st.sampled_from(["approve", "return", "APPROVE", ""]) | _JSON, "reason": _JSON}
    )
)
def test_no_body_ever_gives_a_500(client, auth, area, body):
    if client.get("/api/v1/me").status_code != 200:
        auth.login("doan")
    response = _review(client, area["visits"]["a1"].id, body)
    assert response.status_code in (200, 400, 409)
    assert response.is_json
    assert ("error" in response.get_json()) == (response.status_code != 200)
