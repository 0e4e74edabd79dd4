"""POST /api/v1/sync and GET /api/v1/me (DESIGN section 8): every status, the HTTP errors,
scope, and idempotency under concurrency on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from babel.support import Translations
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from cdt_app.i18n import today_local
from cdt_app.models import AuditLog, Household, Place, Visit, VisitSkill
from cdt_app.reports.periods import Period
from cdt_app.reports.queries import coverage_report
from cdt_app.sync import services as sync_services
from tests.conftest import PG_URL, AuthActions
from tests.factories import make_household, make_user, make_visit

ROOT = Path(__file__).resolve().parent.parent


#: a volunteer in village A1, another in B1 and the coordinator of commune A (the household
#: services tests use them too)
VOLUNTEERS = {
    "volunteer": ("volunteer", "village_a1", "tinhnguyen"),
    "other": ("volunteer", "village_b1", "tinhnguyen2"),
    "coordinator": ("coordinator", "commune_a", "doan"),
}


@pytest.fixture
def world(make_world):
    return make_world(people=VOLUNTEERS)


def login_api(client, auth, username: str = "tinhnguyen") -> str:
    """Log in and return the CSRF token of GET /api/v1/me."""
    auth.login(username)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    return response.json["csrf_token"]


def sync(client, token: str, items: list) -> object:
    return client.post("/api/v1/sync", json={"items": items}, headers={"X-CSRFToken": token})


def household_item(village_id: int, item_id: str | None = None, **payload) -> dict:
    base = {
        "village_id": village_id,
        "head_name": "Trần Thị Bình",
        "address": "Số 5, xóm Đông",
        "phone": "+84 912 345 678",
        "members": 5,
        "smartphone_members": 2,
        "consent": True,
        "notes": "",
    }
    base.update(payload)
    return {"kind": "household", "id": item_id or str(uuid.uuid4()), "payload": base}


def visit_item(household_id, item_id: str | None = None, **payload) -> dict:
    base = {
        "household_id": str(household_id),
        "visited_on": today_local().isoformat(),
        "skills": [{"code": "vneid", "completed": True}, {"code": "dvc", "completed": False}],
        "people_taught": 2,
        "notes": "Đã kích hoạt VNeID mức 2",
        "lat": None,
        "lon": None,
    }
    base.update(payload)
    return {"kind": "visit", "id": item_id or str(uuid.uuid4()), "payload": base}


def vi(message_id: str) -> str:
    """The Vietnamese catalog's translation of ``message_id`` (which must be translated)."""
    translated = Translations.load(str(ROOT / "translations"), ["vi"]).gettext(message_id)
    assert translated != message_id, f"not translated: {message_id}"
    return translated


def fresh(db) -> None:
    """End the test session's read snapshot and forget its objects: see what the app stored."""
    db.rollback()
    db.expire_all()


def count(db, model) -> int:
    fresh(db)
    return db.scalar(select(func.count()).select_from(model))


# --- /api/v1/me ------------------------------------------------------------------------------


def test_me_requires_login_and_answers_json(client, world):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.is_json
    assert response.json == {"error": "Vui lòng đăng nhập để tiếp tục."}


def test_me_gives_the_user_and_a_csrf_token(client, auth, world):
    auth.login("tinhnguyen")
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert set(response.json) == {"user", "csrf_token"}
    assert response.json["user"] == {
        "id": world["volunteer"].id,
        "username": "tinhnguyen",
        "display_name": world["volunteer"].display_name,
        "role": "volunteer",
        "place_id": world["village_a1"].id,
    }
    assert len(response.json["csrf_token"]) > 20


# --- statuses --------------------------------------------------------------------------------


def test_created_household_then_visit_in_the_same_batch(client, auth, world, db):
    token = login_api(client, auth)
    household = household_item(world["village_a1"].id)
    visit = visit_item(household["id"])
    response = sync(client, token, [household, visit])
    assert response.status_code == 200
    assert response.json == {
        "results": [
            {"id": household["id"], "status": "created", "errors": {}},
            {"id": visit["id"], "status": "created", "errors": {}},
        ]
    }
    stored = db.get(Household, uuid.UUID(household["id"]))
    assert stored.head_name == "Trần Thị Bình"
    assert stored.phone == "0912345678"
    assert stored.members == 5 and stored.smartphone_adults == 2
    assert stored.consent and stored.consent_by_id == world["volunteer"].id
    assert stored.created_by_id == world["volunteer"].id
    assert stored.payload_hash == sync_services.payload_hash(household["payload"])
    stored_visit = db.get(Visit, uuid.UUID(visit["id"]))
    assert stored_visit.household_id == stored.id
    assert stored_visit.village_id == world["village_a1"].id
    assert stored_visit.volunteer_id == world["volunteer"].id
    assert stored_visit.visited_on == today_local()
    assert stored_visit.people_taught == 2
    assert stored_visit.status == "submitted"
    skills = db.scalars(select(VisitSkill).where(VisitSkill.visit_id == stored_visit.id)).all()
    assert {(s.skill_id, s.completed) for s in skills} and len(skills) == 2
    # the services' audit trail is written for sync too
    assert (
        db.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.object_id == visit["id"])
        )
        == 1
    )


def test_a_replay_is_unchanged_and_stores_nothing(client, auth, world, db):
    token = login_api(client, auth)
    household = household_item(world["village_a1"].id)
    items = [household, visit_item(household["id"])]
    assert [r["status"] for r in sync(client, token, items).json["results"]] == [
        "created",
        "created",
    ]
    audit_before = count(db, AuditLog)
    again = sync(client, token, items)
    assert again.status_code == 200
    assert [r["status"] for r in again.json["results"]] == ["unchanged", "unchanged"]
    assert count(db, Household) == 1 and count(db, Visit) == 1
    assert count(db, AuditLog) == audit_before


def test_a_new_payload_updates_while_editable(client, auth, world, db):
    token = login_api(client, auth)
    household = household_item(world["village_a1"].id)
    visit = visit_item(household["id"])
    sync(client, token, [household, visit])
    visit["payload"]["people_taught"] = 3
    visit["payload"]["skills"] = [{"code": "payment", "completed": True}]
    household["payload"]["head_name"] = "Trần Thị Bình An"
    response = sync(client, token, [household, visit])
    assert [r["status"] for r in response.json["results"]] == ["updated", "updated"]
    fresh(db)
    assert db.get(Household, uuid.UUID(household["id"])).head_name == "Trần Thị Bình An"
    stored = db.get(Visit, uuid.UUID(visit["id"]))
    assert stored.people_taught == 3
    assert stored.payload_hash == sync_services.payload_hash(visit["payload"])
    assert len(db.scalars(select(VisitSkill).where(VisitSkill.visit_id == stored.id)).all()) == 1
    assert count(db, Visit) == 1


def test_a_refused_update_changes_nothing(client, auth, world, db):
    token = login_api(client, auth)
    household = household_item(world["village_a1"].id)
    visit = visit_item(household["id"])
    sync(client, token, [household, visit])
    original = dict(visit["payload"])
    visit["payload"] = {**original, "people_taught": 0}
    assert sync(client, token, [visit]).json["results"][0]["status"] == "rejected"
    fresh(db)
    stored = db.get(Visit, uuid.UUID(visit["id"]))
    assert stored.people_taught == 2
    assert stored.payload_hash == sync_services.payload_hash(original)
    visit["payload"] = original  # the first payload again: still a replay
    assert sync(client, token, [visit]).json["results"][0]["status"] == "unchanged"


def test_the_same_new_item_twice_in_one_batch_is_stored_once(client, auth, world, db):
    token = login_api(client, auth)
    household = make_household(db, world["village_a1"], world["volunteer"])
    item = visit_item(household.id)
    results = sync(client, token, [item, item]).json["results"]
    assert [r["status"] for r in results] == ["created", "unchanged"]
    assert count(db, Visit) == 1


def test_a_deleted_household_is_a_conflict(client, auth, world, db):
    household = make_household(db, world["village_a1"], world["volunteer"], head_name="Cũ")
    household.deleted_at = household.created_at
    db.add(household)
    db.commit()
    token = login_api(client, auth)
    item = household_item(world["village_a1"].id, item_id=str(household.id))
    result = sync(client, token, [item]).json["results"][0]
    assert result["status"] == "conflict"
    assert result["server"]["deleted"] is True and result["server"]["head_name"] == "Cũ"


def test_an_approved_visit_is_a_conflict_with_the_server_copy(client, auth, world, db):
    household = make_household(db, world["village_a1"], world["volunteer"], members=4)
    visit = make_visit(
        db, household, world["volunteer"], status="approved", people_taught=1, notes="Đã duyệt"
    )
    token = login_api(client, auth)
    item = visit_item(household.id, item_id=str(visit.id), people_taught=4)
    result = sync(client, token, [item]).json["results"][0]
    assert result["status"] == "conflict"
    assert result["errors"] == {}
    server = result["server"]
    assert server["status"] == "approved"
    assert server["people_taught"] == 1
    assert server["notes"] == "Đã duyệt"
    assert server["household_id"] == str(household.id)
    assert server["skills"] == [{"code": "vneid", "completed": True}]
    fresh(db)
    assert db.get(Visit, visit.id).people_taught == 1


def test_a_returned_visit_is_updated_and_goes_back_to_review(client, auth, world, db):
    household = make_household(db, world["village_a1"], world["volunteer"])
    visit = make_visit(db, household, world["volunteer"], status="returned", review_note="Sai")
    token = login_api(client, auth)
    result = sync(client, token, [visit_item(household.id, item_id=str(visit.id))]).json
    assert result["results"][0]["status"] == "updated"
    fresh(db)
    assert db.get(Visit, visit.id).status == "submitted"


def test_another_volunteers_visit_in_the_area_is_a_conflict(client, auth, world, db):
    colleague = make_user(db, "volunteer", world["village_a1"])
    household = make_household(db, world["village_a1"], colleague)
    visit = make_visit(db, household, colleague, people_taught=1)
    token = login_api(client, auth)
    result = sync(client, token, [visit_item(household.id, item_id=str(visit.id))]).json
    assert result["results"][0]["status"] == "conflict"
    assert result["results"][0]["server"]["people_taught"] == 1


def test_rejected_item_has_vietnamese_field_errors_and_the_others_are_stored(
    client, auth, world, db
):
    token = login_api(client, auth)
    household = make_household(db, world["village_a1"], world["volunteer"], members=3)
    good = visit_item(household.id)
    future = visit_item(household.id, visited_on=(today_local() + timedelta(days=2)).isoformat())
    too_many = visit_item(household.id, people_taught=7, skills=[])
    response = sync(client, token, [good, future, too_many])
    assert response.status_code == 200
    results = response.json["results"]
    assert [r["status"] for r in results] == ["created", "rejected", "rejected"]
    assert results[1]["errors"] == {
        "visited_on": vi("The date of the visit cannot be in the future.")
    }
    assert set(results[2]["errors"]) == {"people_taught", "skills"}
    assert "3" in results[2]["errors"]["people_taught"]
    assert count(db, Visit) == 1


def test_rejected_household_uses_the_form_messages(client, auth, world, db):
    token = login_api(client, auth)
    item = household_item(world["village_a1"].id, consent=False, phone="12345", head_name=" ")
    result = sync(client, token, [item]).json["results"][0]
    assert result["status"] == "rejected"
    assert set(result["errors"]) == {"consent", "phone", "head_name"}
    assert result["errors"]["head_name"] == vi("Please enter the name of the head of household.")
    assert count(db, Household) == 0


def test_badly_shaped_items_are_rejected_one_by_one(client, auth, world, db):
    token = login_api(client, auth)
    good = household_item(world["village_a1"].id)
    items = [
        "not an object",
        {"kind": "visit", "id": "not-a-uuid", "payload": {}},
        {"kind": "pet", "id": str(uuid.uuid4()), "payload": {}},
        {"kind": "visit", "id": str(uuid.uuid4()), "payload": [1, 2]},
        {"kind": "household", "id": 12, "payload": {}},
        good,
    ]
    results = sync(client, token, items).json["results"]
    assert [r["status"] for r in results] == ["rejected"] * 5 + ["created"]
    assert results[0] == {
        "id": None,
        "status": "rejected",
        "errors": {"item": results[0]["errors"]["item"]},
    }
    assert set(results[1]["errors"]) == {"id"} and results[1]["id"] == "not-a-uuid"
    assert set(results[2]["errors"]) == {"kind"}
    assert set(results[3]["errors"]) == {"payload"}
    assert set(results[4]["errors"]) == {"id"} and results[4]["id"] is None
    assert count(db, Household) == 1


def test_a_visit_may_not_reach_outside_the_area(client, auth, world, db):
    outside = make_household(db, world["village_b1"], world["other"])
    token = login_api(client, auth)
    result = sync(client, token, [visit_item(outside.id)]).json["results"][0]
    assert result["status"] == "rejected"
    assert set(result["errors"]) == {"household_id"}
    assert count(db, Visit) == 0


def test_an_id_used_outside_the_area_is_refused_without_a_copy(client, auth, world, db):
    outside = make_household(db, world["village_b1"], world["other"], head_name="Bí Mật")
    outside_visit = make_visit(db, outside, world["other"])
    token = login_api(client, auth)
    mine = make_household(db, world["village_a1"], world["volunteer"])
    results = sync(
        client,
        token,
        [
            household_item(world["village_a1"].id, item_id=str(outside.id)),
            visit_item(mine.id, item_id=str(outside_visit.id)),
        ],
    ).json["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert all("server" not in r and set(r["errors"]) == {"id"} for r in results)
    assert "Bí Mật" not in str(results)
    fresh(db)
    assert db.get(Household, outside.id).village_id == world["village_b1"].id
    assert db.get(Visit, outside_visit.id).household_id == outside.id


# --- HTTP errors ---------------------------------------------------------------------------


def test_not_logged_in_is_401_json_even_without_a_token(client, world, db):
    response = client.post("/api/v1/sync", json={"items": []})
    assert response.status_code == 401
    assert response.json["error"] == "Vui lòng đăng nhập để tiếp tục."


def test_a_missing_or_bad_csrf_token_is_400_json(client, auth, world, db):
    login_api(client, auth)
    item = household_item(world["village_a1"].id)
    for headers in ({}, {"X-CSRFToken": "forged"}):
        response = client.post("/api/v1/sync", json={"items": [item]}, headers=headers)
        assert response.status_code == 400
        assert response.is_json and response.json["error"]
    assert count(db, Household) == 0


@pytest.mark.parametrize(
    "body",
    [
        b'{"items": [{"kind": "household", "id": "x", "payload": {}}',
        b"not json at all",
        b"[]",
        b'{"items": {"a": 1}}',
        b'{"things": []}',
        b"\xff\xfe",
    ],
)
def test_malformed_json_is_400_and_stores_nothing(client, auth, world, db, body):
    token = login_api(client, auth)
    response = client.post(
        "/api/v1/sync",
        data=body,
        headers={"X-CSRFToken": token, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.is_json and response.json["error"]
    assert count(db, Household) == 0 and count(db, Visit) == 0


def test_more_than_200_items_is_413_and_stores_nothing(client, auth, world, db):
    token = login_api(client, auth)
    items = [household_item(world["village_a1"].id) for _ in range(201)]
    response = sync(client, token, items)
    assert response.status_code == 413
    assert response.is_json and response.json["error"]
    assert count(db, Household) == 0
    response = sync(client, token, items[:200])
    assert response.status_code == 200, response.json
    assert {r["status"] for r in response.json["results"]} == {"created"}, response.json
    assert count(db, Household) == 200


def test_an_expired_session_gets_401_then_syncs_after_logging_in(client, auth, world, db):
    token = login_api(client, auth)
    item = household_item(world["village_a1"].id)
    auth.logout()
    assert sync(client, token, [item]).status_code == 401
    token = login_api(client, auth)
    assert sync(client, token, [item]).json["results"][0]["status"] == "created"


# --- concurrency -----------------------------------------------------------------------------


def test_a_batch_is_written_together_not_item_by_item(client, auth, world, db, count_queries):
    """30 visits: one SAVEPOINT for the batch and a multi-row INSERT per table, not 30 of each."""
    token = login_api(client, auth)
    household = make_household(db, world["village_a1"], world["volunteer"])
    items = [visit_item(household.id) for _ in range(30)]
    with count_queries() as statements:
        response = sync(client, token, items)
    assert {r["status"] for r in response.json["results"]} == {"created"}
    assert count(db, Visit) == 30 and count(db, VisitSkill) == 60

    def inserts_into(table: str) -> int:
        return sum(
            s.lstrip().upper().startswith(f"INSERT INTO {table.upper()} ") for s in statements
        )

    assert inserts_into("visit") <= 3
    assert inserts_into("visit_skill") <= 3
    # item by item it was six statements per visit; SQLite still inserts the rows of the two
    # tables with integer ids (audit log, status changes) one by one
    assert len(statements) < (30 * 3 if not PG_URL else 40)


def test_an_item_stored_between_the_read_and_the_write_is_unchanged(
    client, auth, world, db, monkeypatch, caplog
):
    """The batch read misses a visit that a concurrent request stores before our flush: the
    flush fails on the primary key, the batch is applied again item by item and finds it."""
    token = login_api(client, auth)
    household = make_household(db, world["village_a1"], world["volunteer"])
    first, second = visit_item(household.id), visit_item(household.id)
    assert sync(client, token, [first]).json["results"][0]["status"] == "created"
    real_load = sync_services._Batch._load
    reads: list[type] = []

    def load_missing_the_visit_once(batch, model, keys):
        reads.append(model)
        if model is Visit and reads.count(Visit) == 1:
            return []  # as if read just before the other request committed
        return real_load(batch, model, keys)

    monkeypatch.setattr(sync_services._Batch, "_load", load_missing_the_visit_once)
    caplog.set_level(logging.INFO, logger="cdt_app.sync.services")
    response = sync(client, token, [second, first])
    assert response.status_code == 200
    assert [r["status"] for r in response.json["results"]] == ["created", "unchanged"]
    assert "item by item" in caplog.text
    assert count(db, Visit) == 2
    assert db.scalar(select(func.count()).select_from(VisitSkill)) == 4
    assert (
        db.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.object_id == second["id"])
        )
        == 1
    )


def test_a_late_sync_item_by_item_keeps_the_coverage_aggregates(
    client, auth, world, db, monkeypatch, count_queries
):
    """A household and visits made offline weeks ago, applied item by item (one SAVEPOINT
    each): the aggregates equal the raw rows, recomputed once, at the request's commit."""
    token = login_api(client, auth)
    household = household_item(world["village_a1"].id)
    past = (today_local() - timedelta(days=40)).isoformat()
    items = [household, *(visit_item(household["id"], visited_on=past) for _ in range(3))]

    def concurrent_insert(*_args):
        raise IntegrityError("INSERT", {}, Exception("stored concurrently"))

    monkeypatch.setattr(sync_services, "_apply_together", concurrent_insert)
    with count_queries() as statements:
        response = sync(client, token, items)
    assert [r["status"] for r in response.json["results"]] == ["created"] * 4
    recomputed = [s for s in statements if "DELETE FROM coverage_village_month " in s]
    assert len(recomputed) == 1
    fresh(db)
    province = db.get(Place, world["province"].id)
    for approved in (False, True):
        period = Period(None, today_local(), approved_only=approved)
        raw = coverage_report(db, province, period, "villages", source="raw")
        kept = coverage_report(db, province, period, "villages", source="aggregates")
        assert [(r.id, r.figures.as_api()) for r in [raw.place, *raw.rows]] == [
            (r.id, r.figures.as_api()) for r in [kept.place, *kept.rows]
        ]
    synced = coverage_report(db, province, Period(None, today_local()), "villages")
    assert synced.source == "aggregates"
    assert (synced.totals.visits, synced.totals.reached_households) == (3, 1)


@pytest.mark.parametrize("senders", [("tinhnguyen", "tinhnguyen"), ("tinhnguyen", "totruong")])
def test_two_identical_requests_at_the_same_time_store_one_row(
    app, world, db, monkeypatch, caplog, senders
):
    """The same new visit sent twice at once, by one phone or by two people of the village.

    Two people: both requests read "no such visit", then both insert; on PostgreSQL the loser's
    INSERT fails, its savepoint is rolled back and it re-reads the winner's row. One person:
    the second request waits for the first (one sync per user at a time). On SQLite the write
    transactions are serialised. Always one row, one "created" and one "unchanged".
    """
    make_user(db, "team_lead", world["village_a1"], username="totruong")
    household = make_household(db, world["village_a1"], world["volunteer"])
    item = visit_item(household.id)
    barrier = threading.Barrier(2)
    real_save = sync_services.save_visit

    def save_after_both_read(*args, **kwargs):
        try:
            barrier.wait(timeout=2)  # on SQLite the other request waits for our lock instead
        except threading.BrokenBarrierError:
            pass
        return real_save(*args, **kwargs)

    monkeypatch.setattr(sync_services, "save_visit", save_after_both_read)
    caplog.set_level(logging.INFO, logger="cdt_app.sync.services")

    clients, tokens = [], []
    for username in senders:
        client = app.test_client()
        tokens.append(login_api(client, AuthActions(client), username))
        clients.append(client)
    answers: list = [None, None]

    def send(index: int) -> None:
        answers[index] = sync(clients[index], tokens[index], [item])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [a.status_code for a in answers] == [200, 200]
    statuses = sorted(a.json["results"][0]["status"] for a in answers)
    assert statuses == ["created", "unchanged"]
    assert count(db, Visit) == 1
    if PG_URL and senders[0] != senders[1]:
        assert "stored concurrently" in caplog.text  # the IntegrityError path really ran
    assert db.scalar(select(func.count()).select_from(VisitSkill)) == 2


def test_many_concurrent_batches_never_duplicate(app, world, db):
    """Eight clients send the same two overlapping batches at once: every item stored once."""
    household = make_household(db, world["village_a1"], world["volunteer"])
    batch = [visit_item(household.id) for _ in range(10)]
    clients = []
    for _ in range(8):
        client = app.test_client()
        clients.append((client, login_api(client, AuthActions(client))))
    answers: list = []
    lock = threading.Lock()

    def send(client, token, items) -> None:
        response = sync(client, token, items)
        with lock:
            answers.append(response)

    threads = [
        threading.Thread(target=send, args=(c, t, batch if i % 2 else list(batch[::-1])))
        for i, (c, t) in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 8 and {a.status_code for a in answers} == {200}
    created = sum(r["status"] == "created" for a in answers for r in a.json["results"])
    assert created == 10
    assert {r["status"] for a in answers for r in a.json["results"]} <= {"created", "unchanged"}
    assert count(db, Visit) == 10


# --- no input gives a 500 --------------------------------------------------------------------

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
_payload_keys = st.sampled_from(
    [
        "village_id",
        "head_name",
        "phone",
        "members",
        "consent",
        "household_id",
        "visited_on",
        "skills",
        "people_taught",
        "lat",
        "lon",
        "notes",
    ]
)


_tokens: dict[int, str] = {}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kind=st.sampled_from(["household", "visit", "x"]),
    payload=st.dictionaries(_payload_keys, _json_values, max_size=8) | _json_values,
)
def test_random_items_never_give_a_500(client, auth, world, kind, payload):
    token = _tokens.get(id(client)) or _tokens.setdefault(id(client), login_api(client, auth))
    item = {"kind": kind, "id": str(uuid.uuid4()), "payload": payload}
    response = sync(client, token, [item])
    assert response.status_code == 200
    assert response.json["results"][0]["status"] in ("created", "rejected")
