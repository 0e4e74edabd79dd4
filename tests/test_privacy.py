"""Personal data (Luật 91/2025/QH15, Nghị định 356/2025; ASVS 5.0 V14): explicit consent,
erasure on request with the counts unchanged and audited, the subject-access export, and the
retention rule."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cdt_app.audit import diff, record
from cdt_app.models import AuditLog, Household, Visit, utcnow
from cdt_app.privacy.services import PLACEHOLDER_NAME, subject_access_csv
from tests.conftest import csrf_from
from tests.factories import make_household, make_visit

NAME, PHONE, ADDRESS = "Trần Thị Bích Ngọc", "0912345678", "12 đường Hải Thượng, xóm Bàu"


@pytest.fixture
def world(db, make_world):
    notes = '=HYPERLINK("http://x")  bà hay ở nhà buổi sáng'
    skills = {"vneid": True, "dvc": False}
    world = make_world(
        people={
            "volunteer": ("volunteer", "village_a1", "tv"),
            "lead": ("team_lead", "village_a1", "tt"),
            "coord_b": ("coordinator", "commune_b", "dpv_b"),
            "staff": ("staff", "province", "cb"),
        },
        households={
            "household": ("village_a1", "volunteer", NAME, ADDRESS, PHONE, {"notes": notes})
        },
        visits={
            "visit": (
                "household",
                "volunteer",
                {"skills": skills, "notes": "Gặp chị Ngọc", "lat": 11.1, "lon": 108.9},
            )
        },
    )
    volunteer, household, visit = world["volunteer"], world["household"], world["visit"]
    created = diff({}, {"head_name": NAME, "phone": PHONE, "address": ADDRESS})
    record(db, volunteer, "create", household, created, place_id=household.village_id)
    record(db, volunteer, "create", visit, {"lat": [None, 11.1], "lon": [None, 108.9]})
    db.commit()
    return world


def _totals(db):
    db.rollback()
    return (
        db.scalar(select(func.count()).select_from(Household)),
        db.scalar(select(func.count()).select_from(Visit)),
        db.scalar(select(func.sum(Visit.people_taught))),
    )


def _anonymise(client, household_id, confirm=True):
    url = f"/privacy/households/{household_id}/anonymise"
    page = client.get(url)
    data = {"csrf_token": csrf_from(page.text)}
    if confirm:
        data["confirm"] = "y"
    return client.post(url, data=data)


def test_household_form_asks_explicit_unticked_consent(client, auth, world):
    auth.login("tv")
    html = client.get("/households/new").text
    box = re.search(r'<input[^>]*name="consent"[^>]*>', html).group(0)
    assert 'type="checkbox"' in box and "checked" not in box
    assert "lưu" in html.lower()  # the label states the purpose (storing the data)


def test_anonymise_erases_personal_data_and_keeps_the_counts(client, auth, db, world):
    before = _totals(db)
    auth.login("tt")
    household_page = client.get(f"/households/{world['household'].id}")
    assert f"/privacy/households/{world['household'].id}/anonymise" in household_page.text
    unconfirmed = _anonymise(client, world["household"].id, confirm=False)
    assert unconfirmed.status_code == 200
    db.rollback()
    assert db.get(Household, world["household"].id).head_name == NAME

    response = _anonymise(client, world["household"].id)
    assert response.status_code == 302
    assert _totals(db) == before
    household = db.get(Household, world["household"].id)
    assert household.head_name == PLACEHOLDER_NAME
    assert (household.phone, household.address, household.notes) == (None, "", "")
    assert household.anonymised_at is not None
    assert NAME.split()[-1].lower() not in household.search_key
    visit = db.get(Visit, world["visit"].id)
    assert (visit.notes, visit.lat, visit.lon) == ("", None, None)
    assert visit.deleted_at is None

    entries = db.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert any(e.action == "anonymise" and e.actor_id == world["lead"].id for e in entries)
    dump = " ".join(e.changes for e in entries)
    assert PHONE not in dump and NAME not in dump and ADDRESS not in dump

    page = client.get(f"/households/{household.id}").text
    assert NAME not in page and PHONE not in page and PLACEHOLDER_NAME in page
    assert client.get(f"/households/{household.id}/edit").status_code == 404
    again = client.get(f"/privacy/households/{household.id}/anonymise")
    assert again.status_code == 302  # already erased: back to the household


def test_volunteers_cannot_erase_or_export(client, auth, world):
    auth.login("tv")
    hid = world["household"].id
    assert client.get(f"/privacy/households/{hid}/anonymise").status_code == 403
    response = _export(client, hid, "json")
    assert response.status_code == 403
    assert "/privacy/" not in client.get(f"/households/{hid}").text


def test_outside_the_area_is_not_found(client, auth, world):
    auth.login("dpv_b")
    hid = world["household"].id
    assert client.get(f"/privacy/households/{hid}/anonymise").status_code == 404
    response = _export(client, hid, "csv")
    assert response.status_code == 404


def _export(client, household_id, fmt):
    page = client.get("/account")
    return client.post(
        f"/privacy/households/{household_id}/export",
        data={"format": fmt, "csrf_token": csrf_from(page.text)},
    )


def test_subject_access_export_json(client, auth, db, world):
    auth.login("cb")
    response = _export(client, world["household"].id, "json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["household"]["head_name"] == NAME
    assert data["household"]["phone"] == PHONE
    assert data["household"]["consent"] is True
    assert data["household"]["village"] == world["tree"]["village_a1"].name
    (visit,) = data["visits"]
    assert {s["code"]: s["completed"] for s in visit["skills"]} == {"vneid": True, "dvc": False}
    assert visit["notes"] == "Gặp chị Ngọc"
    assert [h["action"] for h in data["history"]][:1] == ["create"]
    db.rollback()
    assert (
        db.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "export"))
        == 1
    )


def test_subject_access_export_csv_is_excel_safe(client, auth, world):
    auth.login("tt")
    response = _export(client, world["household"].id, "csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeffsection,record,field,value")
    assert NAME in text and PHONE in text
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_export_needs_post_and_a_known_format(client, auth, world):
    auth.login("tt")
    hid = world["household"].id
    assert client.get(f"/privacy/households/{hid}/export").status_code == 405
    assert _export(client, hid, "xml").status_code == 400
    page = client.get("/account")
    no_csrf = client.post(f"/privacy/households/{hid}/export", data={"format": "json"})
    assert no_csrf.status_code == 400 and csrf_from(page.text)


def test_csv_cells_never_start_a_formula():
    data = {
        "household": {"id": "x", "head_name": "+84 912", "notes": "@SUM(A1)"},
        "visits": [],
        "history": [],
    }
    out = subject_access_csv(data)
    assert "'+84 912" in out and "'@SUM(A1)" in out


def _age(db, household, days):
    stamp = utcnow() - timedelta(days=days)
    household = db.get(Household, household.id)
    household.updated_at = stamp
    db.add(household)
    for visit in db.scalars(select(Visit).where(Visit.household_id == household.id)):
        visit.updated_at = stamp
        db.add(visit)
    db.commit()


def test_retention_erases_only_households_idle_for_longer(app_with, db, world):
    tree, volunteer = world["tree"], world["volunteer"]
    old = world["household"]
    _age(db, old, 400)
    old_but_recent_visit = make_household(db, tree["village_a1"], volunteer, head_name="Lê Văn Cũ")
    _age(db, old_but_recent_visit, 400)
    make_visit(db, old_but_recent_visit, volunteer)
    recent = make_household(db, tree["village_a2"], volunteer, head_name="Phạm Văn Mới")
    before = _totals(db)

    runner = app_with(CDT_RETENTION_DAYS=365).test_cli_runner()
    dry = runner.invoke(args=["cdt", "apply-retention", "--dry-run"])
    assert dry.exit_code == 0 and "1 hộ" in dry.output
    db.rollback()
    assert db.get(Household, old.id).anonymised_at is None

    result = runner.invoke(args=["cdt", "apply-retention"])
    assert result.exit_code == 0, result.output
    assert "1 hộ" in result.output
    assert _totals(db) == before
    assert db.get(Household, old.id).head_name == PLACEHOLDER_NAME
    assert db.get(Household, old_but_recent_visit.id).head_name == "Lê Văn Cũ"
    assert db.get(Household, recent.id).head_name == "Phạm Văn Mới"
    entry = db.scalar(select(AuditLog).where(AuditLog.action == "anonymise"))
    assert entry.actor_id is None and "retention" in entry.changes


def test_retention_is_off_by_default(runner, db, world):
    _age(db, world["household"], 4000)
    result = runner.invoke(args=["cdt", "apply-retention"])
    assert result.exit_code == 0 and "0" in result.output
    db.rollback()
    assert db.get(Household, world["household"].id).head_name == NAME


def test_phone_numbers_are_masked_where_the_role_does_not_need_them(client, auth, db, world):
    """The raw visits export and the reviewer's sheet show 0912***678; the full number is on
    the household page (the team calls the family) and in an audited staff export only."""
    masked = PHONE[:4] + "***" + PHONE[-3:]
    auth.login("cb")
    export = client.get("/reports/visits.csv")
    assert export.status_code == 200
    body = export.data.decode("utf-8-sig")
    assert masked in body and PHONE not in body
    full = client.get("/reports/visits.csv", query_string={"phones": "full"})
    assert PHONE in full.data.decode("utf-8-sig")
    db.rollback()
    audit = db.scalars(select(AuditLog).where(AuditLog.action == "export")).all()
    assert any("full" in entry.changes for entry in audit)
    auth.logout()
    auth.login("tt")
    sheet = client.get(f"/review/visits/{world['visit'].id}").text
    assert masked in sheet and PHONE not in sheet
    assert PHONE not in client.get("/households/").text
    assert PHONE in client.get(f"/households/{world['household'].id}").text


def test_privacy_actions_appear_once_in_the_page_body(client, auth, world):
    auth.login("tt")
    html = client.get(f"/households/{world['household'].id}").text
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "<" not in title and "privacy" not in title
    assert html.count('class="card privacy-actions"') == 1
