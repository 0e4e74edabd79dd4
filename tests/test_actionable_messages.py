"""Messages a user can act on (issue 12, point 7): a locked account is told so and who unlocks
it, but only with the right password; the login page says who resets a forgotten password and
lists the demo accounts with their roles; every destructive action asks first."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cdt_app.auth.views import DEMO_ACCOUNTS
from cdt_app.models import Place, User
from tests.conftest import AuthActions, csrf_from
from tests.factories import make_user

WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."


def _lock(db, user: User) -> None:
    user.active = False
    db.add(user)
    db.commit()


@pytest.mark.parametrize(
    ("role", "place", "who"),
    [
        ("volunteer", "village_a1", "tổ trưởng, điều phối viên hoặc cán bộ phụ trách"),
        ("team_lead", "village_a1", "điều phối viên hoặc cán bộ phụ trách"),
        ("coordinator", "commune_a", "điều phối viên, cán bộ hoặc quản trị cấp trên"),
        ("staff", "province", "điều phối viên, cán bộ hoặc quản trị cấp trên"),
    ],
)
def test_a_locked_account_is_told_it_is_locked_and_who_unlocks_it(
    client, auth, db, tree, role, place, who
):
    _lock(db, make_user(db, role, tree[place], username="bikhoa"))
    response = auth.login("bikhoa")
    assert response.status_code == 200
    assert "Tài khoản này đang bị khóa." in response.text and who in response.text
    assert WRONG not in response.text
    assert client.get("/").status_code == 302  # still not logged in


def test_locked_is_said_only_with_the_right_password(client, auth, db, tree):
    """No oracle: a wrong password reads the same for a locked, an open and no account."""
    _lock(db, make_user(db, "volunteer", tree["village_a1"], username="bikhoa"))
    make_user(db, "volunteer", tree["village_a1"], username="mo")
    answers = [auth.login(name, "sai-mat-khau-2026") for name in ("bikhoa", "mo", "khongco")]
    for answer in answers:
        assert answer.status_code == 200 and WRONG in answer.text and "khóa" not in answer.text
    bodies = {a.text.replace(csrf_from(a.text), "") for a in answers}
    assert (
        len(
            {
                body.replace("bikhoa", "X").replace("khongco", "X").replace("mo", "X")
                for body in bodies
            }
        )
        == 1
    )


def test_the_login_page_says_who_resets_a_forgotten_password(client):
    page = client.get("/login").text
    assert "Quên mật khẩu? Hãy nhờ tổ trưởng, điều phối viên hoặc cán bộ phụ trách đặt lại." in page


def test_demo_mode_lists_the_demo_accounts_with_their_roles(app_with):
    page = app_with(CDT_DEMO=True).test_client().get("/login").text
    labels = {
        "admin": "Quản trị",
        "staff": "Cán bộ",
        "coordinator": "Điều phối viên",
        "team_lead": "Tổ trưởng",
        "volunteer": "Tổ viên",
    }
    for username, role in DEMO_ACCOUNTS:
        assert f"<code>{username}</code> · {labels[role]}</li>" in page
    assert "<code>admin</code>" not in app_with(CDT_DEMO=False).test_client().get("/login").text


# --- destructive actions ask first ---------------------------------------------------------


@pytest.fixture
def doan(client, auth, db, tree):
    make_user(db, "coordinator", tree["commune_a"], username="doan")
    auth.login("doan")
    return client


@pytest.mark.parametrize(
    ("action", "says", "button"),
    [
        ("deactivate", "Khóa tài khoản của Tổ Viên An?", "Khóa tài khoản"),
        ("reset-password", "Đặt lại mật khẩu của Tổ Viên An?", "Đặt lại mật khẩu"),
    ],
)
def test_locking_and_resetting_an_account_ask_first(doan, db, tree, action, says, button):
    volunteer = make_user(db, "volunteer", tree["village_a1"], username="an", name="Tổ Viên An")
    before = (volunteer.active, volunteer.password_hash, volunteer.session_version)
    detail = doan.get(f"/users/{volunteer.id}").text
    assert f'href="/users/{volunteer.id}/{action}"' in detail  # a link to the question
    assert f'action="/users/{volunteer.id}/{action}"' not in detail  # no one-tap form
    page = doan.get(f"/users/{volunteer.id}/{action}")
    assert page.status_code == 200 and says in page.text
    assert (
        f'<form method="post" class="actions" action="/users/{volunteer.id}/{action}">' in page.text
    )
    assert button in page.text and f'href="/users/{volunteer.id}"' in page.text  # or cancel
    db.rollback()
    db.expire_all()
    same = db.get(User, volunteer.id)
    assert (same.active, same.password_hash, same.session_version) == before
    # without the form's token nothing happens
    assert doan.post(f"/users/{volunteer.id}/{action}", data={}).status_code == 400
    done = doan.post(f"/users/{volunteer.id}/{action}", data={"csrf_token": csrf_from(page.text)})
    assert done.status_code in (200, 302)
    db.rollback()
    db.expire_all()
    after = db.get(User, volunteer.id)
    assert (after.active, after.password_hash, after.session_version) != before


def test_taking_a_place_out_of_use_asks_first(app_with, db, tree):
    make_user(db, "staff", tree["province"], username="canbo")
    make_user(db, "volunteer", tree["village_a2"], username="tv")
    client = app_with().test_client()
    AuthActions(client).login("canbo")
    village = tree["village_a2"]
    url = f"/places/{village.id}/edit"
    page = client.get(url).text
    assert "Ngừng sử dụng" not in page
    data = {
        "name": village.name,
        "kind": village.kind,
        "code": village.code,
        "parent_id": str(tree["commune_a"].id),
        "target_households": "50",
        "csrf_token": csrf_from(page),
    }  # "active" unticked
    asked = client.post(url, data=data)
    assert asked.status_code == 200
    assert f"Ngừng sử dụng {village.name}?" in asked.text and "1 tài khoản" in asked.text
    assert 'name="confirm_deactivate"' in asked.text
    db.rollback()
    db.expire_all()
    assert db.get(Place, village.id).active is True
    done = client.post(url, data={**data, "confirm_deactivate": "y"})
    assert done.status_code == 302
    db.rollback()
    db.expire_all()
    assert db.get(Place, village.id).active is False
    # other edits of a place in use do not ask
    commune = tree["commune_b"]
    page = client.get(f"/places/{commune.id}/edit").text
    renamed = client.post(
        f"/places/{commune.id}/edit",
        data={
            "name": "Phường Mới",
            "kind": commune.kind,
            "code": commune.code,
            "parent_id": str(tree["province"].id),
            "active": "y",
            "csrf_token": csrf_from(page),
        },
    )
    assert renamed.status_code == 302


def test_the_other_destructive_actions_already_ask_first(client, auth, db, tree):
    """Visit delete, household erasure and village merge: a GET page, then a POST."""
    from tests.factories import make_household, make_visit

    lead = make_user(db, "team_lead", tree["village_a1"], username="tt")
    household = make_household(db, tree["village_a1"], lead, head_name="Hộ Thử")
    visit = make_visit(db, household, lead)
    auth.login("tt")
    for url in (f"/visits/{visit.id}/delete", f"/privacy/households/{household.id}/anonymise"):
        page = client.get(url)
        assert page.status_code == 200 and 'method="post"' in page.text, url
    db.rollback()
    db.expire_all()
    assert db.scalar(select(User).where(User.username == "tt")) is not None
