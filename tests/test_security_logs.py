"""No personal data in the logs (ASVS 5.0 V16.2.5, Luật 91/2025/QH15): a full flow runs with
every logger at DEBUG, and the head of household's name, address and phone never appear."""

from __future__ import annotations

import logging
import re
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.conftest import AuthActions, csrf_from
from tests.factories import make_tree, make_user

NAME = "Võ Thị Xuân Hạnh"
ADDRESS = "47 hẻm Cây Me, xóm Lò Gạch"
PHONE_TYPED = "+84 987 654 321"
PHONE = "0987654321"
SYNC_NAME = "Phan Quốc Trường"
SYNC_PHONE = "0356789123"


def _secrets_in(textual: str) -> list[str]:
    found = []
    for secret in (NAME, ADDRESS, PHONE, "987654321", "987 654 321", SYNC_NAME, SYNC_PHONE):
        if secret.lower() in textual.lower():
            found.append(secret)
    return found


@pytest.fixture
def everything_logged(caplog):
    """The root logger and the app's own loggers at DEBUG (SQLAlchemy keeps the level the
    app gives it: cdt_app.security pins it to WARNING, since it logs result rows at DEBUG)."""
    caplog.set_level(logging.DEBUG)
    for name in ("werkzeug", "cdt_app", "flask", "flask_limiter", "flask_wtf"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def test_sql_loggers_stay_quiet_under_a_debug_root(app):
    assert logging.getLogger("sqlalchemy.engine").getEffectiveLevel() >= logging.WARNING


def _log_text(caplog) -> str:
    parts = [caplog.text]
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        if record.exc_text:
            parts.append(record.exc_text)
    return "\n".join(parts)


def test_full_flow_logs_no_personal_data(app, db, everything_logged):
    tree = make_tree(db)
    make_user(db, "volunteer", tree["village_a1"], username="tv")
    village_id = tree["village_a1"].id
    client = app.test_client()
    assert AuthActions(client).login("tv").status_code == 302

    # register a household through the form
    page = client.get("/households/new")
    new_id = re.search(r'name="new_id"[^>]*value="([^"]+)"', page.text)
    response = client.post(
        "/households/new",
        data={
            "csrf_token": csrf_from(page.text),
            "new_id": new_id.group(1) if new_id else str(uuid.uuid4()),
            "village_id": str(village_id),
            "head_name": NAME,
            "address": ADDRESS,
            "phone": PHONE_TYPED,
            "members": "5",
            "smartphone_adults": "2",
            "notes": "",
            "consent": "y",
        },
    )
    assert response.status_code == 302, response.text
    household_path = response.headers["Location"]
    household_id = household_path.rstrip("/").rsplit("/", 1)[-1]
    assert NAME in client.get(household_path).text
    assert (
        client.get("/households/", query_string={"q": NAME}, follow_redirects=True).status_code
        == 200
    )

    # log a visit through the form
    page = client.get("/visits/new", query_string={"household": household_id})
    visit_id = re.search(r'name="new_id"[^>]*value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/visits/new",
        data={
            "csrf_token": csrf_from(page.text),
            "new_id": visit_id,
            "household_id": household_id,
            "visited_on": page.text
            and re.search(r'name="visited_on"[^>]*value="([^"]+)"', page.text).group(1),
            "skills": ["vneid", "dvc"],
            "completed": ["vneid"],
            "people_taught": "2",
            "notes": f"Chị {NAME} đã cài VNeID",
        },
    )
    assert response.status_code == 302, response.text

    # the same through the sync API, with a rejected item that carries the phone
    token = csrf_from(client.get("/account").text)
    sync_household = str(uuid.uuid4())
    response = client.post(
        "/api/v1/sync",
        headers={"X-CSRFToken": token},
        json={
            "items": [
                {
                    "kind": "household",
                    "id": sync_household,
                    "payload": {
                        "village_id": village_id,
                        "head_name": SYNC_NAME,
                        "address": "",
                        "phone": SYNC_PHONE,
                        "members": 3,
                        "consent": True,
                        "notes": "",
                    },
                },
                {
                    "kind": "household",
                    "id": str(uuid.uuid4()),
                    "payload": {
                        "village_id": village_id,
                        "head_name": SYNC_NAME,
                        "phone": SYNC_PHONE,
                        "consent": False,
                    },
                },
            ]
        },
    )
    assert response.status_code == 200
    statuses = [r["status"] for r in response.json["results"]]
    assert statuses[0] == "created" and statuses[1] == "rejected"

    # a failed login with the phone typed as the username
    AuthActions(app.test_client()).login(SYNC_PHONE, "sai mat khau")

    text_logged = _log_text(everything_logged)
    assert everything_logged.records, "nothing was logged: the capture is not working"
    assert _secrets_in(text_logged) == []


def test_database_errors_do_not_carry_the_values(app, everything_logged):
    """SQL parameters are hidden from logs and from error messages (hide_parameters)."""
    engine = app.extensions["cdt_engine"]
    assert engine.hide_parameters is True
    with pytest.raises(IntegrityError) as error, engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO household (id, village_id, head_name, address, phone, members, "
                "consent, notes, search_key, sort_key, created_at, updated_at) VALUES "
                "(:id, 999999, :name, :address, :phone, 1, true, '', '', '', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {
                "id": uuid.uuid4().hex if engine.dialect.name == "sqlite" else str(uuid.uuid4()),
                "name": NAME,
                "address": ADDRESS,
                "phone": PHONE,
            },
        )
    assert _secrets_in(str(error.value)) == []
    assert _secrets_in(_log_text(everything_logged)) == []


def test_unexpected_errors_are_logged_without_the_form(app, db, everything_logged, monkeypatch):
    """A crash while saving a household logs the error, not the values typed."""
    import cdt_app.households.views as household_views

    tree = make_tree(db)
    make_user(db, "volunteer", tree["village_a1"], username="tv")

    def boom(*_args, **_kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(household_views, "register_household", boom)
    client = app.test_client()
    AuthActions(client).login("tv")
    page = client.get("/households/new")
    response = client.post(
        "/households/new",
        data={
            "csrf_token": csrf_from(page.text),
            "village_id": str(tree["village_a1"].id),
            "head_name": NAME,
            "address": ADDRESS,
            "phone": PHONE,
            "members": "2",
            "consent": "y",
        },
    )
    assert response.status_code == 500
    assert "simulated failure" in everything_logged.text
    assert _secrets_in(_log_text(everything_logged)) == []
