"""Every page, as every role, in Vietnamese and in English, shows words, never the codes the
program works with: no ISO date, no snake_case identifier, no code of a skill, a role, a status
or a kind of place, no field name of the models, no raw id, no "Tài khoản 7"; and in Vietnamese
no English word.

The pages are those of ``app.url_map`` (GET, HTML) without path arguments, plus the detail pages
of every record of a world that has data in every state, made through the real services: visits
submitted, approved, returned, fixed and deleted, households registered, changed and erased,
accounts created, changed, deactivated and given a new password, places created, changed,
merged and imported, targets set, a skill retired and moved, exports, and the audit log of it
all. The visible text is read with an HTML parser: the text outside <script>, <style> and
<code> (which marks a code shown on purpose: a skill's code in the catalogue), and the
attributes a person sees (title, placeholder, aria-label, alt, value of a button, and
data-label, which the phone layout shows before a table cell).
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from itertools import product

import pytest
from sqlalchemy import select

from cdt_app.audit import record
from cdt_app.households.services import save_household
from cdt_app.models import PLACE_KINDS, ROLES, VISIT_STATUSES, AuditLog, Skill
from cdt_app.places.importer import import_places
from cdt_app.places.services import PlaceInput, create_place, merge_villages, update_place
from cdt_app.privacy.services import anonymise_household
from cdt_app.privacy.services import record_export as record_household_export
from cdt_app.reports.services import record_export, set_targets
from cdt_app.review.services import review_visit
from cdt_app.skills.services import move_skill
from cdt_app.skills.services import set_active as set_skill_active
from cdt_app.users.services import UserInput, reset_password, update_user
from cdt_app.users.services import set_active as set_user_active
from cdt_app.visits.services import delete_visit, save_visit
from tests.conftest import AuthActions

LANGUAGES = ("vi", "en")
#: the account of each role in the world
USERNAMES = {
    "volunteer": "tinhnguyen",
    "team_lead": "totruong",
    "coordinator": "doan",
    "staff": "canbo",
    "admin": "quantri",
}
#: pages that are not HTML for a person (JSON, files, the service worker, redirects)
NOT_PAGES = {
    "static",
    "main.healthz",
    "main.set_language",
    "sync.service_worker",
    "reports.coverage_csv_export",
    "reports.coverage_xlsx_export",
    "reports.periodic_xlsx_export",
    "reports.visits_csv_export",
}

#: "{members}" in a message that the page's script completes
JS_PLACEHOLDER = re.compile(r"\{\w+\}")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
RAW_ID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{3,4}", re.IGNORECASE)
NUMBERED_RECORD = re.compile(r"\b(?:Tài khoản|Account|Đơn vị|Place|Skill) \d+\b")
#: a count of one with a plural noun ("1 villages"), in English
ONE_PLURAL = re.compile(
    r"(?<![\d.,])\b1 (?:villages|households|visits|accounts|records|volunteers|members)\b"
)
#: kind codes that are also Vietnamese syllables written without marks (xa: far, ban, bon…)
#: cannot be told from words; the others can
KIND_CODES = {code for code in PLACE_KINDS if "_" in code} | {"phuong", "huyen", "buon"}
#: English words that a Vietnamese page never needs (names of fields and codes among them)
ENGLISH_WORDS = set(
    """
    the and of for with from by is are was not this that your you has have will can cannot
    please visit visits village villages household households place places user users account
    accounts skill skills review reviewed submitted approved returned active inactive deactivate
    deactivated reactivate create created update updated delete deleted import imported export
    exported merge merged retire retired masked full none null true false yes name kind code
    status role target targets coverage volunteer volunteers coordinator staff admin team lead
    page next previous save cancel back search filter filters date day days error login logout
    password phone phones address notes members reason format level rows children period preset
    sort direction request retention system unknown village_id people taught total
    """.split()
)
#: codes that are English words too: an English page may say them
ENGLISH_CODES = {"payment", "health", "smartphone", *ROLES, *VISIT_STATUSES}


class VisibleText(HTMLParser):
    """The text of a page that a person can see or hear, one piece per line."""

    SKIPPED = {"script", "style", "code"}
    SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "data-label"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        if self._skipping:
            if tag == self._skipping[-1]:
                self._skipping.append(tag)
            return
        if tag in self.SKIPPED:
            self._skipping.append(tag)
            return
        values = dict(attrs)
        self.parts += [value for name, value in attrs if name in self.SHOWN_ATTRIBUTES and value]
        if tag == "input" and values.get("type") in ("submit", "button", "reset"):
            self.parts.append(values.get("value") or "")

    def handle_endtag(self, tag):
        if self._skipping and tag == self._skipping[-1]:
            self._skipping.pop()

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.parts)


def leaks(text: str, language: str, codes: set[str]) -> list[str]:
    """What in ``text`` is a code, an identifier or (in Vietnamese) an English word."""
    text = JS_PLACEHOLDER.sub("", text)
    found = [f"ISO date {m}" for m in ISO_DATE.findall(text)]
    found += [f"identifier {m}" for m in SNAKE_CASE.findall(text)]
    found += [f"raw id {m}" for m in RAW_ID.findall(text)]
    found += [f"numbered record {m}" for m in NUMBERED_RECORD.findall(text)]
    shown_codes = codes if language == "vi" else codes - ENGLISH_CODES
    words = re.findall(r"[A-Za-z_]+", text)
    found += [f"code {w}" for w in words if w in shown_codes]
    if language == "vi":
        found += [f"English {w}" for w in words if w.lower() in ENGLISH_WORDS]
    else:
        found += [f"plural {m}" for m in ONE_PLURAL.findall(text)]
    return found


def _codes(db) -> set[str]:
    skills = set(db.scalars(select(Skill.code)))
    return skills | set(ROLES) | set(VISIT_STATUSES) | KIND_CODES


def _household(db, actor, village, name, phone=None):
    data = {
        "village_id": village.id,
        "head_name": name,
        "address": "Số 4, xóm 2",
        "phone": phone,
        "members": 4,
        "smartphone_adults": 2,
        "consent": True,
        "notes": "Hộ hẹn hướng dẫn thêm.",
    }
    return save_household(db, actor, data)


def _visit_data(household, day, skills=(("vneid", True), ("dvc", False)), **data) -> dict:
    return {
        "household_id": household.id,
        "visited_on": day,
        "skills": [{"code": code, "completed": done} for code, done in skills],
        "people_taught": 2,
        "notes": "Con cháu cùng học.",
        **data,
    }


def _visit(db, actor, household, day, *skills):
    return save_visit(db, actor, _visit_data(household, day, *skills))


def _field_work(db, world, people) -> None:
    """Households registered, changed and erased; visits logged, approved, returned, fixed,
    deleted and left waiting."""
    tree, vol, lead, coord = world.tree, people["vol"], people["lead"], people["coord"]
    day = world.today - timedelta(days=2)
    an = _household(db, vol, tree["village_a1"], "Nguyễn Văn An", "0912345678")
    binh = _household(db, vol, tree["village_a1"], "Trần Thị Bình")
    cuc = _household(db, lead, tree["village_a1"], "Lê Văn Cúc")
    save_household(db, vol, {**_plain(an), "members": 5, "phone": "0987654321"}, an)
    approved = _visit(db, vol, an, day)
    returned = _visit(db, vol, binh, day)
    fixed = _visit(db, vol, binh, day - timedelta(days=1), (("payment", False),))
    _visit(db, vol, an, world.today)  # waits for review
    deleted = _visit(db, vol, an, day - timedelta(days=3))
    erased_visit = _visit(db, people["vol2"], cuc, day)
    _visit(db, lead, binh, day, (("smartphone", True),))
    review_visit(db, lead, approved, "approve")
    review_visit(db, coord, returned, "return", "Thiếu số người được hướng dẫn.")
    review_visit(db, coord, fixed, "return", "Chưa ghi rõ nội dung.")
    again = _visit_data(binh, day - timedelta(days=1), (("payment", True),), people_taught=1)
    save_visit(db, vol, {**again, "notes": "Đã bổ sung."}, fixed)
    delete_visit(db, vol, deleted)
    review_visit(db, coord, erased_visit, "return", "Sai ngày.")
    anonymise_household(db, lead, cuc, "request")
    record_household_export(db, lead, an, "csv")


def _office_work(db, world, people) -> None:
    """Accounts changed, deactivated and reset; places created, changed, merged and
    imported; targets set; a skill retired and another moved; exports."""
    tree, staff, admin, vol = world.tree, people["staff"], people["admin"], people["vol"]
    renamed = UserInput(
        username="tinhnguyen2",
        display_name="Hà Thị Mai Anh",
        role="volunteer",
        place_id=tree["village_a1"].id,
    )
    update_user(db, admin, people["vol2"], renamed, tree["province"])
    set_user_active(db, admin, people["gone"], False)
    reset_password(db, admin, people["vol2"])
    record(db, vol, "password_change", vol, {})
    record(db, staff, "totp_on", staff, {})
    extra = create_place(
        db, admin, PlaceInput(name="Thôn Ba", kind="thon", parent_id=tree["commune_a"].id)
    )
    village = tree["village_b2"]
    moved = PlaceInput(
        name="Khu phố Bốn Mới",
        kind="to_dan_pho",
        code=village.code,
        parent_id=tree["commune_b"].id,
        target_households=60,
    )
    update_place(db, staff, village, moved)
    merge_villages(db, admin, extra, tree["village_a2"])
    row = {
        "code": "TN-09",
        "name": "Khu phố Chín",
        "kind": "Khu phố",
        "parent_code": tree["commune_b"].code,
        "target_households": "90",
    }
    import_places(db, admin, [(2, row)])
    set_targets(db, staff, tree["commune_a"], {tree["village_a1"].id: 120})
    set_skill_active(db, admin, db.scalar(select(Skill).where(Skill.code == "health")), False)
    move_skill(db, admin, db.scalar(select(Skill).where(Skill.code == "dvc")), "down")
    details = {"level": "villages", "from": None, "to": world.today.isoformat()}
    record_export(db, staff, tree["province"], "coverage.xlsx", {**details, "rows": 4})
    record_export(db, staff, tree["commune_a"], "visits.csv", {**details, "phones": "masked"})


def _build(app, db, make_world) -> dict:
    """The world: every kind of record in every state, and the audit log of how it came to be."""
    world = make_world(
        people={
            "admin": ("admin", "province", "quantri", {"name": "Trần Quản Trị"}),
            "staff": ("staff", "province", "canbo", {"name": "Lê Thị Cán Bộ"}),
            "coord": ("coordinator", "commune_a", "doan", {"name": "Phạm Điều Phối"}),
            "lead": ("team_lead", "village_a1", "totruong", {"name": "Đỗ Tổ Trưởng"}),
            "vol": ("volunteer", "village_a1", "tinhnguyen", {"name": "Võ Tình Nguyện"}),
            "vol2": ("volunteer", "village_a1", "tinhnguyen2", {"name": "Hà Thị Mai"}),
            "gone": ("volunteer", "village_b1", "nghiviec", {"name": "Ngô Văn Nghỉ"}),
        }
    )
    people = world.people
    with app.test_request_context():
        _field_work(db, world, people)
        _office_work(db, world, people)
        db.commit()
    return {"world": world, "people": people}


def _plain(household) -> dict:
    fields = ("village_id", "head_name", "address", "phone", "members", "smartphone_adults")
    return {**{f: getattr(household, f) for f in fields}, "consent": True, "notes": ""}


@pytest.fixture
def plain_world(app, db, make_world):
    return _build(app, db, make_world)


def _urls(app, db, built) -> list[str]:
    """The pages to read: every GET page of the url_map, with the world's records for its
    arguments, and a few filtered views."""
    from flask import url_for

    from cdt_app.models import Household, Visit

    tree = built["world"].tree
    people = built["people"]
    values = {
        "place_id": [tree["province"].id, tree["commune_a"].id, tree["village_a1"].id],
        "parent_id": [tree["province"].id, tree["commune_a"].id],
        "household_id": list(db.scalars(select(Household.id))),
        "visit_id": list(db.scalars(select(Visit.id))),
        "user_id": [user.id for user in people.values()],
        "skill_id": list(db.scalars(select(Skill.id)))[:2],
    }
    objects = db.execute(select(AuditLog.object_type, AuditLog.object_id).distinct()).all()
    urls: list[str] = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
                continue
            if rule.endpoint.startswith("api."):
                continue
            args = sorted(rule.arguments)
            if not args:
                urls.append(url_for(rule.endpoint))
            elif args == ["object_id", "object_type"]:
                urls += [
                    url_for(rule.endpoint, object_type=kind, object_id=oid or "-")
                    for kind, oid in objects
                ]
            elif all(arg in values for arg in args):
                for combination in product(*(values[arg] for arg in args)):
                    urls.append(url_for(rule.endpoint, **dict(zip(args, combination, strict=True))))
            else:
                raise AssertionError(f"no value for the arguments of {rule.rule}")
    village, commune = tree["village_a1"].id, tree["commune_a"].id
    urls += [
        "/audit/?action=review",
        "/audit/?object_type=app_user",
        f"/reports/coverage?place={village}",
        f"/reports/coverage?place={commune}",
        f"/activity/?place={commune}",
        f"/activity/?place={village}",
        "/review/?status=returned",
        "/households/?q=an",
    ]
    return urls


def _read_every_page(
    app, db, built, role: str, language: str
) -> tuple[dict[str, list[str]], set[str]]:
    """What leaks on which page, and the pages read (answered 200)."""
    client = app.test_client()
    if language == "en":
        client.get("/lang/en?next=/login")
    found: dict[str, list[str]] = {}
    read: set[str] = set()
    codes = _codes(db)
    for url in ("/login", "/offline"):
        found[url] = leaks(visible_text(client.get(url).text), language, codes)
    response = AuthActions(client).login(USERNAMES[role])
    assert response.status_code == 302, response.text
    for url in _urls(app, db, built):
        response = client.get(url, follow_redirects=url.endswith("?q=an"))
        if response.status_code in (301, 302, 303) or response.mimetype != "text/html":
            continue
        if response.status_code == 200:
            read.add(url)
        assert f'lang="{language}"' in response.text, url
        if problems := leaks(visible_text(response.text), language, codes):
            found[url] = problems
    return {url: problems for url, problems in found.items() if problems}, read


@pytest.mark.parametrize(("role", "language"), list(product(USERNAMES, LANGUAGES)))
def test_pages_show_words_not_codes(app, db, plain_world, role, language):
    found, read = _read_every_page(app, db, plain_world, role, language)
    assert found == {}, "\n".join(f"{url}: {sorted(set(what))}" for url, what in found.items())
    # the pages a role works with were read, not only refused
    assert {"/", "/households/", "/visits/mine", "/account", "/sync"} <= read
    if role in ("staff", "admin"):
        assert {"/audit/", "/reports/coverage", "/places/import", "/skills/"} <= read
        assert sum(url.startswith("/audit/visit/") for url in read) >= 6
    if role in ("team_lead", "coordinator"):
        assert "/review/" in read and "/activity/" in read


def test_the_reader_finds_what_it_looks_for():
    """The checks would see a leak (else the test above would prove nothing)."""
    html = (
        '<p title="status: submitted">Ngày 2026-07-01, <span>display_name</span></p>'
        '<td data-label="payment: %">1</td><script>var a = "team_lead";</script>'
        "<code>vneid</code><p>Tài khoản 7 · 4249dd39-44d…</p>"
    )
    text = visible_text(html)
    assert "team_lead" not in text and "vneid" not in text
    found = leaks(text, "vi", {"payment", "submitted", "vneid"})
    assert found == [
        "ISO date 2026-07-01",
        "identifier display_name",
        "raw id 4249dd39-44d",
        "numbered record Tài khoản 7",
        "code submitted",
        "code payment",
        "English status",
        "English submitted",
    ]
    assert leaks("3 villages · payment", "en", {"payment"}) == []
    assert leaks("1 villages · 21 households", "en", set()) == ["plural 1 villages"]
