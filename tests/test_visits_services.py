"""Visit services, without HTTP: validation, scope, editing rules, status, soft delete, audit."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from cdt_app.errors import ValidationError
from cdt_app.i18n import today_local
from cdt_app.models import AuditLog, Skill, Visit, VisitSkill, VisitStatusChange
from cdt_app.visits.services import (
    VisitLocked,
    can_edit,
    delete_visit,
    get_visit_or_404,
    save_visit,
    visit_payload,
)
from tests.factories import make_visit
from tests.test_visits_web import TEAM


@pytest.fixture
def world(app, make_world):
    world = make_world(**TEAM)
    with app.test_request_context("/"):
        yield world


def _data(household, **changes):
    data = {
        "household_id": str(household.id),
        "visited_on": today_local().isoformat(),
        "skills": [{"code": "vneid", "completed": True}, {"code": "dvc", "completed": False}],
        "people_taught": "2",
        "notes": "Đã cài VNeID cho 2 người",
        "lat": "",
        "lon": "",
    }
    data.update(changes)
    return data


def _count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_creates_a_visit_with_skills_status_and_audit(world, db):
    volunteer, household = world["volunteer"], world["household"]
    visit_id = uuid.uuid4()
    visit = save_visit(db, volunteer, _data(household), visit_id=visit_id)
    db.commit()
    assert visit.id == visit_id
    assert visit.volunteer_id == volunteer.id and visit.village_id == household.village_id
    assert visit.status == "submitted" and visit.people_taught == 2
    payload = visit_payload(db, visit)
    assert payload == {
        "household_id": str(household.id),
        "visited_on": today_local().isoformat(),
        "skills": [{"code": "vneid", "completed": True}, {"code": "dvc", "completed": False}],
        "people_taught": 2,
        "notes": "Đã cài VNeID cho 2 người",
        "lat": None,
        "lon": None,
    }
    changes = db.scalars(select(VisitStatusChange).where(VisitStatusChange.visit_id == visit.id))
    assert [(c.from_status, c.to_status) for c in changes] == [(None, "submitted")]
    entry = db.scalar(select(AuditLog).where(AuditLog.object_id == str(visit.id)))
    assert entry.action == "create" and entry.object_type == "visit"


def test_json_values_are_accepted(world, db):
    visit = save_visit(
        db,
        world["volunteer"],
        _data(
            world["household"],
            visited_on=today_local(),
            household_id=world["household"].id,
            people_taught=3,
            skills=[{"code": "payment"}],
            lat=10.5,
            lon="106,7",
        ),
    )
    assert (visit.lat, visit.lon, visit.people_taught) == (10.5, 106.7, 3)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("household_id", "abc"),
        ("household_id", None),
        ("household_id", "5f0b8c2e-1d7a-4c3e-9a55-2b9f3c1d0e47"),
        ("visited_on", "hôm qua"),
        ("visited_on", "2025-02-30"),
        ("visited_on", "1999-01-01"),
        ("visited_on", None),
        ("visited_on", 20250101),
        ("skills", []),
        ("skills", None),
        ("skills", "vneid"),
        ("skills", [{"code": "nope"}]),
        ("skills", [{"code": "\x00"}]),
        ("skills", [{"code": "VNEID; DROP"}]),
        ("skills", [{"code": "vneid", "completed": "perhaps"}]),
        ("skills", ["vneid"]),
        ("people_taught", "0"),
        ("people_taught", "4"),
        ("people_taught", "abc"),
        ("people_taught", ""),
        ("people_taught", 2.5),
        ("notes", "x" * 1001),
        ("notes", 42),
        ("lat", "91"),
        ("lat", "nan"),
        ("lat", "north"),
        ("lon", "200"),
        ("lon", "inf"),
    ],
)
def test_bad_values_give_a_field_error_and_store_nothing(world, db, field, value):
    extra = {"lat": "10.1", "lon": "106.1"} if field in ("lat", "lon") else {}
    data = _data(world["household"], **extra)
    data[field] = value
    with pytest.raises(ValidationError) as caught:
        save_visit(db, world["volunteer"], data)
    assert list(caught.value.errors) == [field]
    db.rollback()
    assert _count(db, Visit) == 0 and _count(db, VisitSkill) == 0


def test_future_date_is_refused_in_vietnam_time(world, db):
    tomorrow = (today_local() + timedelta(days=1)).isoformat()
    with pytest.raises(ValidationError) as caught:
        save_visit(db, world["volunteer"], _data(world["household"], visited_on=tomorrow))
    assert caught.value.errors["visited_on"] == "Ngày hướng dẫn không được sau hôm nay."


def test_lat_without_lon_is_refused(world, db):
    with pytest.raises(ValidationError) as caught:
        save_visit(db, world["volunteer"], _data(world["household"], lat="10.1"))
    assert "lat" in caught.value.errors


def test_household_outside_the_area_is_refused(world, db):
    with pytest.raises(ValidationError) as caught:
        save_visit(db, world["volunteer"], _data(world["far"]))
    assert list(caught.value.errors) == ["household_id"]


def test_retired_skill_only_for_visits_that_already_have_it(world, db):
    volunteer, household = world["volunteer"], world["household"]
    visit = save_visit(db, volunteer, _data(household))
    db.commit()
    db.execute(Skill.__table__.update().where(Skill.code == "vneid").values(active=False))
    db.commit()
    with pytest.raises(ValidationError) as caught:
        save_visit(db, volunteer, _data(household))
    assert list(caught.value.errors) == ["skills"]
    db.rollback()
    # an edit keeps the retired skill already on the visit
    save_visit(db, volunteer, _data(household, people_taught="3"), visit=visit)
    db.commit()
    assert visit_payload(db, visit)["skills"][0] == {"code": "vneid", "completed": True}
    assert visit.people_taught == 3


def test_duplicate_skill_codes_are_merged(world, db):
    visit = save_visit(
        db,
        world["volunteer"],
        _data(
            world["household"],
            skills=[{"code": "dvc", "completed": False}, {"code": "dvc", "completed": True}],
        ),
    )
    assert visit_payload(db, visit)["skills"] == [{"code": "dvc", "completed": True}]


def test_who_may_edit(world, db):
    volunteer, household = world["volunteer"], world["household"]
    visit = make_visit(db, household, volunteer)
    assert can_edit(volunteer, visit)
    # only the author: the team lead reviews the team's visits, never rewrites them
    assert not can_edit(world["team_lead"], visit)
    assert not can_edit(world["colleague"], visit)
    for other in (world["colleague"], world["team_lead"]):
        with pytest.raises(VisitLocked):
            save_visit(db, other, _data(household, notes="sửa bởi người khác"), visit=visit)
        with pytest.raises(VisitLocked):
            delete_visit(db, other, visit)
    db.rollback()
    assert db.get(Visit, visit.id).notes != "sửa bởi người khác"
    approved = make_visit(db, household, volunteer, status="approved")
    assert not can_edit(volunteer, approved) and not can_edit(world["team_lead"], approved)
    with pytest.raises(VisitLocked):
        save_visit(db, volunteer, _data(household), visit=approved)
    with pytest.raises(VisitLocked):
        delete_visit(db, volunteer, approved)


def test_editing_a_returned_visit_resubmits_it(world, db):
    volunteer, household = world["volunteer"], world["household"]
    visit = make_visit(db, household, volunteer, status="returned", review_note="Thiếu ghi chú")
    save_visit(db, volunteer, _data(household, notes="Bổ sung ghi chú"), visit=visit)
    db.commit()
    assert visit.status == "submitted"
    moves = db.scalars(
        select(VisitStatusChange)
        .where(VisitStatusChange.visit_id == visit.id)
        .order_by(VisitStatusChange.id)
    ).all()
    assert (moves[-1].from_status, moves[-1].to_status, moves[-1].actor_id) == (
        "returned",
        "submitted",
        volunteer.id,
    )
    entry = db.scalars(
        select(AuditLog).where(AuditLog.object_id == str(visit.id)).order_by(AuditLog.id)
    ).all()[-1]
    assert entry.action == "update" and "status" in entry.changes


def test_soft_delete_is_audited_and_hides_the_visit(world, db):
    volunteer, household = world["volunteer"], world["household"]
    visit = make_visit(db, household, volunteer)
    delete_visit(db, volunteer, visit)
    db.commit()
    assert db.get(Visit, visit.id).deleted_at is not None
    assert db.scalar(
        select(AuditLog.action).where(
            AuditLog.object_id == str(visit.id), AuditLog.action == "delete"
        )
    )
    with pytest.raises(NotFound):
        get_visit_or_404(db, volunteer, visit.id)
    with pytest.raises(VisitLocked):
        delete_visit(db, volunteer, visit)


def test_get_visit_or_404_is_limited_to_the_area(world, db):
    mine = make_visit(db, world["household"], world["volunteer"])
    theirs = make_visit(db, world["far"], world["outsider"])
    assert get_visit_or_404(db, world["colleague"], mine.id).id == mine.id
    for bad in (theirs.id, uuid.uuid4(), "zzz"):
        with pytest.raises(NotFound):
            get_visit_or_404(db, world["volunteer"], bad)


def test_today_is_the_date_in_vietnam_not_utc(world, db, monkeypatch):
    """At 20:00 UTC on 30/6 it is already 1/7 in Vietnam: a visit dated 1/7 is not future."""
    from datetime import UTC, date, datetime

    import cdt_app.i18n

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            moment = datetime(2025, 6, 30, 20, 0, tzinfo=UTC)
            return moment.astimezone(tz) if tz else moment

    monkeypatch.setattr(cdt_app.i18n, "datetime", Frozen)
    assert today_local() == date(2025, 7, 1)
    visit = save_visit(db, world["volunteer"], _data(world["household"], visited_on="2025-07-01"))
    assert visit.visited_on == date(2025, 7, 1)
    with pytest.raises(ValidationError):
        save_visit(db, world["volunteer"], _data(world["household"], visited_on="2025-07-02"))
