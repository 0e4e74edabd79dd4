"""Erasure reaches every free-text field tied to a household (DESIGN section 3): a marker
planted in each of them (name, address, notes, phones, visit notes, return reasons, the
status history, the audit log) is, after "xóa thông tin cá nhân", on no page, in no export
or API answer and in no table; the audit log keeps that something was done, by whom and when.
Runs on SQLite and PostgreSQL (CDT_TEST_DATABASE_URL)."""

from __future__ import annotations

import html
import io
import json
import re
import uuid
import zipfile

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlmodel import SQLModel

from cdt_app.audit import ERASED, AppendOnlyError, parse_changes, redact
from cdt_app.households.services import save_household
from cdt_app.i18n import search_key, today_local
from cdt_app.models import AuditLog, Household, Visit
from cdt_app.privacy.services import anonymise_household
from cdt_app.review.services import review_visit
from cdt_app.visits.services import save_visit
from tests.conftest import AuthActions, csrf_from
from tests.factories import make_tree, make_user
from tests.test_api_sync import household_item, login_api, sync, visit_item
from tests.test_privacy import _anonymise

#: a name nobody else in the data has; CONTROL is another household's, which must stay
MARKER, CONTROL = "Mộc Miên Xuyến", "Kiều Oanh Vỹ"
OLD_PHONE, PHONE = "0388246135", "0977531864"


def _leaks(text: str, marker: str = MARKER, phones: tuple[str, ...] = (OLD_PHONE, PHONE)):
    """What of ``marker`` or the phones ``text`` still holds: the marker as written, folded or
    JSON-escaped, any run of 7 of a phone's digits (however spaced or masked with *), or a
    masked phone (0388***135: 7 of its 10 digits)."""
    found = []
    forms = {marker, search_key(marker), json.dumps(marker)[1:-1]}
    found += [form for form in forms if form.lower() in text.lower()]
    squeezed = re.sub(r"[\s*.•]", "", text)
    for phone in phones:
        national = phone[1:]
        for start in range(len(national) - 6):
            if national[start : start + 7] in squeezed:
                found.append(f"digits of {phone}")
                break
        if re.search(re.escape(phone[:4]) + r"\D{1,6}" + re.escape(phone[-3:]), text):
            found.append(f"masked {phone}")
    return found


def _text_columns(table: sa.Table) -> list[sa.Column]:
    """The columns that hold text or JSON (not UUIDs, numbers or times)."""
    columns = []
    for column in table.columns:
        kind = column.type
        kind = kind.impl if isinstance(kind, sa.types.TypeDecorator) else kind
        if isinstance(kind, (sa.String, sa.JSON)):
            columns.append(column)
    return columns


def _table_leaks(db, marker: str = MARKER, phones=(OLD_PHONE, PHONE)) -> list[str]:
    """Every table.column of the database where ``marker`` or the phones still are."""
    db.rollback()
    found = []
    for table in SQLModel.metadata.sorted_tables:
        columns = _text_columns(table)
        if not columns:
            continue
        for row in db.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                if value is not None and _leaks(str(value), marker, phones):
                    found.append(f"{table.name}.{column.name}")
    return sorted(set(found))


def _body(response) -> str:
    """A response's text as a person or a program would read it."""
    if response.mimetype == "application/json":
        return json.dumps(response.get_json(), ensure_ascii=False)
    if response.data[:2] == b"PK":  # XLSX: the XML parts of the zip
        with zipfile.ZipFile(io.BytesIO(response.data)) as book:
            return "\n".join(
                html.unescape(book.read(name).decode("utf-8"))
                for name in book.namelist()
                if name.endswith(".xml")
            )
    return html.unescape(response.data.decode("utf-8-sig"))


@pytest.fixture
def planted(app, db):
    """A household whose every text field, and those of its visits, names MARKER."""
    tree = make_tree(db)
    village = tree["village_a1"]
    people = {
        "tv": make_user(db, "volunteer", village, username="tv"),
        "tt": make_user(db, "team_lead", village, username="tt"),
        "doan": make_user(db, "coordinator", tree["commune_a"], username="doan"),
        "cb": make_user(db, "staff", tree["province"], username="cb"),
        "qt": make_user(db, "admin", tree["province"], username="qt"),
    }
    phone = app.test_client()
    token = login_api(phone, AuthActions(phone), "tv")
    first = household_item(
        village.id,
        head_name=f"Bà {MARKER}",
        address=f"Số 7, ngõ {MARKER}",
        phone=f"+84 {OLD_PHONE[1:4]} {OLD_PHONE[4:7]} {OLD_PHONE[7:]}",
        notes=f"Con gái {MARKER} đi làm xa",
    )
    household_id = uuid.UUID(first["id"])
    synced = visit_item(household_id, notes=f"Gặp bà {MARKER}", lat=11.25, lon=108.5)
    answers = sync(phone, token, [first, synced]).json["results"]
    assert [a["status"] for a in answers] == ["created", "created"]

    with app.test_request_context():
        household = db.get(Household, household_id)
        save_household(
            db,
            people["tt"],
            {**first["payload"], "phone": PHONE, "notes": f"Bà {MARKER} hay ở nhà buổi sáng"},
            household=household,
        )
        db.commit()

        def visit_data(notes: str) -> dict:
            return {
                "household_id": str(household_id),
                "visited_on": today_local().isoformat(),
                "skills": [{"code": "vneid", "completed": True}],
                "people_taught": 2,
                "notes": notes,
                "lat": 11.2,
                "lon": 108.4,
            }

        visits = [db.get(Visit, uuid.UUID(synced["id"]))]
        for n in range(2):
            visit = save_visit(db, people["tv"], visit_data(f"Lần {n}: bà {MARKER} vắng"))
            db.commit()
            review_visit(db, people["tt"], visit, "return", f"Thiếu ảnh của bà {MARKER}")
            db.commit()
            save_visit(db, people["tv"], visit_data(f"Đã gặp bà {MARKER}"), visit=visit)
            db.commit()
            visits.append(visit)
        review_visit(db, people["doan"], visits[1], "return", f"Bà {MARKER} chưa ký")
        review_visit(db, people["doan"], visits[2], "approve")
        db.commit()
        assert [v.status for v in visits] == ["submitted", "returned", "approved"]

        control = save_household(
            db,
            people["tv"],
            {
                **first["payload"],
                "head_name": f"Ông {CONTROL}",
                "address": f"Xóm {CONTROL}",
                "phone": None,
                "notes": f"Con trai {CONTROL}",
            },
        )
        db.commit()
        kept_data = {**visit_data(f"Gặp {CONTROL}"), "household_id": str(control.id)}
        kept = save_visit(db, people["tv"], kept_data)
        db.commit()
        review_visit(db, people["tt"], kept, "return", f"Ông {CONTROL} chưa ký")
        db.commit()
    return {
        "tree": tree,
        "people": people,
        "household_id": household_id,
        "visits": [v.id for v in visits],
        "control": control.id,
        "control_visit": kept.id,
        "items": (first, synced),
    }


def _audit_trail(db) -> list[tuple]:
    db.rollback()
    return [
        (e.id, e.at, e.action, e.actor_id, e.object_type, e.object_id)
        for e in db.scalars(select(AuditLog).order_by(AuditLog.id))
    ]


def test_the_marker_is_everywhere_before_the_erasure(db, planted):
    """The scan sees what it looks for (else the test below would prove nothing)."""
    assert {"household.head_name", "visit.review_note", "visit_status_change.reason"} <= set(
        _table_leaks(db)
    )
    assert "audit_log.changes" in _table_leaks(db)  # the masked phones, 0388***135


def _pages(app, planted) -> dict[str, str]:
    """Every page, export and API answer that could show the household, as its readers get
    them: {who and url: text}."""
    hid, visits, village = planted["household_id"], planted["visits"], planted["tree"]["village_a1"]
    first, synced = planted["items"]
    household_pages = [f"/households/{hid}", "/households/", "/households/?q=moc"]
    visit_pages = [f"/visits/{vid}" for vid in visits]
    review_pages = ["/review/", *(f"/review/visits/{vid}" for vid in visits)]
    reports = [
        "/activity/",
        "/reports/coverage",
        f"/reports/coverage.csv?place={village.id}&level=villages",
        f"/reports/coverage.xlsx?place={village.id}&level=villages",
        f"/api/v1/coverage?place={village.id}",
    ]
    audit = [
        "/audit/",
        f"/audit/household/{hid}",
        *(f"/audit/visit/{vid}" for vid in visits),
    ]
    readers = {
        "tv": [
            "/",
            "/visits/mine",
            *household_pages,
            *visit_pages,
            f"/visits/{planted['control_visit']}",
            "/api/v1/offline-data",
        ],
        "tt": ["/", "/visits/team", *household_pages, *visit_pages, *review_pages, *reports],
        "doan": ["/", *review_pages, *reports],
        "cb": [*reports, *audit, "/reports/visits.csv", "/reports/visits.csv?phones=full"],
        "qt": audit,
    }
    seen: dict[str, str] = {}
    for username, urls in readers.items():
        client = app.test_client()
        token = login_api(client, AuthActions(client), username)
        for url in urls:
            response = client.get(url, follow_redirects=True)
            assert response.status_code == 200, (username, url)
            seen[f"{username} {url}"] = _body(response)
        if username in ("tv", "tt"):
            # what the phones still hold: the household's old payload, the visit's (the
            # volunteer's replay; then the team lead's, whose edits are refused), an edit
            # the author made offline, a visit logged offline before the erasure
            edited = {**synced, "payload": {**synced["payload"], "people_taught": 1}}
            offline = visit_item(hid, notes=f"Bà {MARKER} đã tự làm được", lat=11.3, lon=108.6)
            answer = sync(client, token, [first, synced, edited, offline])
            assert answer.status_code == 200
            statuses = [result["status"] for result in answer.json["results"]]
            assert statuses == (
                ["conflict", "unchanged", "updated", "created"]
                if username == "tv"
                else ["conflict", "conflict", "unchanged", "created"]
            )
            seen[f"{username} sync"] = _body(answer)
        if username in ("tt", "cb"):
            account = client.get("/account").text
            for fmt in ("json", "csv"):
                export = client.post(
                    f"/privacy/households/{hid}/export",
                    data={"format": fmt, "csrf_token": csrf_from(account)},
                )
                assert export.status_code == 200
                seen[f"{username} export.{fmt}"] = _body(export)
    return seen


def test_erasure_leaves_the_marker_on_no_page_in_no_export_and_in_no_table(app, db, planted):
    before = _audit_trail(db)
    lead = AuthActions(client := app.test_client())
    lead.login("tt")
    assert _anonymise(client, planted["household_id"]).status_code == 302

    assert _table_leaks(db) == []
    pages = _pages(app, planted)
    leaks = {where: found for where, text in pages.items() if (found := _leaks(text))}
    assert leaks == {}
    # the other household of the village keeps its data (the scans do find what is there)
    assert {"household.head_name", "visit.notes", "visit_status_change.reason"} <= set(
        _table_leaks(db, CONTROL, phones=())
    )
    assert f"Ông {CONTROL} chưa ký" in pages[f"tv /visits/{planted['control_visit']}"]
    assert f"Ông {CONTROL}" in pages["tt /households/"]

    # a returned visit still says it was returned, with its reason erased
    returned = db.get(Visit, planted["visits"][1])
    assert (returned.status, returned.review_note) == ("returned", ERASED)
    assert ERASED in pages[f"tv /visits/{returned.id}"]

    # the audit log keeps every entry (action, actor, time, object), their personal values
    # erased, and a new entry tells who erased them and when
    after = _audit_trail(db)
    assert after[: len(before)] == before
    erased = db.scalars(
        select(AuditLog).where(
            AuditLog.object_type == "household",
            AuditLog.object_id == str(planted["household_id"]),
            AuditLog.action == "anonymise",
        )
    ).all()
    assert [entry.actor_id for entry in erased] == [planted["people"]["tt"].id]
    created = db.scalar(
        select(AuditLog).where(
            AuditLog.object_id == str(planted["household_id"]), AuditLog.action == "create"
        )
    )
    values = {field: after for field, _before, after in parse_changes(created.changes)}
    assert values["head_name"] == values["phone"] == values["notes"] == ERASED
    assert values["members"] == 5  # what is not personal stays
    history = pages[f"cb /audit/household/{planted['household_id']}"]
    assert ERASED in history and "đã xóa thông tin cá nhân" in history


def test_erasure_by_the_retention_rule_reaches_the_same_fields(app, db, planted):
    with app.test_request_context():
        anonymise_household(db, None, db.get(Household, planted["household_id"]), "retention")
        db.commit()
    assert _table_leaks(db) == []


def test_redact_replaces_only_the_named_values_and_the_log_stays_append_only(db):
    entry = AuditLog(
        action="update",
        object_type="household",
        object_id="x-1",
        changes=json.dumps({"phone": [None, "0388***135"], "notes": "***", "members": [4, 5]}),
    )
    other = AuditLog(action="update", object_type="household", object_id="x-2", changes="{}")
    db.add_all([entry, other])
    db.commit()
    assert redact(db, "household", ["x-1", "x-2"], frozenset({"phone", "notes"})) == 1
    db.commit()
    db.expire_all()
    assert json.loads(db.get(AuditLog, entry.id).changes) == {
        "phone": [None, ERASED],
        "notes": ERASED,
        "members": [4, 5],
    }
    stored = db.get(AuditLog, other.id)
    stored.changes = json.dumps({"phone": [None, PHONE]})
    with pytest.raises(AppendOnlyError):
        db.commit()
