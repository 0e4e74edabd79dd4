"""Role and place agree (DESIGN section 1), through every way an account is made or used: the
service, the people form, the command line and the login; and the place picker that replaces
the typed code, scoped to the user's area."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from cdt_app.errors import ValidationError
from cdt_app.models import ROLES, User
from cdt_app.permissions import ROLE_PLACE_LEVELS, place_fits_role
from cdt_app.users.services import UserInput, create_user
from tests.conftest import AuthActions, csrf_from
from tests.factories import make_place, make_tree, make_user

#: (role, level) → does it fit? Written out from DESIGN section 1, not from the code
FITS = {
    ("volunteer", "village"): True,
    ("volunteer", "commune"): False,
    ("volunteer", "district"): False,
    ("volunteer", "province"): False,
    ("team_lead", "village"): True,
    ("team_lead", "commune"): False,
    ("team_lead", "district"): False,
    ("team_lead", "province"): False,
    ("coordinator", "village"): False,
    ("coordinator", "commune"): True,
    ("coordinator", "district"): True,  # a huyện of a tree from before 1/7/2025
    ("coordinator", "province"): True,
    ("staff", "village"): False,
    ("staff", "commune"): True,
    ("staff", "district"): True,
    ("staff", "province"): True,
    ("admin", "village"): False,
    ("admin", "commune"): False,
    ("admin", "district"): False,
    ("admin", "province"): True,
}
#: a place of each level in make_tree (districts exist only in old trees: rule only)
TREE_PLACE = {"village": "village_a1", "commune": "commune_a", "province": "province"}
PAIRS = [(role, level) for role in ROLES for level in ("village", "commune", "province")]


def test_the_table_covers_every_role_and_level():
    assert set(ROLE_PLACE_LEVELS) == set(ROLES)
    for (role, level), fits in FITS.items():
        assert place_fits_role(role, SimpleNamespace(level=level)) is fits, (role, level)
    assert not place_fits_role("volunteer", None) and not place_fits_role("x", "village")


@pytest.mark.parametrize(("role", "level"), PAIRS)
def test_the_service_refuses_a_wrong_pair_next_to_the_place(app, db, tree, role, level):
    place = tree[TREE_PLACE[level]]
    data = UserInput(f"u_{role}_{level}", "Người Thử", role, place.id, "mot-cau-dai-2026")
    if FITS[(role, level)]:
        assert create_user(db, None, data).place_id == place.id
        return
    with app.test_request_context(), pytest.raises(ValidationError) as refused:  # Vietnamese
        create_user(db, None, data)
    assert set(refused.value.errors) == {"place_id"}
    message = refused.value.errors["place_id"]
    assert any(word in message for word in ("thôn", "tỉnh", "xã")), message


@pytest.fixture
def admin_client(app_with, db, tree):
    make_user(db, "admin", tree["province"], username="quantri")
    client = app_with(CDT_ADMIN_TOTP_REQUIRED=False).test_client()
    assert AuthActions(client).login("quantri").status_code == 302
    return client


@pytest.mark.parametrize(("role", "level"), PAIRS)
def test_the_form_refuses_a_wrong_pair_and_keeps_what_was_typed(
    admin_client, db, tree, role, level
):
    place = tree[TREE_PLACE[level]]
    token = csrf_from(admin_client.get("/users/new").text)
    username = f"form_{role}_{level}"
    response = admin_client.post(
        "/users/new",
        data={
            "username": username,
            "display_name": "Trần Văn Gõ",
            "role": role,
            "place_id": str(place.id),
            "password": "mot-cau-dai-2026",
            "active": "y",
            "csrf_token": token,
        },
    )
    created = db.scalar(select(User).where(User.username == username))
    if FITS[(role, level)]:
        assert response.status_code == 302 and created.place_id == place.id
        return
    assert response.status_code == 200 and created is None
    page = response.text
    picker = page[page.index('id="place_id-picker"') : page.index("</fieldset>")]
    assert 'class="error" id="place_id-error"' in picker  # next to the place field
    assert f'value="{username}"' in page and 'value="Trần Văn Gõ"' in page
    assert 'value="mot-cau-dai-2026"' in page
    assert f'name="place_id" value="{place.id}" checked' in page
    assert f'<option selected value="{role}">' in page


@pytest.mark.parametrize(("role", "level"), PAIRS)
def test_the_command_line_refuses_a_wrong_pair(runner, db, tree, role, level):
    place = tree[TREE_PLACE[level]]
    username = f"cli_{role}_{level}"
    args = ["cdt", "create-user", "--username", username, "--password", "mot-cau-dai-2026"]
    result = runner.invoke(args=[*args, "--role", role, "--place", place.code])
    created = db.scalar(select(User).where(User.username == username))
    if FITS[(role, level)]:
        assert result.exit_code == 0 and created is not None, result.output
    else:
        assert result.exit_code == 1 and created is None
        assert "Đơn vị:" in result.output or "đơn vị" in result.output.lower()
        assert "Traceback" not in result.output


# --- existing accounts at login ------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "wrong_place", "who"),
    [
        ("volunteer", "province", "tổ trưởng"),
        ("team_lead", "commune_a", "điều phối viên"),
        ("coordinator", "village_a1", "quản trị"),
        ("admin", "commune_a", "quản trị viên khác"),
    ],
)
def test_an_account_whose_place_does_not_fit_is_refused_at_login_with_who_fixes_it(
    client, auth, db, tree, role, wrong_place, who
):
    right = {"volunteer": "village_a1", "team_lead": "village_a1"}.get(role, "province")
    user = make_user(db, role, tree[right], username="lech")
    db.execute(update(User).where(User.id == user.id).values(place_id=tree[wrong_place].id))
    db.commit()
    response = auth.login("lech")
    assert response.status_code == 200
    assert "không phù hợp với vai trò" in response.text and who in response.text
    assert tree[wrong_place].name in response.text
    assert client.get("/").status_code == 302  # not logged in
    wrong = auth.login("lech", "sai-mat-khau-2026")
    assert "không phù hợp" not in wrong.text
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in wrong.text


# --- the picker -----------------------------------------------------------------------------


@pytest.fixture
def coordinator(client, auth, db, tree):
    make_user(db, "coordinator", tree["commune_a"], username="doan")
    auth.login("doan")
    return client


def _picker(page: str) -> str:
    return page[page.index('id="place_id-picker"') : page.index("</fieldset>")]


def _post_picker(client, extra: dict) -> str:
    token = csrf_from(client.get("/users/new").text)
    data = {"username": "giu_lai", "display_name": "Giữ Lại", "role": "volunteer"}
    response = client.post("/users/new", data={**data, **extra, "csrf_token": token})
    assert response.status_code == 200
    return response.text


def test_the_picker_lists_only_the_actors_area_and_no_codes(coordinator, tree):
    picker = _picker(coordinator.get("/users/new").text)
    assert tree["commune_a"].name in picker and tree["village_a1"].name in picker
    for outside in ("province", "commune_b", "village_b1", "village_b2"):
        assert tree[outside].name not in picker
        assert f'"place_id" value="{tree[outside].id}"' not in picker
        assert f'"place_id_open" value="{tree[outside].id}"' not in picker
    assert tree["commune_a"].code not in picker  # codes are neither typed nor shown
    assert 'name="place_code"' not in picker


@pytest.mark.parametrize(
    ("query", "finds"),
    [
        ("thôn một", "village_a1"),
        ("thon mot", "village_a1"),
        ("THÔN  MỘT", "village_a1"),
        ("Thôn Một", "village_a1"),  # decomposed input folds the same (NFD below)
        ("mot", "village_a1"),
        ("hai", "village_a2"),
    ],
)
def test_the_picker_searches_by_name_with_or_without_diacritics(coordinator, tree, query, finds):
    import unicodedata

    query = unicodedata.normalize("NFD", query) if query == "Thôn Một" else query
    page = _post_picker(coordinator, {"place_id_q": query, "place_id_find": "1"})
    picker = _picker(page)
    assert f'name="place_id" value="{tree[finds].id}"' in picker
    other = "village_a2" if finds == "village_a1" else "village_a1"
    assert f'"place_id" value="{tree[other].id}"' not in picker
    assert 'value="giu_lai"' in page and 'value="Giữ Lại"' in page  # everything typed kept


def test_the_picker_search_never_reaches_outside_the_area(coordinator, db, tree):
    for query in ("khu pho", "ba", "phuong", "tinh", "binh an"):
        picker = _picker(_post_picker(coordinator, {"place_id_q": query, "place_id_find": "1"}))
        for outside in ("province", "commune_b", "village_b1", "village_b2"):
            assert f'"place_id" value="{tree[outside].id}"' not in picker, (query, outside)
            assert tree[outside].name not in picker, (query, outside)
    # opening, keeping or choosing a place outside is treated as no place at all
    outside_id = str(tree["commune_b"].id)
    picker = _picker(_post_picker(coordinator, {"place_id_open": outside_id}))
    assert tree["village_b1"].name not in picker and tree["commune_a"].name in picker
    picker = _picker(_post_picker(coordinator, {"place_id_at": outside_id, "place_id_find": "1"}))
    assert tree["village_b1"].name not in picker
    token = csrf_from(coordinator.get("/users/new").text)
    refused = coordinator.post(
        "/users/new",
        data={
            "username": "ngoai",
            "role": "volunteer",
            "place_id": str(tree["village_b1"].id),
            "csrf_token": token,
        },
    )
    assert "Vui lòng chọn đơn vị." in refused.text
    assert db.scalar(select(User).where(User.username == "ngoai")) is None


def test_the_picker_drills_down_and_back_up(app_with, db, tree):
    make_user(db, "staff", tree["province"], username="canbo")
    client = app_with().test_client()
    AuthActions(client).login("canbo")
    first = _picker(client.get("/users/new").text)
    assert tree["commune_b"].name in first and tree["village_b1"].name not in first
    assert "checked" not in first  # no silent default: nothing is chosen yet
    opened = _picker(_post_picker(client, {"place_id_open": str(tree["commune_b"].id)}))
    assert tree["village_b1"].name in opened and tree["village_a1"].name not in opened
    # the trail leads back up to the province
    assert f'name="place_id_open" value="{tree["province"].id}"' in opened
    back = _picker(_post_picker(client, {"place_id_open": str(tree["province"].id)}))
    assert tree["commune_a"].name in back and tree["village_b1"].name not in back


def test_no_default_gives_a_wrong_pair(admin_client, tree):
    page = admin_client.get("/users/new").text
    assert 'name="place_id" value="' not in _picker(page).split("picker-list")[0]
    assert '<option selected value="volunteer">' in page
    for key, role in (("village_a1", "volunteer"), ("commune_a", "coordinator")):
        page = admin_client.get(f"/users/new?place={tree[key].id}").text
        assert f'name="place_id" value="{tree[key].id}" checked' in page
        assert f'<option selected value="{role}">' in page


def test_the_edit_form_uses_the_picker_and_refuses_a_wrong_pair(coordinator, db, tree):
    volunteer = make_user(db, "volunteer", tree["village_a1"], username="tv")
    page = coordinator.get(f"/users/{volunteer.id}/edit").text
    assert f'name="place_id" value="{tree["village_a1"].id}" checked' in page
    response = coordinator.post(
        f"/users/{volunteer.id}/edit",
        data={
            "username": "tv",
            "display_name": "Tổ Viên",
            "role": "volunteer",
            "place_id": str(tree["commune_a"].id),
            "active": "y",
            "csrf_token": csrf_from(page),
        },
    )
    assert response.status_code == 200 and "hãy chọn một thôn" in response.text
    db.expire_all()
    assert db.get(User, volunteer.id).place_id == tree["village_a1"].id


def test_a_search_finds_a_place_deep_in_a_big_area(db, app_with):
    tree = make_tree(db)
    for n in range(40):
        make_place(db, f"Thôn Số {n}", "thon", tree["commune_b"])
    make_user(db, "staff", tree["province"], username="canbo")
    client = app_with().test_client()
    AuthActions(client).login("canbo")
    picker = _picker(_post_picker(client, {"place_id_q": "so", "place_id_find": "1"}))
    assert "gõ thêm tên" in picker  # cut at 30, says so
    picker = _picker(_post_picker(client, {"place_id_q": "so 37", "place_id_find": "1"}))
    assert "Thôn Số 37" in picker and "Phường Bình An" in picker  # its parent, to tell apart


# --- the same picker for the parent of a place ------------------------------------------------


def test_the_place_form_picks_its_parent_inside_the_area_and_never_a_village(
    client, auth, db, tree
):
    make_user(db, "staff", tree["commune_a"], username="canboxa")
    auth.login("canboxa")
    url = f"/places/{tree['commune_a'].id}/new"
    page = client.get(url).text
    picker = page[page.index('id="parent_id-picker"') : page.index("</fieldset>")]
    assert f'name="parent_id" value="{tree["commune_a"].id}" checked' in picker
    assert tree["village_a1"].name in picker  # listed, but cannot hold a place
    assert f'name="parent_id" value="{tree["village_a1"].id}"' not in picker
    assert tree["commune_b"].name not in picker and tree["province"].name not in picker
    assert 'name="parent_code"' not in page
    token = csrf_from(page)
    found = client.post(
        url,
        data={
            "name": "Thôn Mới",
            "parent_id_q": "binh an",
            "parent_id_find": "1",
            "csrf_token": token,
        },
    ).text
    assert 'value="Thôn Mới"' in found and tree["commune_b"].name not in found
    made = client.post(
        url,
        data={
            "name": "Thôn Mới",
            "kind": "thon",
            "parent_id": str(tree["commune_a"].id),
            "csrf_token": token,
        },
    )
    assert made.status_code == 302


def test_a_place_cannot_pick_a_parent_in_its_own_subtree(app_with, db, tree):
    make_user(db, "staff", tree["province"], username="canbo")
    client = app_with().test_client()
    AuthActions(client).login("canbo")
    page = client.get(f"/places/{tree['commune_a'].id}/edit").text
    picker = page[page.index('id="parent_id-picker"') : page.index("</fieldset>")]
    assert f'name="parent_id" value="{tree["province"].id}" checked' in picker
    assert f'name="parent_id" value="{tree["commune_a"].id}"' not in picker


def test_a_long_list_of_places_is_cut_and_search_finds_the_rest(app_with, db, tree):
    """A province of 124 communes made the people form 12 screens high: the picker lists at
    most MAX_RESULTS places under the open one, says so, and a search finds the others."""
    from cdt_app.places.picker import MAX_RESULTS

    extra = [
        make_place(db, f"Xã Thêm {n:03d}", "xa", tree["province"]) for n in range(MAX_RESULTS + 5)
    ]
    db.commit()
    make_user(db, "staff", tree["province"], username="canbo")
    client = app_with().test_client()
    AuthActions(client).login("canbo")
    first = _picker(client.get("/users/new").text)
    listed = first.count('name="place_id" value="')
    assert listed <= MAX_RESULTS + 1  # the open place itself, then at most MAX_RESULTS
    assert "Chỉ hiện" in first or "Only the first" in first
    last = extra[-1]
    assert last.name not in first
    found = _picker(_post_picker(client, {"place_id_q": last.name, "place_id_find": "1"}))
    assert f'name="place_id" value="{last.id}"' in found
