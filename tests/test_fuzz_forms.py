"""Bad input against the forms of auth and privacy (hypothesis), oversize bodies (413 in
Vietnamese) and place imports that carry formulas, are too large or are not UTF-8
(ASVS 5.0 V1.2.10, V2.2, V5.2)."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cdt_app.models import AuditLog, Household, Place, User
from tests.conftest import AuthActions, csrf_from
from tests.factories import PASSWORD, make_household
from tests.test_places_import import HEADER, xlsx_bytes

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
#: any text a phone keyboard, a paste or an attacker might send, control characters included
WILD = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300
) | st.sampled_from(["", " ", "\x00", "' OR 1=1 --", "<script>x</script>", "🙂" * 50, "a" * 5000])
TOO_LARGE = "Dữ liệu gửi lên quá lớn"


@pytest.fixture
def people(make_world):
    return make_world(
        people={
            "volunteer": ("volunteer", "village_a1", "tv"),
            "lead": ("team_lead", "village_a1", "tt"),
            "staff": ("staff", "province", "cb"),
        }
    )


@FUZZ
@given(username=WILD, password=WILD)
def test_login_form_never_fails(app, people, username, password):
    client = app.test_client()
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code in (200, 400)
    assert client.get("/").status_code == 302  # nobody got in


@FUZZ
@given(current=WILD, new=WILD)
def test_change_password_form_never_fails_and_keeps_the_password(app, db, people, current, new):
    client = app.test_client()
    AuthActions(client).login("tv")
    before = db.get(User, people["volunteer"].id).password_hash
    token = csrf_from(client.get("/account").text)
    response = client.post(
        "/account", data={"current_password": current, "new_password": new, "csrf_token": token}
    )
    assert response.status_code == 200  # the current password is never guessed
    db.rollback()
    db.expire_all()
    assert db.get(User, people["volunteer"].id).password_hash == before


@FUZZ
@given(code=WILD)
def test_two_step_forms_never_fail(app, db, people, code):
    client = app.test_client()
    AuthActions(client).login("cb")
    token = csrf_from(client.get("/account").text)
    client.post("/account/two-step/start", data={"csrf_token": token})
    response = client.post(
        "/account/two-step/confirm",
        data={"code": code, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 200
    db.rollback()
    db.expire_all()
    assert not db.get(User, people["staff"].id).totp_enabled


@FUZZ
@given(confirm=WILD, fmt=WILD)
def test_privacy_forms_never_fail(app, db, people, confirm, fmt):
    household = make_household(db, people["tree"]["village_a1"], head_name="Đỗ Văn Hùng")
    client = app.test_client()
    AuthActions(client).login("tt")
    token = csrf_from(client.get("/account").text)
    exported = client.post(
        f"/privacy/households/{household.id}/export", data={"format": fmt, "csrf_token": token}
    )
    assert exported.status_code == (200 if fmt in ("json", "csv") else 400)
    erased = client.post(
        f"/privacy/households/{household.id}/anonymise",
        data={"confirm": confirm, "csrf_token": token} if confirm else {"csrf_token": token},
    )
    assert erased.status_code in (200, 302)
    db.rollback()
    db.expire_all()
    stored = db.get(Household, household.id)
    assert (stored.anonymised_at is not None) == (erased.status_code == 302)


def test_rejected_privacy_request_stores_nothing(client, auth, db, people):
    household = make_household(db, people["tree"]["village_a1"], head_name="Đỗ Văn Hùng")
    auth.login("tt")
    before = db.scalar(select(func.count()).select_from(AuditLog))
    token = csrf_from(client.get("/account").text)
    client.post(f"/privacy/households/{household.id}/anonymise", data={"csrf_token": token})
    client.post(f"/privacy/households/{household.id}/export", data={"format": "pdf"})
    db.rollback()
    assert db.scalar(select(func.count()).select_from(AuditLog)) == before
    assert db.get(Household, household.id).head_name == "Đỗ Văn Hùng"


# --- oversize bodies -------------------------------------------------------------------------


def test_default_body_limit_is_set(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 5 * 1024 * 1024


def test_oversize_form_is_refused_with_a_vietnamese_413(app_with, people):
    small = app_with(MAX_CONTENT_LENGTH=2048)
    client = small.test_client()
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login", data={"username": "tv", "password": "x" * 5000, "csrf_token": token}
    )
    assert response.status_code == 413
    assert TOO_LARGE in response.text and 'lang="vi"' in response.text


def test_oversize_api_body_is_refused_as_json_and_stores_nothing(app_with, db, people):
    small = app_with(MAX_CONTENT_LENGTH=2048)
    client = small.test_client()
    AuthActions(client).login("tv")
    token = csrf_from(client.get("/account").text)
    before = db.scalar(select(func.count()).select_from(Household))
    response = client.post(
        "/api/v1/sync",
        json={"items": [{"kind": "household", "id": "x", "payload": {"notes": "n" * 4000}}]},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 413
    assert TOO_LARGE in response.json["error"]
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Household)) == before


# --- imports ---------------------------------------------------------------------------------


def _upload(client, filename: str, content: bytes):
    token = csrf_from(client.get("/places/import").text)
    return client.post(
        "/places/import",
        data={"file": (io.BytesIO(content), filename), "csrf_token": token},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        (
            "thon.csv",
            (HEADER + 'T1,=HYPERLINK("http://x"),thon,{parent},10\n').encode(),
            "không được chứa công thức",
        ),
        ("thon.csv", (HEADER + "T1,Thôn Một,thon,{parent},+1+1\n").encode(), "công thức"),
        ("thon.csv", (HEADER + "@SUM(A1),Thôn Một,thon,{parent},\n").encode(), "công thức"),
        (
            "thon.csv",
            (HEADER + "T1,Thôn Bô Đê,thon,{parent},10\n").encode("cp1258"),
            "UTF-8",
        ),
        ("thon.csv", (HEADER + "T1,Thôn Một,thon,{parent},10\n").encode("utf-16"), "UTF-8"),
        ("thon.pdf", b"%PDF-1.4", ".csv"),
        ("thon.xlsx", b"PK\x03\x04 not really a workbook", "Excel"),
    ],
)
def test_bad_import_files_are_refused_in_vietnamese(
    client, auth, db, people, filename, content, message
):
    auth.login("cb")
    content = content.replace(b"{parent}", people["tree"]["commune_a"].code.encode())
    before = db.scalar(select(func.count()).select_from(Place))
    response = _upload(client, filename, content)
    assert response.status_code == 200
    assert message.lower() in response.text.lower()
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Place)) == before


def test_xlsx_formula_cells_are_refused(client, auth, db, people):
    auth.login("cb")
    parent = people["tree"]["commune_a"].code
    content = xlsx_bytes(
        [
            ["code", "name", "kind", "parent_code", "target_households"],
            ["T9", "Thôn Chín", "thon", parent, "=1+2"],
        ]
    )
    before = db.scalar(select(func.count()).select_from(Place))
    response = _upload(client, "thon.xlsx", content)
    assert "công thức" in response.text.lower()
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Place)) == before


def test_oversize_import_is_refused(app_with, db, people):
    from cdt_app.places.importer import MAX_FILE_BYTES, ImportRefused, read_rows

    big = (HEADER + "T1,Thôn Một,thon,X,10\n" * (MAX_FILE_BYTES // 20)).encode()
    assert len(big) > MAX_FILE_BYTES
    with app_with().test_request_context():
        with pytest.raises(ImportRefused) as refused:
            read_rows("big.csv", big)
    assert "5 MB" in refused.value.errors[0][1]
    # through the web the body limit answers first: nothing is read or stored
    client = app_with(MAX_CONTENT_LENGTH=4096).test_client()
    AuthActions(client).login("cb")
    before = db.scalar(select(func.count()).select_from(Place))
    response = _upload(client, "big.csv", big[:20000])
    assert response.status_code == 413
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Place)) == before
