"""Random and malformed posts to every households, visits and skills form: never a 500, and a
rejected post stores nothing."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cdt_app.models import AuditLog, Household, Skill, Visit, VisitSkill
from tests.conftest import csrf_from

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: any text a browser could send (lone surrogates cannot be encoded in a request at all)
any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
weird = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "1e9",
        "99999999999999999999999",
        "NaN",
        "inf",
        "4.5",
        "1,5",
        "\x00",
        "y",
        "on",
        "true",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "%",
        "_",
        "2025-02-30",
        "9999-12-31",
        "31/12/2024",
        "0912 345 678",
        "vneid",
        "00000000-0000-0000-0000-000000000000",
        "x" * 5000,
    ]
)
value = st.one_of(any_text, weird, st.integers().map(str))
values = st.one_of(value, st.lists(value, max_size=4))


def form_data(fields: list[str]):
    """A dict over the real field names (each maybe missing or repeated) plus stray keys."""
    return st.dictionaries(
        st.one_of(st.sampled_from(fields), st.text(max_size=10)), values, max_size=len(fields) + 2
    )


def _state(db) -> tuple:
    """Everything the forms could change, to compare before and after a rejected post."""
    db.rollback()
    db.expire_all()
    return (
        tuple(
            (h.head_name, h.address, h.phone, h.members, h.notes, h.consent)
            for h in db.scalars(select(Household).order_by(Household.id))
        ),
        tuple(
            (v.visited_on, v.people_taught, v.notes, v.status, v.deleted_at, v.lat)
            for v in db.scalars(select(Visit).order_by(Visit.id))
        ),
        db.scalar(select(func.count()).select_from(VisitSkill)),
        tuple(
            (s.code, s.name_vi, s.name_en, s.group, s.active, s.sort_order)
            for s in db.scalars(select(Skill).order_by(Skill.id))
        ),
        db.scalar(select(func.count()).select_from(AuditLog)),
    )


@pytest.fixture
def world(make_world, auth):
    return make_world(
        people={
            "volunteer": ("volunteer", "village_a1", "tn"),
            "staff": ("staff", "province", "canbo"),
            "outsider": ("volunteer", "village_b1"),
        },
        households={
            "household": ("village_a1", "volunteer", "Mai Văn Tư", {"members": 4}),
            "far": ("village_b1", "outsider", "Hộ Ở Xa"),
        },
        visits={"visit": ("household", "volunteer"), "far_visit": ("far", "outsider")},
    )


def _post(client, db, url: str, data: dict, token: str, with_token: bool):
    before = _state(db)
    payload = dict(data)
    if with_token:
        payload["csrf_token"] = token
    response = client.post(url, data=payload)
    assert response.status_code < 500, (url, payload, response.text[-500:])
    if response.status_code != 302:
        assert _state(db) == before, (url, payload)
    return response


HOUSEHOLD_FIELDS = [
    "village_id",
    "head_name",
    "address",
    "phone",
    "members",
    "adults",
    "smartphone_adults",
    "vneid_level2",
    "payment_adults",
    "health_record",
    "broadband",
    "notes",
    "consent",
    "confirm_duplicate",
    "new_id",
]
VISIT_FIELDS = [
    "household_id",
    "visited_on",
    "skills",
    "completed",
    "people_taught",
    "notes",
    "lat",
    "lon",
    "new_id",
]


@FUZZ
@given(data=form_data(HOUSEHOLD_FIELDS), with_token=st.booleans())
def test_household_forms(client, auth, db, world, data, with_token):
    if not getattr(client, "_logged_in", False):
        auth.login("tn")
        client._logged_in = True
    token = csrf_from(client.get("/households/new").text)
    _post(client, db, "/households/new", data, token, with_token)
    _post(client, db, f"/households/{world['household'].id}/edit", data, token, with_token)
    _post(client, db, f"/households/{world['far'].id}/edit", data, token, with_token)


@FUZZ
@given(
    data=form_data(VISIT_FIELDS),
    real_household=st.booleans(),
    with_token=st.booleans(),
)
def test_visit_forms(client, auth, db, world, data, real_household, with_token):
    if not getattr(client, "_logged_in", False):
        auth.login("tn")
        client._logged_in = True
    token = csrf_from(client.get("/households/new").text)
    if real_household:
        data = dict(data, household_id=str(world["household"].id))
    url = f"/visits/new?household={world['household'].id}"
    _post(client, db, url, data, token, with_token)
    _post(client, db, f"/visits/{world['visit'].id}/edit", data, token, with_token)
    _post(client, db, f"/visits/{world['far_visit'].id}/edit", data, token, with_token)
    response = client.get(
        "/visits/new",
        query_string={"q": data.get("notes", ""), "page": "x"},
        follow_redirects=True,
    )
    assert response.status_code == 200


@FUZZ
@given(data=form_data(["code", "name_vi", "name_en", "group", "direction", "active"]))
def test_skill_forms(client, auth, db, world, data):
    if not getattr(client, "_logged_in", False):
        auth.login("canbo")
        client._logged_in = True
    token = csrf_from(client.get("/skills/new").text)
    _post(client, db, "/skills/new", data, token, True)
    _post(client, db, "/skills/1/edit", data, token, True)
    # move and retire accept anything and change at most the order and the active flag
    for url in ("/skills/2/move", "/skills/3/active", "/skills/99999/move"):
        response = client.post(url, data=dict(data, csrf_token=token))
        assert response.status_code in (302, 404)


@FUZZ
@given(query=any_text, page=value, volunteer=value, household=value)
def test_query_strings_never_fail(client, auth, db, world, query, page, volunteer, household):
    if not getattr(client, "_logged_in", False):
        auth.login("tn")
        client._logged_in = True
    for url, params in (
        ("/households/", {"q": query, "page": page}),
        ("/visits/new", {"q": query, "page": page}),
        ("/visits/new", {"household": household}),
        ("/households/new", {"village": household}),
        ("/visits/mine", {"page": page}),
    ):
        response = client.get(url, query_string=params, follow_redirects=True)
        assert response.status_code in (200, 404), (url, params)


@FUZZ
@given(data=form_data(["confirm", "visit_id", "household_id"]), with_token=st.booleans())
def test_delete_form(client, auth, db, world, data, with_token):
    if not getattr(client, "_logged_in", False):
        auth.login("tn")
        client._logged_in = True
    token = csrf_from(client.get("/households/new").text)
    payload = dict(data, csrf_token=token) if with_token else data
    for url in (f"/visits/{world['visit'].id}/delete", f"/visits/{world['far_visit'].id}/delete"):
        response = client.post(url, data=payload)
        assert response.status_code in (302, 400, 404), (url, response.status_code)
    db.rollback()
    db.expire_all()
    deleted = db.get(Visit, world["visit"].id).deleted_at is not None
    assert db.get(Visit, world["far_visit"].id).deleted_at is None
    # only a post with the token may delete, and then the visit is gone for good
    assert deleted or not with_token
