"""Control characters and NUL (issue 13, point 4): every way text comes in (forms, query
strings, the JSON API, place imports, the CLI, URL parts) gives no 500 and stores no control
character, on SQLite and PostgreSQL; the exports stay readable whatever is already stored."""

from __future__ import annotations

import io
import json
import unicodedata
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select, text
from sqlmodel import SQLModel

from cdt_app.cli import cdt_cli
from cdt_app.i18n import today_local
from cdt_app.models import Place, User
from cdt_app.values import clean_line, clean_search, clean_text, strip_controls
from tests.conftest import csrf_from
from tests.test_places_import import HEADER, xlsx_bytes

#: NUL, C0 (SOH, ESC, BS), DEL, C1 (NEL, CSI), the BOM, a bidi override and a zero-width space
CONTROLS = ["\x00", "\x01", "\x1b", "\x08", "\x7f", "\x85", "\x9b", "\ufeff", "\u202e", "\u200b"]
#: those openpyxl itself can write into a workbook (it refuses C0 characters)
XLSX_CONTROLS = ["\x7f", "\x85", "\x9b", "\ufeff", "\u202e", "\u200b"]


def is_control(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category in ("Cc", "Cs") or (category == "Cf" and ch not in "\u200c\u200d")


def stored_controls(db) -> list[tuple[str, str, str]]:
    """(table, column, value) of every stored text holding a control character other than a
    line break of multi-line text, in every table (JSON columns read as their text)."""
    db.rollback()
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for row in db.execute(select(table)).mappings():
            for column, value in row.items():
                if isinstance(value, (dict, list)):
                    value = json.dumps(value, ensure_ascii=False)
                if isinstance(value, str) and any(is_control(c) and c != "\n" for c in value):
                    found.append((table.name, column, value))
    return found


@pytest.fixture
def world(make_world):
    return make_world(
        people={
            "admin": ("admin", "province", "ad"),
            "staff": ("staff", "province", "cb"),
            "coordinator": ("coordinator", "commune_a", "doan"),
            "volunteer": ("volunteer", "village_a1", "tv"),
        },
        households={"household": ("village_a1", "volunteer", {})},
        visits={"visit": ("household", "volunteer")},
    )


def _login(client, username: str) -> str:
    page = client.get("/login")
    client.post(
        "/login",
        data={
            "username": username,
            "password": "demo-cds-2026",
            "csrf_token": csrf_from(page.text),
        },
    )
    return client.get("/api/v1/me").json["csrf_token"]


# --- one entry point each: (who, send(client, world, token, bad text) -> responses) ----------


def _place_form(client, world, token, bad):
    commune = world["tree"]["commune_a"]
    data = {
        "name": f"Thôn{bad}Mới",
        "kind": "thon",
        "code": f"T{bad}9",
        "parent_id": str(commune.id),
        "target_households": "",
        "active": "y",
        "csrf_token": token,
    }
    created = client.post(f"/places/{commune.id}/new", data=data)
    village = world["tree"]["village_a1"]
    edited = client.post(f"/places/{village.id}/edit", data={**data, "code": ""})
    return [created, edited]


def _place_import(client, world, token, bad):
    parent = world["tree"]["commune_a"].code
    csv_file = (HEADER + f"T{bad}7,Thôn{bad}Bảy,thon,{parent},10\n").encode()
    sent = []
    for name, content in [("thon.csv", csv_file)] + [
        (
            "thon.xlsx",
            xlsx_bytes(
                [HEADER.strip().split(","), [f"X{bad}8", f"Thôn{bad}Tám", "thon", parent, 5]]
            ),
        )
        for _ in [0]
        if bad in XLSX_CONTROLS
    ]:
        page = client.get("/places/import")
        sent.append(
            client.post(
                "/places/import",
                data={"file": (io.BytesIO(content), name), "csrf_token": csrf_from(page.text)},
                content_type="multipart/form-data",
            )
        )
    return sent


def _user_form(client, world, token, bad):
    return [
        client.post(
            "/users/new",
            data={
                "username": f"moi{bad}a",
                "display_name": f"Người{bad}Mới",
                "role": "volunteer",
                "place_id": str(world["tree"]["village_a1"].id) + bad,
                "password": "mat-khau-rat-dai-2026",
                "active": "y",
                "csrf_token": token,
            },
        )
    ]


def _sync_api(client, world, token, bad):
    household_id = str(uuid.uuid4())
    items = [
        {
            "kind": "household",
            "id": household_id,
            "payload": {
                "village_id": world["tree"]["village_a1"].id,
                "head_name": f"Trần{bad}Bình",
                "address": f"Xóm{bad}Đông",
                "phone": f"0912{bad}345678",
                "members": 3,
                "consent": True,
                "notes": f"dòng một{bad}\ndòng hai",
            },
        },
        {
            "kind": "visit",
            "id": str(uuid.uuid4()),
            "payload": {
                "household_id": household_id,
                "visited_on": today_local().isoformat(),
                "skills": [{"code": f"vneid{bad}", "completed": True}, {"code": "vneid"}],
                "people_taught": 1,
                "notes": f"Ghi{bad}chú",
            },
        },
        {"kind": f"visit{bad}", "id": f"{uuid.uuid4()}{bad}", "payload": {}},
    ]
    return [
        client.post("/api/v1/sync", json={"items": items}, headers={"X-CSRFToken": token}),
    ]


def _review_api(client, world, token, bad):
    visit = world["visits"]["visit"]
    return [
        client.post(
            f"/api/v1/visits/{visit.id}/review",
            json={"action": f"return{bad}", "reason": f"Thiếu{bad}ảnh"},
            headers={"X-CSRFToken": token},
        ),
        client.post(
            f"/api/v1/visits/{visit.id}/review",
            json={"action": "return", "reason": f"Thiếu{bad}ảnh"},
            headers={"X-CSRFToken": token},
        ),
    ]


def _return_form(client, world, token, bad):
    visit = world["visits"]["visit"]
    return [
        client.post(
            f"/review/visits/{visit.id}/return",
            data={"reason": f"Sai{bad}ngày", "csrf_token": token},
        )
    ]


def _filters(client, world, token, bad):
    village = world["tree"]["village_a1"].id
    urls = [
        ("/users/", {"q": bad}),
        ("/users/", {"q": f"a{bad}", "role": bad, "status": bad}),
        ("/audit/", {"actor": bad, "action": bad, "object_type": bad, "date_from": bad}),
        ("/places/", {"q": bad}),
        ("/households/", {"q": bad}),
        ("/review/", {"date_from": bad, "date_to": f"01/01/2026{bad}", "status": bad}),
        ("/reports/coverage", {"from": bad, "to": bad, "sort": bad, "place": bad}),
        ("/reports/coverage.csv", {"place": village, "sort": bad}),
        ("/api/v1/coverage", {"from": f"2026-01-01{bad}"}),
        (f"/audit/place{bad}/{village}{bad}", {}),
        (f"/audit/place/{bad}", {}),
        ("/activity/", {"place": bad}),
        ("/", {"next": bad}),
    ]
    return [client.get(url, query_string=args) for url, args in urls]


ENTRIES = {
    "place form": ("cb", _place_form),
    "place import": ("cb", _place_import),
    "user form": ("ad", _user_form),
    "sync API": ("tv", _sync_api),
    "review API": ("doan", _review_api),
    "return form": ("doan", _return_form),
    "query strings (admin)": ("ad", _filters),
    "query strings (coordinator)": ("doan", _filters),
}


@pytest.mark.parametrize("entry", list(ENTRIES))
def test_no_entry_point_fails_or_stores_a_control_character(app, db, world, entry):
    username, send = ENTRIES[entry]
    client = app.test_client()
    token = _login(client, username)
    for bad in CONTROLS:
        for response in send(client, world, token, bad):
            assert response.status_code < 500, (entry, repr(bad), response.request.path)
    assert stored_controls(db) == []


def test_typed_control_characters_are_dropped_not_the_text(app, db, world):
    client = app.test_client()
    token = _login(client, "cb")
    _place_form(client, world, token, "\x01\x1b\x00")
    db.rollback()
    assert db.scalar(select(Place).where(Place.name == "ThônMới")) is not None


def test_cli_create_user_drops_control_characters(app, db, world):
    result = app.test_cli_runner().invoke(
        cdt_cli,
        [
            "create-user",
            "--username",
            "cli\x01user",
            "--password",
            "mat-khau-rat-dai-2026",
            "--role",
            "volunteer",
            "--place",
            world["tree"]["village_a1"].code + "\x00",
            "--name",
            "Tên\x00\x1bMới",
        ],
    )
    assert result.exit_code == 0, result.output
    db.rollback()
    user = db.scalar(select(User).where(User.username == "cliuser"))
    assert user is not None and user.display_name == "TênMới"
    assert stored_controls(db) == []


# --- the exports, with control characters already stored -----------------------------------


def test_exports_survive_control_characters_planted_in_the_database(app, db, world):
    """Stored before input refused them (or by hand): the exports answer, cleaned."""
    planted = "\x01\x1b\x08\x7f\x85\ufeff"
    if db.get_bind().dialect.name == "sqlite":
        planted += "\x00"  # PostgreSQL cannot store NUL in text at all
    village = world["tree"]["village_a1"]
    db.execute(
        text("UPDATE place SET name = :name, code = :code WHERE id = :id"),
        {"name": f"Thôn{planted}Một", "code": f"=T{planted}1", "id": village.id},
    )
    db.execute(
        text("UPDATE app_user SET display_name = :name WHERE username = 'tv'"),
        {"name": f"Tình{planted}Nguyện"},
    )
    db.commit()
    client = app.test_client()
    _login(client, "cb")
    commune = world["tree"]["commune_a"].id
    for level in ("children", "villages"):
        book = client.get("/reports/coverage.xlsx", query_string={"place": commune, "level": level})
        assert book.status_code == 200
        sheet = load_workbook(io.BytesIO(book.data), read_only=True).worksheets[0]
        cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
        assert not any(is_control(ch) for cell in cells for ch in cell)
        assert level == "children" or any("ThônMột" in cell for cell in cells)
        csv_file = client.get(
            "/reports/coverage.csv", query_string={"place": commune, "level": level}
        )
        assert csv_file.status_code == 200
        body = csv_file.data.decode("utf-8-sig")
        assert not any(is_control(ch) and ch not in "\r\n" for ch in body)
    raw = client.get("/reports/visits.csv", query_string={"place": commune})
    if raw.status_code != 404:
        assert raw.status_code == 200
        body = raw.data.decode("utf-8-sig")
        assert "ThônMột" in body and "TìnhNguyện" in body
        assert not any(is_control(ch) and ch not in "\r\n" for ch in body)
    for page in ("/reports/coverage", f"/places/{village.id}", "/users/"):
        assert client.get(page, query_string={"place": commune}).status_code == 200


# --- the cleaning itself ---------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",))))
def test_cleaning_keeps_no_control_character(raw):
    for cleaned in (clean_line(raw), clean_search(raw), strip_controls(raw)):
        assert not any(is_control(ch) for ch in cleaned)
    assert not any(is_control(ch) and ch != "\n" for ch in clean_text(raw))
    assert len(clean_search(raw)) <= 100
    # what is not a control character is kept, in order
    assert strip_controls(raw) == "".join(ch for ch in raw if not is_control(ch))


def test_strip_controls_keeps_what_it_is_asked_to():
    assert strip_controls("a\tb\nc\x00d\x85e\ufefff", keep="\t\n") == "a\tb\ncdef"
    assert strip_controls("Thôn 1 👨\u200d👩") == "Thôn 1 👨\u200d👩"
    assert clean_line("Thôn\tMột\x0bHai\x85Ba") == "Thôn Một Hai Ba"
    assert clean_search(["not text"]) == "" and clean_search(None) == ""
    assert clean_search(" a\x00b ", 64) == "ab"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    query=st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), max_codepoint=0x3000), max_size=40
    )
)
def test_search_boxes_never_fail(app, world, query):
    client = app.test_client()
    _login(client, "ad")
    for url, key in (("/users/", "q"), ("/audit/", "actor"), ("/places/", "q")):
        assert client.get(url, query_string={key: query}).status_code in (200, 302, 303)
