from datetime import timedelta
from cdt_app.i18n import today_local
from tests.test_offline_browser import *  # noqa

def test_shots(pwa, world, db):
    page = pwa.page
    pwa.goto("/"); pwa.login(); pwa.warm()
    pwa.offline()
    pick_household(pwa, "an")
    page.screenshot(path="/tmp/shot_form_offline.png", full_page=True)
    log_visit(pwa, {"vneid": True}, "1")
    pick_household(pwa, "binh")
    page.fill("input[name=visited_on]", (today_local() + timedelta(days=2)).isoformat())
    log_visit(pwa, {"dvc": False}, "1")
    page.screenshot(path="/tmp/shot_picker_offline.png", full_page=True)
    pwa.online()
    pwa.goto("/sync")
    until(page, "() => CDT.all().then(items => items.some(i => i.state === 'rejected'))")
    page.reload()
    page.wait_for_selector(".outbox-item")
    page.screenshot(path="/tmp/shot_sync.png", full_page=True)
