"""Separation of duties (DESIGN sections 5 and 6): a visit's content is changed only by its
author, through the web form and the sync API alike, and nobody approves a visit whose content
they wrote or changed. Runs on SQLite and PostgreSQL (CDT_TEST_DATABASE_URL)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from cdt_app.audit import record
from cdt_app.models import AuditLog, Visit, VisitSkill, VisitStatusChange
from cdt_app.review.services import ReviewNotAllowed, approve_many, review_visit
from cdt_app.visits.services import content_writers
from tests.conftest import AuthActions
from tests.factories import make_household, make_tree, make_user, make_visit
from tests.test_api_sync import login_api, sync, visit_item
from tests.test_review import _post_action, fresh
from tests.test_review_api import _review


@pytest.fixture
def team(db):
    tree = make_tree(db)
    people = {
        "volunteer": make_user(db, "volunteer", tree["village_a1"], username="tinhnguyen"),
        "lead": make_user(db, "team_lead", tree["village_a1"], username="totruong"),
        "coordinator": make_user(db, "coordinator", tree["commune_a"], username="doan"),
    }
    household = make_household(db, tree["village_a1"], people["volunteer"], members=5)
    return {"tree": tree, "household": household, **people}


def _rows(db, visit_id) -> tuple:
    """Everything stored about one visit, to compare before and after."""
    db.rollback()
    db.expire_all()
    visit = db.get(Visit, visit_id)
    key = str(visit_id)
    return (
        {column: getattr(visit, column) for column in Visit.model_fields},
        sorted(
            (row.skill_id, row.completed)
            for row in db.scalars(select(VisitSkill).where(VisitSkill.visit_id == visit_id))
        ),
        db.scalar(
            select(func.count())
            .select_from(VisitStatusChange)
            .where(VisitStatusChange.visit_id == visit_id)
        ),
        db.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.object_id == key)),
    )


@pytest.mark.parametrize("status", ["submitted", "returned"])
def test_a_team_leads_sync_of_a_volunteers_visit_is_a_conflict_and_stores_nothing(
    app, db, team, status
):
    volunteer_client = app.test_client()
    token = login_api(volunteer_client, AuthActions(volunteer_client), "tinhnguyen")
    item = visit_item(team["household"].id)
    visit_id = uuid.UUID(item["id"])
    assert sync(volunteer_client, token, [item]).json["results"][0]["status"] == "created"
    if status == "returned":
        with app.test_request_context():
            visit = db.get(Visit, visit_id)
            review_visit(db, team["lead"], visit, "return", "Thiếu số người được hướng dẫn")
            db.commit()
    before = _rows(db, visit_id)

    lead_client = app.test_client()
    lead_token = login_api(lead_client, AuthActions(lead_client), "totruong")
    rewritten = {**item, "payload": {**item["payload"], "people_taught": 5, "notes": "tổ trưởng"}}
    (result,) = sync(lead_client, lead_token, [rewritten]).json["results"]
    assert result["status"] == "conflict"
    server = result["server"]
    assert server["notes"] == item["payload"]["notes"] and server["people_taught"] == 2
    assert server["status"] == status
    assert _rows(db, visit_id) == before  # not a row changed, no history, no audit entry

    # the author's own new payload is still an update
    mine = {**item, "payload": {**item["payload"], "notes": "tự sửa"}}
    assert sync(volunteer_client, token, [mine]).json["results"][0]["status"] == "updated"


def test_a_team_lead_who_wrote_a_visit_cannot_approve_it(app, client, auth, db, team):
    own = make_visit(db, team["household"], team["lead"])
    auth.login("totruong")
    assert _post_action(client, own, "approve").status_code == 403
    assert _review(client, own.id, {"action": "approve"}).status_code == 403
    with app.test_request_context(), pytest.raises(ReviewNotAllowed):
        review_visit(db, team["lead"], fresh(db, own), "approve")
    db.rollback()
    assert fresh(db, own).status == "submitted"


def test_nobody_approves_a_visit_whose_content_they_changed(app, client, auth, db, team):
    """Content a team lead changed before only authors could edit (an ``update`` entry of the
    audit log): they may return the visit, not approve it; the coordinator may."""
    visits = [make_visit(db, team["household"], team["volunteer"]) for _ in range(3)]
    for visit in visits:
        record(db, team["lead"], "update", visit, {"people_taught": [1, 2]})
    db.commit()
    assert content_writers(db, visits)[visits[0].id] == {team["volunteer"].id, team["lead"].id}

    auth.login("totruong")
    assert _post_action(client, visits[0], "approve").status_code == 403
    assert _review(client, visits[1].id, {"action": "approve"}).status_code == 403
    with app.test_request_context():
        result = approve_many(db, team["lead"], [str(visit.id) for visit in visits])
        assert result.approved == [] and result.skipped == 3
        db.rollback()
    assert [fresh(db, visit).status for visit in visits] == ["submitted"] * 3
    returned = _post_action(client, visits[2], "return", "Xin ghi rõ số người")
    assert returned.status_code == 302 and fresh(db, visits[2]).status == "returned"
    auth.logout()

    auth.login("doan")
    assert _post_action(client, visits[0], "approve").status_code == 302
    assert fresh(db, visits[0]).status == "approved"
