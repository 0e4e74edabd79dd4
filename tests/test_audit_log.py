"""The audit log: a list for staff and admins scoped to their area, filters, pages, the
history of one object, masked personal data, and append-only (no route or ORM change)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from cdt_app.audit import AppendOnlyError, diff, history_for, record
from cdt_app.models import AuditLog, Place
from tests.conftest import csrf_from


@pytest.fixture
def log(db, make_world):
    world = make_world(
        people={
            "staff_a": ("staff", "commune_a", "canboa"),
            "staff_b": ("staff", "commune_b", "canbob"),
            "admin": ("admin", "province", "quantri"),
            "doan": ("coordinator", "commune_a", "doan"),
            "vol": ("volunteer", "village_a1", "tinhnguyen"),
            "vol_b": ("volunteer", "village_b1", "tinhnguyen2"),
        },
        households={"household": ("village_a1", None)},
        visits={"visit": ("household", "vol")},
    )
    tree, people, household = world.tree, world.people, world["household"]
    entries = {
        "household_a": record(
            db,
            people["vol"],
            "create",
            household,
            diff({}, {"head_name": "Nguyễn Văn An", "phone": "0912345678", "members": 4}),
            place_id=tree["village_a1"].id,
        ),
        "place_b": record(
            db,
            people["admin"],
            "update",
            tree["village_b1"],
            diff({"name": "Khu phố 3"}, {"name": "Khu phố Ba"}),
            place_id=tree["village_b1"].id,
        ),
        # no place: belongs to the actor's place (village A1)
        "password_a": record(db, people["vol"], "password_change", people["vol"], {}),
        # neither place nor actor: administrators only
        "system": record(db, None, "import", tree["province"], {"rows": [None, 3]}),
    }
    db.commit()
    return {"tree": tree, "people": people, "entries": entries, "visit": world["visit"]}


@pytest.mark.parametrize(
    ("who", "code"),
    [("vol", 403), ("doan", 403), ("staff_a", 200), ("staff_b", 200), ("admin", 200)],
)
def test_who_reads_the_audit_log(client, auth, log, who, code):
    auth.login(log["people"][who].username)
    assert client.get("/audit/").status_code == code


def _ids(text: str, log) -> set[str]:
    return {
        name
        for name, entry in log["entries"].items()
        if f'/audit/{entry.object_type}/{entry.object_id}"' in text
    }


def test_list_is_scoped_to_the_readers_area(client, auth, log):
    auth.login("canboa")
    assert _ids(client.get("/audit/").text, log) == {"household_a", "password_a"}
    auth.logout()
    auth.login("canbob")
    assert _ids(client.get("/audit/").text, log) == {"place_b"}
    auth.logout()
    auth.login("quantri")
    assert _ids(client.get("/audit/").text, log) == set(log["entries"])


def test_personal_data_is_masked(client, auth, log):
    auth.login("canboa")
    text = client.get("/audit/").text
    assert "Nguyễn Văn An" not in text and "0912345678" not in text
    assert "0912***678" in text and "***" in text


def test_filters(client, auth, db, log):
    people = log["people"]
    old = record(db, people["doan"], "review", log["visit"], {"status": ["submitted", "approved"]})
    old.at = datetime(2025, 7, 1, 3, 0, tzinfo=UTC)
    old.place_id = log["tree"]["village_a1"].id
    db.commit()
    auth.login("quantri")
    assert _ids(client.get("/audit/?action=update").text, log) == {"place_b"}
    assert _ids(client.get("/audit/?object_type=app_user").text, log) == {"password_a"}
    assert _ids(client.get("/audit/?actor=tinh").text, log) == {"household_a", "password_a"}
    assert _ids(client.get("/audit/?actor=TINHNGUYEN").text, log) == {
        "household_a",
        "password_a",
    }
    dated = client.get("/audit/?date_from=01/07/2025&date_to=2025-07-01").text
    assert f"/audit/visit/{log['visit'].id}" in dated and _ids(dated, log) == set()
    before = client.get("/audit/?date_to=2025-06-30").text
    assert "Không có mục nào phù hợp." in before
    bad = client.get("/audit/?date_from=hôm qua&actor=%25&page=abc&action=" + "x" * 300)
    assert bad.status_code == 200
    assert "Nhập ngày theo dạng dd/mm/yyyy." in bad.text


def test_pages(client, auth, db, log):
    place = log["tree"]["village_b1"]
    for n in range(55):
        record(
            db,
            log["people"]["admin"],
            "update",
            place,
            {"page_test": [n, n + 1]},
            place_id=place.id,
        )
    db.commit()
    auth.login("canbob")
    first = client.get("/audit/").text
    assert first.count("<code>page_test</code>") == 50
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/audit/?page=2").text
    assert second.count("<code>page_test</code>") == 5
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_history_of_one_object(client, auth, db, log):
    visit = log["visit"]
    reviewer = log["people"]["doan"]
    record(
        db,
        reviewer,
        "review",
        visit,
        diff(
            {"status": "submitted", "review_note": None},
            {"status": "returned", "review_note": "Sai số điện thoại 0912345678"},
        ),
        place_id=visit.village_id,
    )
    db.commit()
    history = history_for(db, "visit", visit.id)
    assert [entry["action"] for entry in history] == ["review"]
    assert history[0]["actor_name"] == reviewer.display_name
    assert ("review_note", None, "***") in history[0]["changes"]
    auth.login("canboa")
    page = client.get(f"/audit/visit/{visit.id}")
    assert page.status_code == 200
    assert "Chờ duyệt → Trả lại" in page.text
    assert "0912345678" not in page.text
    auth.logout()
    auth.login("canbob")  # the visit is in commune A
    assert client.get(f"/audit/visit/{visit.id}").status_code == 404
    assert client.get("/audit/visit/" + "x" * 80).status_code == 404


def test_no_route_changes_or_deletes_entries(client, auth, db, log):
    auth.login("quantri")
    token = csrf_from(client.get("/account").text)
    entry = log["entries"]["place_b"]
    stored = [(e.id, e.action, e.changes) for e in db.scalars(select(AuditLog))]
    for url in ("/audit/", f"/audit/{entry.object_type}/{entry.object_id}", f"/audit/{entry.id}"):
        for method in ("post", "put", "patch", "delete"):
            response = getattr(client, method)(url, data={"csrf_token": token})
            assert response.status_code in (404, 405), (method, url)
    db.rollback()
    assert [(e.id, e.action, e.changes) for e in db.scalars(select(AuditLog))] == stored


def test_the_orm_refuses_to_change_or_delete_entries(db, log):
    entry = db.get(AuditLog, log["entries"]["place_b"].id)
    entry.action = "nothing happened"
    with pytest.raises(AppendOnlyError):
        db.commit()
    db.rollback()
    entry = db.get(AuditLog, log["entries"]["place_b"].id)
    db.delete(entry)
    with pytest.raises(AppendOnlyError):
        db.commit()
    db.rollback()
    assert db.get(AuditLog, entry.id).action == "update"


def test_review_through_the_web_is_audited_and_listed(client, auth, db, log):
    auth.login("doan")
    token = csrf_from(client.get("/review/").text)
    client.post(f"/review/visits/{log['visit'].id}/approve", data={"csrf_token": token})
    auth.logout()
    auth.login("canboa")
    text = client.get("/audit/?action=review").text
    assert f"/audit/visit/{log['visit'].id}" in text
    assert "đã duyệt" in text and log["people"]["doan"].display_name in text


def test_dates_are_local_days(app, db, log):
    """An entry at 23:30 on 30/6 UTC is on 1/7 in Vietnam (UTC+7)."""
    from cdt_app.auditlog.queries import AuditFilters, audit_entries
    from cdt_app.i18n import today_local

    late = record(db, log["people"]["admin"], "update", log["tree"]["province"], {})
    late.at = datetime(2025, 6, 30, 23, 30, tzinfo=UTC)
    late.place_id = log["tree"]["province"].id
    db.commit()
    admin, root = log["people"]["admin"], db.get(Place, log["tree"]["province"].id)
    with app.test_request_context():
        day = datetime(2025, 7, 1).date()
        found = audit_entries(db, admin, root, AuditFilters(date_from=day, date_to=day))
        assert [entry["id"] for entry in found.entries] == [late.id]
        previous = day - timedelta(days=1)
        none = audit_entries(db, admin, root, AuditFilters(date_from=previous, date_to=previous))
        assert none.entries == []
        assert today_local() > day
