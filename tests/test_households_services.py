"""Household services, without HTTP: validation of raw values, scope, consent, duplicates."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from cdt_app.errors import ValidationError
from cdt_app.households.services import (
    HOUSEHOLD_FIELDS,
    HOUSEHOLD_PROFILE_FIELDS,
    find_duplicates,
    get_household_or_404,
    household_payload,
    save_household,
)
from cdt_app.models import AuditLog, Household
from tests.factories import make_household, make_user
from tests.test_api_sync import VOLUNTEERS


@pytest.fixture
def world(app, make_world):
    world = make_world(people=VOLUNTEERS)
    with app.test_request_context("/"):
        yield world


def _valid(village_id, /, **changes):
    data = {
        "village_id": str(village_id),
        "head_name": "  Nguyễn   Văn An ",
        "address": "Số 5, xóm 2",
        "phone": "+84 912.345.678",
        "members": "4",
        "smartphone_adults": "2",
        "consent": "y",
        "notes": "Nhà có cụ già",
    }
    data.update(changes)
    return data


def _count(db, model=Household) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_creates_a_household_from_form_strings(world, db):
    tree, volunteer = world["tree"], world["volunteer"]
    household = save_household(db, volunteer, _valid(tree["village_a1"].id))
    db.commit()
    assert household.head_name == "Nguyễn Văn An"
    assert household.phone == "0912345678"
    assert (household.members, household.smartphone_adults) == (4, 2)
    assert household.consent and household.consent_by_id == volunteer.id
    assert household.consent_at is not None
    assert household.created_by_id == volunteer.id
    assert "nguien van an" in household.search_key and "0912345678" in household.search_key
    assert household.sort_key
    entry = db.scalar(select(AuditLog).where(AuditLog.object_id == str(household.id)))
    assert entry.action == "create" and entry.place_id == tree["village_a1"].id
    assert "Nguyễn" not in entry.changes  # personal data masked in the log
    assert json.loads(entry.changes)["phone"][1] == "0912***678"


def test_accepts_json_values_and_a_client_id(world, db):
    tree, volunteer = world["tree"], world["volunteer"]
    new_id = uuid.uuid4()
    household = save_household(
        db,
        volunteer,
        {
            "village_id": tree["village_a1"].id,
            "head_name": "Trần Thị Bình",
            "address": "",
            "phone": None,
            "members": 3,
            "smartphone_members": None,
            "consent": True,
            "notes": "",
        },
        household_id=new_id,
    )
    assert household.id == new_id
    assert household.phone is None and household.smartphone_adults is None
    assert set(household_payload(household)) == {*HOUSEHOLD_FIELDS, *HOUSEHOLD_PROFILE_FIELDS}
    assert household_payload(household)["members"] == 3


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("members", "abc"),
        ("members", "0"),
        ("members", "-1"),
        ("members", "100"),
        ("members", "4.5"),
        ("members", True),
        ("members", [4]),
        ("members", ""),
        ("members", "99999999999999999999999"),
        ("smartphone_members", "5"),
        ("smartphone_members", "x"),
        ("smartphone_adults", "5"),
        ("smartphone_adults", "-1"),
        ("adults", "5"),
        ("adults", "1.5"),
        ("vneid_level2", "5"),
        ("payment_adults", "100"),
        ("health_record", "5"),
        ("broadband", "maybe"),
        ("phone", "12345"),
        ("phone", "0112345678"),
        ("phone", 912345678),
        ("head_name", ""),
        ("head_name", "   "),
        ("head_name", "A" * 121),
        ("head_name", {"x": 1}),
        ("address", "x" * 256),
        ("notes", "x" * 1001),
        ("consent", ""),
        ("consent", None),
        ("consent", "maybe"),
        ("consent", False),
        ("village_id", "abc"),
        ("village_id", None),
        ("village_id", "999999"),
    ],
)
def test_bad_values_give_a_field_error_not_an_exception(world, db, field, value):
    tree, volunteer = world["tree"], world["volunteer"]
    data = _valid(tree["village_a1"].id, **{field: value})
    if field == "smartphone_members":  # the old name, as older phones send it
        del data["smartphone_adults"]
    with pytest.raises(ValidationError) as caught:
        save_household(db, volunteer, data)
    assert list(caught.value.errors) == [field]
    assert caught.value.errors[field]  # a translated message
    db.rollback()
    assert _count(db) == 0


def test_errors_are_vietnamese(world, db, app):
    tree, volunteer = world["tree"], world["volunteer"]
    with pytest.raises(ValidationError) as caught:
        save_household(db, volunteer, _valid(tree["village_a1"].id, members="abc", consent=""))
    assert "nhân khẩu" in caught.value.errors["members"]
    assert "đồng ý" in caught.value.errors["consent"]


def test_village_must_be_a_village_in_the_actor_area(world, db):
    tree, volunteer, coordinator = world["tree"], world["volunteer"], world["coordinator"]
    for place in (tree["village_b1"], tree["village_a2"], tree["commune_a"]):
        with pytest.raises(ValidationError) as caught:
            save_household(db, volunteer, _valid(place.id))
        assert list(caught.value.errors) == ["village_id"]
    # a coordinator of commune A may register in any of its villages, not in a commune
    assert save_household(db, coordinator, _valid(tree["village_a2"].id)).id
    with pytest.raises(ValidationError):
        save_household(db, coordinator, _valid(tree["commune_a"].id))


def test_control_characters_are_removed(world, db):
    tree, volunteer = world["tree"], world["volunteer"]
    household = save_household(
        db,
        volunteer,
        _valid(tree["village_a1"].id, head_name="Lê\x00 Văn\ud800 Cường", notes="a\r\nb\x00"),
    )
    db.commit()
    assert household.head_name == "Lê Văn Cường"
    assert household.notes == "a\nb"


def test_update_keeps_the_original_consent_and_audits_the_change(world, db):
    tree, volunteer = world["tree"], world["volunteer"]
    household = save_household(db, volunteer, _valid(tree["village_a1"].id))
    db.commit()
    consent_at = household.consent_at
    team_lead = make_user(db, "team_lead", tree["village_a1"])
    save_household(db, team_lead, _valid(tree["village_a1"].id, members="6"), household=household)
    db.commit()
    assert household.members == 6
    assert household.consent_by_id == volunteer.id and household.consent_at == consent_at
    actions = db.scalars(
        select(AuditLog.action).where(AuditLog.object_id == str(household.id)).order_by(AuditLog.id)
    ).all()
    assert actions == ["create", "update"]


def test_decomposed_input_is_stored_as_nfc(world, db):
    import unicodedata

    tree, volunteer = world["tree"], world["volunteer"]
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hoà")
    household = save_household(db, volunteer, _valid(tree["village_a1"].id, head_name=decomposed))
    assert household.head_name == unicodedata.normalize("NFC", "Nguyễn Thị Hoà")


def test_find_duplicates_same_folded_name_and_address_or_phone(world, db):
    tree, volunteer = world["tree"], world["volunteer"]
    village = tree["village_a1"]
    existing = make_household(
        db, village, volunteer, "Nguyễn Văn An", address="Số 5, xóm 2", phone="0912345678"
    )
    make_household(db, village, volunteer, "Nguyễn Văn Anh", address="Số 5, xóm 2")
    make_household(db, tree["village_a2"], volunteer, "Nguyễn Văn An", address="Số 5, xóm 2")
    # folded name and address match: case, diacritics, punctuation and spacing ignored
    found = find_duplicates(db, volunteer, village.id, "nguyen  van AN", "so 5 xom 2", "")
    assert [h.id for h in found] == [existing.id]
    found = find_duplicates(db, volunteer, village.id, "Nguyen Van-An.", "Số 5,xóm 2", "")
    assert [h.id for h in found] == [existing.id]
    # same name and phone (written differently), other address
    found = find_duplicates(
        db, volunteer, str(village.id), "Nguyễn Văn An", "Thôn khác", "+84 912 345 678"
    )
    assert [h.id for h in found] == [existing.id]
    # same name, other address and phone: no warning
    assert find_duplicates(db, volunteer, village.id, "Nguyễn Văn An", "Số 9", "0987654321") == []
    # the household itself is excluded when editing
    assert (
        find_duplicates(db, volunteer, village.id, "Nguyễn Văn An", "Số 5, xóm 2", "", existing.id)
        == []
    )
    # raw garbage never raises
    assert find_duplicates(db, volunteer, "abc", "Nguyễn Văn An", "Số 5", None) == []
    assert find_duplicates(db, volunteer, village.id, None, None, None) == []
    assert find_duplicates(db, volunteer, village.id, "50%_", "", "") == []


def test_find_duplicates_looks_only_inside_the_actors_area(world, db):
    """DESIGN section 3: a village of another area, or a place that is no village, finds
    nothing, even with the exact name, address and phone."""
    tree = world["tree"]
    there = make_household(
        db, tree["village_b1"], world["other"], "Trần Thị Xa", "Số 1, tổ 4", phone="0987654321"
    )
    args = ("Trần Thị Xa", "Số 1, tổ 4", "0987654321")
    assert [h.id for h in find_duplicates(db, world["other"], tree["village_b1"].id, *args)] == [
        there.id
    ]
    for actor in (world["volunteer"], world["coordinator"]):
        for place in ("village_b1", "commune_b", "province", "commune_a"):
            assert find_duplicates(db, actor, tree[place].id, *args) == [], (actor, place)


def test_get_household_or_404_outside_the_area_or_deleted(world, db):
    tree, volunteer = world["tree"], world["volunteer"]
    mine = make_household(db, tree["village_a1"], volunteer)
    theirs = make_household(db, tree["village_b1"], world["other"])
    assert get_household_or_404(db, volunteer, mine.id).id == mine.id
    assert get_household_or_404(db, volunteer, str(mine.id)).id == mine.id
    for bad in (theirs.id, uuid.uuid4(), "not-a-uuid"):
        with pytest.raises(NotFound):
            get_household_or_404(db, volunteer, bad)
    from cdt_app.models import utcnow

    mine.deleted_at = utcnow()
    db.commit()
    with pytest.raises(NotFound):
        get_household_or_404(db, volunteer, mine.id)


def test_moving_a_household_moves_its_visits(world, db):
    from tests.factories import make_visit

    tree, coordinator = world["tree"], world["coordinator"]
    household = make_household(db, tree["village_a1"], world["volunteer"], "Hộ Chuyển Thôn")
    visit = make_visit(db, household, world["volunteer"])
    save_household(
        db,
        coordinator,
        _valid(tree["village_a2"].id, head_name="Hộ Chuyển Thôn"),
        household=household,
    )
    db.commit()
    db.refresh(visit)
    assert household.village_id == visit.village_id == tree["village_a2"].id
