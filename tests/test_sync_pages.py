"""The installable app: manifest, icons, the service worker and its build, the "Đồng bộ" page,
the blank visit form kept for offline use, and the hooks in the household and visit forms."""

from __future__ import annotations

import json
import re
import struct
import uuid
from pathlib import Path

import pytest

from cdt_app.sync import offline_app
from tests.factories import make_user
from tests.page_scripts import page_scripts

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"


@pytest.fixture
def world(make_world):
    return make_world(
        people={"volunteer": ("volunteer", "village_a1", "tinhnguyen")},
        households={"household": ("village_a1", "volunteer", "Nguyễn Văn An", {"members": 4})},
    )


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_manifest_makes_an_installable_vietnamese_app(client):
    response = client.get("/static/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["name"] == "Sổ tay Tổ Công nghệ số cộng đồng"
    assert manifest["short_name"] and manifest["lang"] == "vi"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    sizes = {icon["sizes"]: icon for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= set(sizes)
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        data = client.get(icon["src"]).data
        width, height = png_size(data)
        assert f"{width}x{height}" == icon["sizes"]


def test_the_icons_are_drawn_by_the_repository_script():
    from cdt_app.sync.icons import ICONS, draw

    assert png_size(draw(16, False)) == (16, 16)
    for name, (size, _maskable) in ICONS.items():
        assert png_size((STATIC / "icons" / name).read_bytes()) == (size, size)


def test_every_page_links_the_manifest_and_the_offline_scripts(client, auth, world):
    login_page = client.get("/login").text
    assert 'rel="manifest"' in login_page
    assert "offline.js" not in login_page  # nothing to keep offline before logging in
    auth.login("tinhnguyen")
    home = client.get("/").text
    assert 'rel="manifest" href="/static/manifest.webmanifest"' in home
    assert '<script type="module" src="/static/js/offline.js"></script>' in home
    volunteer_id = world["volunteer"].id
    assert re.search(rf'id="outbox-count"[^>]*data-user="{volunteer_id}"[^>]*>Đồng bộ</a>', home)
    assert "{n} chưa đồng bộ" in home
    assert "<script>" not in home and " style=" not in home and " onclick=" not in home


def test_the_service_worker_is_served_from_the_root_with_its_build(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    source = response.text
    assert "__CDT_BUILD__" not in source
    build = json.loads(re.search(r"const BUILD = (\{.*?\});\n", source).group(1))
    assert re.fullmatch(r"[0-9a-f]{12}", build["version"])
    assert "/static/css/app.css" in build["shell"]
    assert {
        "/static/js/outbox-store.js",
        "/static/js/outbox-drain.js",
        "/static/js/offline.js",
        "/static/js/form-fill.js",
        "/static/js/sync-page.js",
    } <= set(build["shell"])
    assert "/static/js/sw.js" not in build["shell"]
    assert "/static/manifest.webmanifest" in build["shell"]
    assert {"/", "/sync", "/offline", "/sync/visit-form", "/households/new", "/visits/new"} <= set(
        build["pages"]
    )
    assert build["alias"] == [["/visits/new", "household", "/sync/visit-form"]]
    assert build["offline"] == "/offline"
    # every shell file exists: a missing one would make the install of a release fail
    for url in build["shell"]:
        assert client.get(url).status_code == 200, url


def test_the_version_changes_with_any_file_of_the_shell(app, monkeypatch, tmp_path):
    with app.test_request_context():
        before = offline_app.build(app)
        again = offline_app.build(app)
    assert before == again
    static = tmp_path / "static"
    for path in STATIC.rglob("*"):
        if path.is_file():
            target = static / path.relative_to(STATIC)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    monkeypatch.setattr(app, "static_folder", str(static))
    with app.test_request_context():
        assert offline_app.build(app)["version"] == before["version"]
        (static / "css" / "app.css").write_text("/* changed */", encoding="utf-8")
        assert offline_app.build(app)["version"] != before["version"]


def test_the_sync_page_needs_a_login_and_has_its_buttons(client, auth, world):
    assert client.get("/sync").status_code == 302
    auth.login("tinhnguyen")
    page = client.get("/sync").text
    assert "<h1>Đồng bộ</h1>" in page
    assert "Đồng bộ ngay" in page and "Xuất dữ liệu chưa gửi" in page
    for state in ("Chờ đồng bộ", "Đang gửi", "Đã đồng bộ", "Cần sửa"):
        assert state in page
    assert "/static/js/sync-page.js" in page
    assert "<noscript>" in page


def test_the_offline_page_is_public_and_points_to_what_works_offline(client, auth, world):
    assert client.get("/offline").status_code == 200
    auth.login("tinhnguyen")
    page = client.get("/offline").text
    assert "Không có mạng" in page
    assert 'href="/visits/new"' in page and 'href="/households/new"' in page


def test_the_blank_visit_form_is_the_visit_form_of_no_household(client, auth, world):
    assert client.get("/sync/visit-form").status_code == 302
    auth.login("tinhnguyen")
    page = client.get("/sync/visit-form").text
    assert 'data-offline-form="visit"' in page
    assert 'name="household_id" type="hidden" value="00000000-0000-0000-0000-000000000000"' in page
    assert "{members}" in page  # the page JS writes the household's members there
    assert 'value="vneid"' in page and 'value="smartphone"' in page
    new_id = re.search(r'name="new_id" type="hidden" value="([^"]+)"', page).group(1)
    uuid.UUID(new_id)


def test_a_user_without_a_place_has_no_blank_visit_form(client, auth, db):
    make_user(db, "volunteer", None, username="noplace")
    auth.login("noplace")
    assert client.get("/sync/visit-form").status_code == 404


def test_the_new_forms_are_hooked_for_offline_use_and_the_edit_forms_are_not(client, auth, world):
    auth.login("tinhnguyen")
    household = world["household"]
    assert 'data-offline-form="household"' in client.get("/households/new").text
    assert "data-offline-form" not in client.get(f"/households/{household.id}/edit").text
    form = client.get(f"/visits/new?household={household.id}").text
    assert 'data-offline-form="visit"' in form
    assert "data-offline-list" in client.get("/visits/new").text
    assert "data-offline-list" in client.get("/households/").text


def test_the_visit_form_page_loads_at_most_20_kb_of_javascript(client, auth, world):
    auth.login("tinhnguyen")
    page = client.get(f"/visits/new?household={world['household'].id}").text
    scripts = page_scripts(client, page)
    assert "/static/js/offline.js" in scripts and "/static/js/outbox-store.js" in scripts
    total = sum(len(body) for body in scripts.values())
    assert total <= 20 * 1024, total
