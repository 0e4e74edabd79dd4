"""People: who may create and manage which accounts, one-time passwords, deactivation,
Vietnamese order, per-object scope."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from cdt_app.auth.passwords import verify_password
from cdt_app.models import AuditLog, User
from cdt_app.users.services import can_manage, generate_password
from tests.conftest import AuthActions, csrf_from
from tests.factories import make_place, make_tree, make_user

OTP_RE = re.compile(r'id="one-time-password">([a-z0-9]+)<')


@pytest.fixture
def people(db, tree):
    return {
        "staff": make_user(db, "staff", tree["province"], username="canbo"),
        "coordinator": make_user(db, "coordinator", tree["commune_a"], username="doan"),
        "coordinator_b": make_user(db, "coordinator", tree["commune_b"], username="doanb"),
        "lead": make_user(db, "team_lead", tree["village_a1"], username="totruong"),
        "volunteer": make_user(db, "volunteer", tree["village_a1"], username="tinhnguyen"),
        "volunteer_a2": make_user(db, "volunteer", tree["village_a2"], username="tnva2"),
        "volunteer_b": make_user(db, "volunteer", tree["village_b1"], username="tnvb"),
    }


def _form(client, url):
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return csrf_from(page.text)


def _fresh(db, user_id: int) -> User:
    db.rollback()
    db.expire_all()
    return db.get(User, user_id)


# --- who may give which role where ----------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "role", "where", "allowed"),
    [
        ("admin", "admin", "province", True),
        ("staff", "staff", "commune_a", True),
        ("staff", "admin", "province", False),
        ("coordinator", "coordinator", "commune_a", True),
        ("coordinator", "team_lead", "village_a2", True),
        ("coordinator", "staff", "commune_a", False),
        ("coordinator", "volunteer", "village_b1", False),  # another commune
        ("coordinator", "volunteer", "province", False),  # above their place
        ("team_lead", "volunteer", "village_a1", True),
        ("team_lead", "team_lead", "village_a1", False),
        ("team_lead", "volunteer", "village_a2", False),  # another village of the commune
        ("volunteer", "volunteer", "village_a1", False),
    ],
)
def test_role_and_place_matrix(db, tree, actor, role, where, allowed):
    home = {"admin": "province", "staff": "province", "coordinator": "commune_a"}.get(
        actor, "village_a1"
    )
    user = make_user(db, actor, tree[home])
    assert can_manage(user, role, tree[where], tree[home]) is allowed


# --- create ---------------------------------------------------------------------------------


def test_coordinator_creates_a_volunteer_with_a_typed_password(client, auth, db, tree, people):
    auth.login("doan")
    token = _form(client, "/users/new")
    response = client.post(
        "/users/new",
        data={
            "username": "0912 345 678",
            "display_name": "  Lê   Thị Hoà ",
            "role": "volunteer",
            "place_id": str(tree["village_a2"].id),
            "password": "mat-khau-tam-2026",
            "active": "y",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    user = db.scalar(select(User).where(User.username == "0912345678"))
    assert user.display_name == "Lê Thị Hoà" and user.place_id == tree["village_a2"].id
    assert user.must_change_password is True and user.created_by_id == people["coordinator"].id
    assert verify_password(user.password_hash, "mat-khau-tam-2026")
    entry = db.scalar(
        select(AuditLog).where(AuditLog.object_id == str(user.id), AuditLog.action == "create")
    )
    assert entry.actor_id == people["coordinator"].id and "mat-khau" not in entry.changes


def test_an_empty_password_gives_a_one_time_password_shown_once(client, auth, db, tree, people):
    auth.login("doan")
    token = _form(client, "/users/new")
    response = client.post(
        "/users/new",
        data={
            "username": "moi",
            "display_name": "Người Mới",
            "role": "team_lead",
            "place_id": str(tree["village_a1"].id),
            "active": "y",
            "csrf_token": token,
        },
    )
    assert response.status_code == 200
    password = OTP_RE.search(response.text).group(1)
    assert len(password) == 10
    assert "no-store" in response.headers["Cache-Control"]
    assert password not in " ".join(response.headers.getlist("Set-Cookie"))
    assert password not in response.headers.get("Location", "")
    # shown once: the account page does not show it again
    user = db.scalar(select(User).where(User.username == "moi"))
    assert password not in client.get(f"/users/{user.id}").text
    assert verify_password(user.password_hash, password) and password not in user.password_hash
    # the new person logs in with it and must choose a new password first
    auth.logout()
    landed = auth.login("moi", password)
    assert landed.status_code == 302 and landed.location.endswith("/account")


def test_coordinator_cannot_create_above_their_role_or_outside_their_area(
    client, auth, db, tree, people
):
    auth.login("doan")
    token = _form(client, "/users/new")
    base = {"username": "x1", "display_name": "X", "active": "y", "csrf_token": token}
    higher = client.post(
        "/users/new", data={**base, "role": "staff", "place_id": str(tree["commune_a"].id)}
    )
    assert "Bạn không thể cấp vai trò này tại đơn vị này." in higher.text
    outside = client.post(
        "/users/new", data={**base, "role": "volunteer", "place_id": str(tree["village_b1"].id)}
    )
    # a place outside the area is no choice at all
    assert "Vui lòng chọn đơn vị." in outside.text
    taken = client.post(
        "/users/new",
        data={
            **base,
            "username": "TinhNguyen",
            "role": "volunteer",
            "place_id": str(tree["village_a1"].id),
        },
    )
    assert "Tên đăng nhập này đã có người dùng." in taken.text
    assert db.scalar(select(User).where(User.username == "x1")) is None


def test_create_form_prefills_the_place_from_the_link(client, auth, tree, people):
    auth.login("doan")
    page = client.get(f"/users/new?place={tree['village_a2'].id}")
    assert f'name="place_id" value="{tree["village_a2"].id}" checked' in page.text
    outside = client.get(f"/users/new?place={tree['village_b1'].id}")
    assert 'name="place_id" value="' not in outside.text.split("picker-list")[0]
    assert tree["village_b1"].name not in outside.text


# --- team leads -----------------------------------------------------------------------------


def test_team_lead_adds_a_volunteer_of_their_own_village(client, auth, db, tree, people):
    auth.login("totruong")
    home = client.get("/")
    assert 'href="/users/"' in home.text and "Tổ của tôi" in home.text
    listing = client.get("/users/")
    assert listing.status_code == 200 and "Tổ của tôi" in listing.text
    assert "tinhnguyen" in listing.text and "tnva2" not in listing.text
    page = client.get("/users/new")
    assert 'name="role"' not in page.text and 'name="place_id' not in page.text
    response = client.post(
        "/users/new",
        data={
            "username": "tovien3",
            "display_name": "Tổ Viên Ba",
            "role": "admin",  # ignored: team leads add volunteers only
            "place_id": str(tree["province"].id),  # ignored: their own village
            "active": "y",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 200 and OTP_RE.search(response.text)
    user = db.scalar(select(User).where(User.username == "tovien3"))
    assert user.role == "volunteer" and user.place_id == tree["village_a1"].id


def test_team_lead_deactivates_and_reactivates_a_volunteer(app, client, auth, db, people):
    volunteer = people["volunteer"]
    version = volunteer.session_version
    other = app.test_client()
    AuthActions(other).login("tinhnguyen")
    assert other.get("/").status_code == 200

    auth.login("totruong")
    assert f'href="/users/{volunteer.id}/deactivate"' in client.get(f"/users/{volunteer.id}").text
    token = _form(client, f"/users/{volunteer.id}/deactivate")  # asks first, changes nothing
    assert _fresh(db, volunteer.id).active is True and other.get("/").status_code == 200
    response = client.post(f"/users/{volunteer.id}/deactivate", data={"csrf_token": token})
    assert response.status_code == 302
    user = _fresh(db, volunteer.id)
    assert user.active is False and user.session_version == version + 1
    # the volunteer's open session is refused at its next request
    assert other.get("/").status_code == 302
    page = client.get(f"/users/{volunteer.id}")
    assert "đã khóa" in page.text
    client.post(f"/users/{volunteer.id}/reactivate", data={"csrf_token": csrf_from(page.text)})
    assert _fresh(db, volunteer.id).active is True
    actions = db.scalars(
        select(AuditLog.action).where(AuditLog.object_id == str(volunteer.id)).order_by(AuditLog.id)
    ).all()
    assert actions[-2:] == ["deactivate", "reactivate"]


def test_team_lead_cannot_manage_others(client, auth, db, tree, people):
    peer = make_user(db, "team_lead", tree["village_a1"], username="topho")
    auth.login("totruong")
    assert client.get(f"/users/{people['volunteer_a2'].id}").status_code == 404
    assert client.get(f"/users/{people['coordinator'].id}").status_code == 404
    assert client.get(f"/users/{peer.id}").status_code == 200
    assert client.get(f"/users/{peer.id}/edit").status_code == 403
    token = _form(client, "/users/new")
    assert (
        client.post(f"/users/{peer.id}/deactivate", data={"csrf_token": token}).status_code == 403
    )
    assert (
        client.post(
            f"/users/{people['volunteer_a2'].id}/reset-password", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert _fresh(db, peer.id).active is True


# --- reset password -------------------------------------------------------------------------


def test_reset_password(app, client, auth, db, people):
    volunteer = people["volunteer"]
    version = volunteer.session_version
    auth.login("doan")
    token = _form(client, f"/users/{volunteer.id}/reset-password")  # asks first
    assert _fresh(db, volunteer.id).session_version == version
    response = client.post(f"/users/{volunteer.id}/reset-password", data={"csrf_token": token})
    assert response.status_code == 200
    password = OTP_RE.search(response.text).group(1)
    assert "Đã đặt lại mật khẩu" in response.text
    assert password not in " ".join(response.headers.getlist("Set-Cookie"))
    user = _fresh(db, volunteer.id)
    assert user.must_change_password is True
    assert user.session_version == version + 1
    assert verify_password(user.password_hash, password)
    assert not verify_password(user.password_hash, "demo-cds-2026")
    entry = db.scalar(
        select(AuditLog).where(
            AuditLog.object_id == str(volunteer.id), AuditLog.action == "password_reset"
        )
    )
    assert entry.actor_id == people["coordinator"].id and password not in entry.changes
    assert json.loads(entry.changes)["must_change_password"] == [False, True]
    # the flashed messages never carry it either
    with client.session_transaction() as cookie:
        assert password not in json.dumps(dict(cookie), default=str)


def test_one_time_passwords_are_random_and_pass_the_policy(app):
    from cdt_app.auth.services import check_password_policy

    seen = {generate_password() for _ in range(200)}
    assert len(seen) == 200
    with app.app_context():
        for password in list(seen)[:20]:
            check_password_policy(password)
            assert not set(password) & set("0o1li")


# --- self and scope -------------------------------------------------------------------------


def test_nobody_deactivates_or_demotes_themselves_here(client, auth, db, people):
    me = people["coordinator"]
    auth.login("doan")
    page = client.get(f"/users/{me.id}")
    assert page.status_code == 200 and "/deactivate" not in page.text
    token = _form(client, "/users/new")
    assert client.post(f"/users/{me.id}/deactivate", data={"csrf_token": token}).status_code == 403
    assert client.get(f"/users/{me.id}/edit").status_code == 403
    assert _fresh(db, me.id).active is True


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("get", "/edit"),
        ("post", "/reset-password"),
        ("post", "/deactivate"),
        ("post", "/reactivate"),
    ],
)
def test_accounts_outside_the_area_answer_404(client, auth, people, method, suffix):
    auth.login("doan")
    token = _form(client, "/users/new")
    url = f"/users/{people['volunteer_b'].id}{suffix}"
    if method == "get":
        assert client.get(url).status_code == 404
    else:
        assert client.post(url, data={"csrf_token": token}).status_code == 404
    assert client.get("/users/999999").status_code == 404


def test_coordinator_list_shows_only_their_area(client, auth, people):
    auth.login("doan")
    page = client.get("/users/")
    assert "tinhnguyen" in page.text and "tnva2" in page.text
    assert "tnvb" not in page.text and "canbo" not in page.text and "doanb" not in page.text


def test_volunteers_and_users_without_a_place_have_no_people_page(client, auth, db, people):
    auth.login("tinhnguyen")
    assert client.get("/users/").status_code == 403
    auth.logout()
    make_user(db, "staff", None, username="khongnoi")
    auth.login("khongnoi")
    assert client.get("/users/").status_code == 404
    assert client.get("/users/new").status_code == 404
    assert client.get(f"/users/{people['volunteer'].id}").status_code == 404


# --- the list -------------------------------------------------------------------------------


def test_list_is_in_vietnamese_order_and_search_ignores_accents(client, auth, db, tree):
    village = tree["village_a2"]
    names = ["Yến", "Ánh", "Anh", "Đào", "Dũng", "Bình", "Ẩn"]
    for n, name in enumerate(names):
        make_user(db, "volunteer", village, username=f"tv{n}", name=name)
    make_user(db, "coordinator", tree["commune_a"], username="doan", name="Điều Phối")
    auth.login("doan")
    page = client.get("/users/?role=volunteer")
    shown = re.findall(r'class="row-link"[^>]*>\s*<span>([^<]+?) <span', page.text)
    assert shown == ["Anh", "Ánh", "Ẩn", "Bình", "Dũng", "Đào", "Yến"]
    found = client.get("/users/?q=dao", follow_redirects=True).text
    assert "Đào" in found and "Dũng" not in found
    assert "Yến" in client.get("/users/?q=YEN", follow_redirects=True).text
    assert "Bình" in client.get("/users/?q=tv5", follow_redirects=True).text


def test_list_is_paginated_with_a_constant_number_of_queries(
    app, client, auth, db, tree, count_queries
):
    make_user(db, "coordinator", tree["commune_a"], username="doan")
    auth.login("doan")
    client.get("/users/")
    with count_queries() as few:
        client.get("/users/")
    for n in range(60):
        make_user(
            db, "volunteer", tree["village_a1"], username=f"v{n:02d}", name=f"Tổ viên {n:02d}"
        )
    with count_queries() as many:
        first = client.get("/users/")
    assert len(many) == len(few)
    assert "61 tài khoản" in first.text and "Trang 1/2" in first.text
    second = client.get("/users/?page=2")
    assert second.text.count('class="row-link"') == 11
    assert client.get("/users/?page=abc").status_code == 200
    assert client.get("/users/?page=-4").status_code == 200


def test_search_filters_keep_their_values(client, auth, db, tree):
    make_user(db, "coordinator", tree["commune_a"], username="doan")
    auth.login("doan")
    page = client.get("/users/?q=nguy%E1%BB%85n&status=inactive", follow_redirects=True)
    assert 'value="nguyễn"' in page.text
    assert '<option selected value="inactive">' in page.text


# --- no input gives a 500 -------------------------------------------------------------------


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.fixed_dictionaries(
        {
            "username": st.text(max_size=80),
            "display_name": st.text(max_size=150),
            "role": st.sampled_from(["volunteer", "admin", "", "x" * 30]) | st.text(max_size=10),
            "place_id": st.text(max_size=40) | st.integers(-5, 10**20).map(str),
            "password": st.text(max_size=140),
        },
        optional={  # the place picker's own fields (a search, a place opened)
            "place_id_q": st.text(max_size=120),
            "place_id_find": st.just("1"),
            "place_id_open": st.text(max_size=30) | st.integers(-5, 10**20).map(str),
            "place_id_at": st.text(max_size=30) | st.integers(-5, 10**20).map(str),
        },
    )
)
def test_random_input_never_gives_a_500(app, db, data):
    if db.scalar(select(User).where(User.username == "doan")) is None:
        tree = make_tree(db)
        make_user(db, "coordinator", tree["commune_a"], username="doan")
    client = app.test_client()
    page = client.get("/login")
    client.post(
        "/login",
        data={"username": "doan", "password": "demo-cds-2026", "csrf_token": csrf_from(page.text)},
    )
    token = _form(client, "/users/new")
    clean = {k: v.replace("\x00", "") for k, v in data.items()}
    response = client.post("/users/new", data={**clean, "csrf_token": token})
    assert response.status_code in (200, 302)
    listing = client.get(
        "/users/",
        query_string={"q": clean["username"], "role": clean["role"]},
        follow_redirects=True,
    )
    assert listing.status_code == 200


def test_place_detail_offers_adding_an_account_there(client, auth, db, tree, people):
    extra = make_place(db, "Thôn Ba", "thon", tree["commune_a"])
    auth.login("doan")
    page = client.get(f"/places/{extra.id}")
    assert page.status_code == 200
    assert f'href="/users/new?place={extra.id}"' in page.text
