"""Side doors around scope (issue 13, point 1): nothing a user of village A does tells them
anything about village B, however they probe.

The class tried here: every "helper" path that could read data before the area check (the
duplicate warning of the household forms, pickers and searches, counts and badges, exports,
error messages and the sync API's answers). Three ways:

1. *B's data changes nothing A sees*: each page, export and JSON answer A can open is taken
   before and after village B gets households, visits, returned visits and people; after
   removing what changes by itself (CSRF tokens, clocks) the two are the same, byte for byte,
   so no count, badge, option or warning depends on B.
2. *B's ids answer like ids that do not exist*: every route that takes an id, given B's
   household, visit, person or village, answers as it does for an id nobody has (same status,
   same text), so not even the existence of B's records leaks.
3. *Forms and the sync API fed with B's data*: the household forms with B's village and B's
   head name, address and phone, and sync items naming B's ids, answer without any of B's
   names, addresses, phones or ids.
"""

from __future__ import annotations

import html
import re
import uuid

import pytest

from cdt_app.households.services import save_household
from cdt_app.i18n import mask_phone, search_key
from tests.conftest import AuthActions, csrf_from
from tests.factories import make_household, make_user, make_visit

B_NAME, B_ADDRESS, B_PHONE = "Bùi Thị Bí Mật", "Số 77, ngõ Kín Đáo", "0977000111"
B_PERSON = "Tô Thị Ẩn Danh"  #: a volunteer of village B
B_NOTE = "Ghi chú riêng của thôn Ba"
#: A's people: (username, role, place)
A_PEOPLE = {
    "tn": ("volunteer", "village_a1"),
    "tt": ("team_lead", "village_a1"),
    "dp": ("coordinator", "commune_a"),
    "cb": ("staff", "commune_a"),
}
NOBODY_UUID = "5c1d1c0e-0000-4000-8000-00000000b00b"
NOBODY_INT = 987654


@pytest.fixture
def area(make_world, db):
    world = make_world(
        people={key: (role, place, key) for key, (role, place) in A_PEOPLE.items()},
        households={"ha": ("village_a1", "tn", "Lê Văn Gần", {"address": "Số 1, xóm Đông"})},
    )
    make_visit(db, world["ha"], world["tn"])
    return world


def _add_village_b(app, db, world) -> dict:
    """Village B's records, each carrying the markers (the household registered by the
    service, so that the audit log has its entry)."""
    tree = world["tree"]
    person = make_user(db, "volunteer", tree["village_b1"], "tn_b", name=B_PERSON)
    make_user(db, "team_lead", tree["village_b1"], "tt_b", name="Trưởng Thôn Ba Kín")
    fields = {"head_name": B_NAME, "address": B_ADDRESS, "phone": B_PHONE, "notes": B_NOTE}
    with app.test_request_context():
        household = save_household(
            db,
            person,
            {"village_id": tree["village_b1"].id, "members": 4, "consent": True, **fields},
        )
        db.commit()
    visits = [
        make_visit(db, household, person, notes=B_NOTE),
        make_visit(db, household, person, status="returned", review_note=B_NOTE),
        make_visit(db, household, person, status="approved"),
    ]
    for n in range(30):  # enough to move any count or page of a list
        make_household(db, tree["village_b2"], person, f"{B_NAME} {n}", B_ADDRESS)
    return {
        "household": household,
        "visits": visits,
        "person": person,
        "village": tree["village_b1"],
    }


def _markers(b: dict) -> list[str]:
    found = [B_NAME, search_key(B_NAME), "Bí Mật", "Kín Đáo", B_PHONE, mask_phone(B_PHONE)]
    found += [B_PERSON, "Ẩn Danh", "Thôn Ba Kín", B_NOTE, "tn_b", "tt_b"]
    found += [B_PHONE[:4] + " " + B_PHONE[4:7], "000111"]
    found += [str(b["household"].id), *(str(visit.id) for visit in b["visits"])]
    return found


def assert_nothing_of_b(text: str, b: dict, where: str = "", typed: str = "") -> None:
    """None of B's markers in ``text`` (but what the user typed, shown back to them)."""
    plain = html.unescape(text)
    if typed:
        text, plain = text.replace(typed, ""), plain.replace(typed, "")
    leaked = [marker for marker in _markers(b) if marker in text or marker in plain]
    assert not leaked, (where, leaked)


_VOLATILE = [
    (re.compile(r'(name="csrf_token"[^>]*value=")[^"]+'), r"\1"),
    (re.compile(r'(value=")[^"]+("[^>]*name="csrf_token")'), r"\1\2"),
    (re.compile(r'(name="csrf-token" content=")[^"]+'), r"\1"),
    (re.compile(r'nonce="[^"]+"'), 'nonce=""'),
    (re.compile(r'"csrf_token": ?"[^"]+"'), '"csrf_token": ""'),
    (re.compile(r'"generated_at": ?"[^"]+"'), '"generated_at": ""'),
    (re.compile(r"\d\d/\d\d/\d{4} \d\d:\d\d(:\d\d)?"), "dd/mm/yyyy hh:mm"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[.\d]*"), "yyyy-mm-ddThh:mm:ss"),
    (re.compile(r'name="new_id" type="hidden" value="[^"]+"'), 'name="new_id"'),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"), "uuid"),
]


def _stable(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def _client(app, username: str):
    client = app.test_client()
    AuthActions(client).login(username)
    return client


#: what each of A's people opens: pages, pickers, counts, exports and the offline data
PAGES = {
    "tn": ["/", "/households/", "/visits/new", "/visits/mine", "/sync", "/api/v1/offline-data"],
    "tt": [
        "/",
        "/households/",
        "/visits/new",
        "/visits/team",
        "/review/",
        "/review/?status=returned",
        "/users/",
        "/activity/",
        "/reports/coverage",
        "/reports/coverage.csv",
        "/api/v1/offline-data",
        "/api/v1/coverage",
    ],
    "dp": ["/", "/households/", "/review/", "/activity/", "/reports/coverage", "/users/"],
    "cb": [
        "/",
        "/households/",
        "/places/",
        "/reports/coverage",
        "/reports/coverage.csv",
        "/reports/visits.csv",
        "/users/",
        "/skills/",
    ],
}
#: pages that change by themselves (the audit log lists the exports just made): only searched
#: for B's data
GROWING = {"cb": [("/audit/", ""), ("/audit/?actor=tn_b", "tn_b")]}
#: searches (every box that takes names or phones), as a user types them
SEARCHES = ["/households/?q={q}", "/visits/new?q={q}"]
PEOPLE_SEARCH = "/users/?q={q}"  #: team leads and up
TYPED = [B_NAME, "bi mat", "Bí", B_PHONE, "0977 000 111", "kín đáo", B_PERSON, "tn_b"]


def _open(client, url: str):
    return client.get(url, follow_redirects=True)


def test_village_bs_data_changes_nothing_that_a_sees(app, db, area):
    clients = {username: _client(app, username) for username in PAGES}
    urls = [(u, url) for u, pages in PAGES.items() for url in pages]
    urls += [(u, s.format(q=q)) for u in ("tn", "tt", "dp") for s in SEARCHES for q in TYPED]
    urls += [(u, PEOPLE_SEARCH.format(q=q)) for u in ("tt", "dp", "cb") for q in TYPED]
    typed = {url: q for _user, url in urls for q in TYPED if url.endswith("=" + q)}
    before = {}
    for username, url in urls:
        response = _open(clients[username], url)
        before[username, url] = (response.status_code, _stable(response.data))
    b = _add_village_b(app, db, area)
    for username, url in urls:
        response = _open(clients[username], url)
        text = response.data.decode("utf-8", "replace")
        assert_nothing_of_b(text, b, (username, url), typed.get(url, ""))
        after = (response.status_code, _stable(response.data))
        assert response.status_code == 200, (username, url)
        assert after == before[username, url], (username, url)


def test_the_audit_log_shows_nothing_of_b(app, db, area):
    b = _add_village_b(app, db, area)
    for username, urls in GROWING.items():
        client = _client(app, username)
        for url, typed in urls:
            response = _open(client, url)
            assert response.status_code == 200
            assert_nothing_of_b(response.text, b, url, typed)


def _probes(b: dict) -> list[tuple[str, str, str, str, str]]:
    """(username, URL with B's id, B's id, the same URL with an id nobody has, that id)."""
    household, visit, person = b["household"].id, b["visits"][0].id, b["person"].id
    village = b["village"].id
    by_uuid = [
        ("tn", "/households/{h}"),
        ("tn", "/households/{h}/edit"),
        ("tn", "/visits/new?household={h}"),
        ("tn", "/visits/{v}"),
        ("tn", "/visits/{v}/edit"),
        ("tn", "/visits/{v}/delete"),
        ("tt", "/review/visits/{v}"),
        ("tt", "/privacy/households/{h}/anonymise"),
        ("cb", "/audit/household/{h}"),
        ("cb", "/audit/visit/{v}"),
    ]
    by_person = [
        ("tt", "/users/{u}"),
        ("tt", "/users/{u}/edit"),
        ("tt", "/visits/team?volunteer={u}"),
        ("dp", "/review/?volunteer={u}"),
        ("cb", "/audit/user/{u}"),
    ]
    by_place = [
        ("dp", "/review/?place={p}"),
        ("dp", "/activity/?place={p}"),
        ("dp", "/reports/coverage?place={p}"),
        ("dp", "/reports/coverage.csv?place={p}"),
        ("dp", "/reports/coverage.xlsx?place={p}"),
        ("dp", "/api/v1/coverage?place={p}"),
        ("cb", "/places/{p}"),
        ("cb", "/places/{p}/edit"),
        ("cb", "/reports/targets/{p}"),
        ("cb", "/reports/visits.csv?place={p}"),
        ("cb", "/audit/place/{p}"),
    ]
    probes = []
    for username, url in by_uuid:
        theirs = url.format(h=household, v=visit)
        probes.append((username, theirs, "", url.format(h=NOBODY_UUID, v=NOBODY_UUID), ""))
    for group, mine in ((by_person, person), (by_place, village)):
        for username, url in group:
            theirs, nobodys = url.format(u=mine, p=mine), url.format(u=NOBODY_INT, p=NOBODY_INT)
            probes.append((username, theirs, str(mine), nobodys, str(NOBODY_INT)))
    return probes


def _without(text: str, number: str) -> str:
    """``text`` with the id ``number`` where a URL would carry it replaced by "ID"."""
    return re.sub(rf"(?<=[=/]){number}(?=[&\"/\s]|$)", "ID", text) if number else text


def test_village_bs_ids_answer_like_ids_nobody_has(app, db, area):
    b = _add_village_b(app, db, area)
    clients = {username: _client(app, username) for username in A_PEOPLE}
    for username, theirs, their_id, nobodys, nobody_id in _probes(b):
        answer = _open(clients[username], theirs)
        assert_nothing_of_b(answer.data.decode("utf-8", "replace"), b, (username, theirs))
        control = _open(clients[username], nobodys)
        seen = (answer.status_code, _without(_stable(answer.data), their_id))
        expected = (control.status_code, _without(_stable(control.data), nobody_id))
        assert seen == expected, (username, theirs)


def _household_form(client, url: str, **fields) -> dict:
    page = client.get(url)
    assert page.status_code == 200, url
    data = {"csrf_token": csrf_from(page.text)}
    new_id = re.search(r'name="new_id" type="hidden" value="([^"]*)"', page.text)
    if new_id:
        data["new_id"] = new_id.group(1)
    data.update({"members": "3", "smartphone_members": "", "notes": "", "consent": "y", **fields})
    return data


@pytest.mark.parametrize("username", ["tn", "tt", "dp"])
def test_the_household_forms_warn_about_nothing_outside_the_area(app, db, area, username):
    """Issue 13's example: B's village id with B's head name and phone, on the new and the
    edit form: refused as a village outside the area, with no warning, no link to any
    household of B, nothing of B's but what was typed."""
    b = _add_village_b(app, db, area)
    client = _client(app, username)
    typed = {"head_name": B_NAME, "phone": B_PHONE, "address": ""}
    tree = area["tree"]
    for url in ("/households/new", f"/households/{area['ha'].id}/edit"):
        for village in (b["village"].id, tree["village_b2"].id, tree["commune_b"].id):
            data = _household_form(client, url, village_id=str(village), **typed)
            answer = client.post(url, data=data)
            assert answer.status_code == 200, (url, village)
            assert "Vui lòng chọn thôn/khu phố trong địa bàn của bạn." in answer.text
            links = set(re.findall(r'href="/households/([0-9a-f-]{36})', answer.text))
            assert links <= {str(area["ha"].id)}, (url, village, links)
            for marker in ("Kín Đáo", str(b["household"].id), B_PERSON, mask_phone(B_PHONE)):
                assert marker not in html.unescape(answer.text), (url, village, marker)
    # a typed address too, and the user's own village: the warning finds nothing of B
    own = tree["village_a1"].id
    data = _household_form(client, "/households/new", village_id=own, **typed)
    answer = client.post("/households/new", data=dict(data, address=B_ADDRESS))
    assert answer.status_code == 302  # registered: nothing like it in the user's area
    assert str(b["household"].id) not in answer.text


def _token(client) -> str:
    return client.get("/api/v1/me").json["csrf_token"]


def _sync(client, items: list) -> dict:
    response = client.post(
        "/api/v1/sync", json={"items": items}, headers={"X-CSRFToken": _token(client)}
    )
    assert response.status_code == 200, response.text
    return response.json


def _household_payload(village_id: int) -> dict:
    return {
        "village_id": village_id,
        "head_name": B_NAME,
        "address": B_ADDRESS,
        "phone": B_PHONE,
        "members": 3,
        "smartphone_members": None,
        "consent": True,
        "notes": "",
    }


def _visit_payload(household_id) -> dict:
    return {
        "household_id": str(household_id),
        "visited_on": area_today(),
        "skills": [{"code": "vneid", "completed": True}],
        "people_taught": 1,
        "notes": "",
        "lat": None,
        "lon": None,
    }


def area_today() -> str:
    from cdt_app.i18n import today_local

    return today_local().isoformat()


@pytest.mark.parametrize("username", ["tn", "tt", "dp"])
def test_sync_answers_name_nothing_outside_the_area(app, db, area, username):
    """An item that names B's household or visit (as its own id, or as the visit's household)
    is refused in the words used for an id nobody has or an id taken, and the answer carries
    none of B's data; B's records are unchanged."""
    b = _add_village_b(app, db, area)
    client = _client(app, username)
    a_village = area["tree"]["village_a1"].id
    household, visit = b["household"].id, b["visits"][0].id
    cases = [
        # (B's item, the same item with nothing of B)
        (
            {"kind": "household", "id": str(household), "payload": _household_payload(a_village)},
            None,
        ),
        (
            {"kind": "visit", "id": str(visit), "payload": _visit_payload(area["ha"].id)},
            None,
        ),
        (
            {"kind": "visit", "id": str(uuid.uuid4()), "payload": _visit_payload(household)},
            {"kind": "visit", "id": str(uuid.uuid4()), "payload": _visit_payload(NOBODY_UUID)},
        ),
        (
            {
                "kind": "household",
                "id": str(uuid.uuid4()),
                "payload": _household_payload(b["village"].id),
            },
            {
                "kind": "household",
                "id": str(uuid.uuid4()),
                "payload": _household_payload(NOBODY_INT),
            },
        ),
    ]
    for theirs, nobodys in cases:
        answer = _sync(client, [theirs])["results"][0]
        assert answer["status"] == "rejected", (theirs, answer)
        assert "server" not in answer
        text = str(answer)
        assert_nothing_of_b(text.replace(theirs["id"], "ID"), b, theirs)
        if nobodys is not None:
            control = _sync(client, [nobodys])["results"][0]
            assert answer["errors"] == control["errors"], (answer, control)
    db.expire_all()
    assert db.get(type(b["household"]), household).head_name == B_NAME
    # the review API: B's visit answers as a visit nobody has
    token = _token(client)
    for action in ({"action": "approve"}, {"action": "return", "reason": "x"}):
        theirs = client.post(
            f"/api/v1/visits/{visit}/review", json=action, headers={"X-CSRFToken": token}
        )
        nobodys = client.post(
            f"/api/v1/visits/{NOBODY_UUID}/review", json=action, headers={"X-CSRFToken": token}
        )
        assert (theirs.status_code, theirs.json) == (nobodys.status_code, nobodys.json)
        assert_nothing_of_b(theirs.text, b, "review API")


def test_bulk_approval_and_the_data_export_treat_bs_ids_as_unknown(app, db, area):
    b = _add_village_b(app, db, area)
    client = _client(app, "tt")
    queue = client.get("/review/")
    token = csrf_from(queue.text)
    answers = []
    for ids in ([str(b["visits"][0].id)], [NOBODY_UUID]):
        response = client.post(
            "/review/approve", data={"csrf_token": token, "visit_ids": ids}, follow_redirects=True
        )
        assert_nothing_of_b(response.text, b, "bulk approve")
        answers.append((response.status_code, _stable(response.data)))
    assert answers[0] == answers[1]
    for household in (b["household"].id, NOBODY_UUID):
        response = client.post(
            f"/privacy/households/{household}/export", data={"csrf_token": token}
        )
        assert response.status_code == 404
        assert_nothing_of_b(response.data.decode("utf-8", "replace"), b, "export")
