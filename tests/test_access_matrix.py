"""The access-control matrix (ASVS 5.0 V8.2, V8.3): every rule of app.url_map × every method ×
every role (and anonymous) × an object inside or outside the user's area, against the explicit
table EXPECTED below. Default deny: a route missing from the table fails the test until someone
classifies it.

How a request is judged:
* ``ok``: the statuses an allowed role may get (a POST is sent with a valid CSRF token and an
  empty body, so "allowed" means it got past the access checks: a form error, a redirect…);
* anonymous visitors get a redirect to /login (pages) or 401 (the JSON API);
* roles that are not allowed get 403 (or 404 when the object check runs first);
* allowed roles asking about an object outside their area get 404.

Set CDT_MATRIX_DUMP=/tmp/matrix.txt to write what was observed (to classify a new route).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field

import pytest

from cdt_app import create_app
from cdt_app.audit import record
from tests.conftest import AuthActions, csrf_from
from tests.factories import make_household, make_place, make_tree, make_user, make_visit

ROLES = ("volunteer", "team_lead", "coordinator", "staff", "admin")
EVERYONE = frozenset(ROLES)
FIELD = frozenset({"volunteer", "team_lead"})
LEADS_UP = frozenset({"team_lead", "coordinator", "staff", "admin"})
REVIEWERS = frozenset({"team_lead", "coordinator"})
COORD_UP = frozenset({"coordinator", "staff", "admin"})
MANAGERS = frozenset({"staff", "admin"})
NOBODY = frozenset()

PAGE = frozenset({200})
FORM_POST = frozenset({200, 302, 400})  # re-rendered with errors, done and redirected, or refused
SEARCH_POST = frozenset({303})  # a search box: its text kept in the session, to ?s=<key>
REDIRECT = frozenset({302})
ANON_PAGE = frozenset({302})  # to the login page
ANON_API = frozenset({401})
DENIED = frozenset({403})
NOT_FOUND = frozenset({404})
#: the path arguments that name an object inside an area
SCOPED_ARGS = {"place_id", "parent_id", "household_id", "visit_id", "user_id", "object_id"}


@dataclass(frozen=True)
class Access:
    roles: frozenset  #: who may use it (inside their area)
    ok: frozenset = PAGE  #: statuses when allowed
    anon: frozenset = ANON_PAGE  #: statuses for an anonymous visitor
    denied: frozenset = DENIED  #: statuses for a role not allowed
    public: bool = False  #: anonymous visitors are allowed too (get ``ok``)
    outside: frozenset = NOT_FOUND  #: statuses for an allowed role outside its area
    notes: str = field(default="", compare=False)


def public(ok=PAGE):
    return Access(EVERYONE, ok=ok, public=True)


def api(roles, ok=PAGE):
    return Access(roles, ok=ok, anon=ANON_API)


#: endpoint → method → Access, by blueprint. Checked against DESIGN.md section 1 (who needs
#: what) and section 8 (the API answers 401, not a redirect).
EXPECTED: dict[str, dict[str, Access]] = {
    # public
    "static": {"GET": public()},
    "main.healthz": {"GET": public()},
    "main.set_language": {"GET": public(REDIRECT), "POST": public(REDIRECT)},
    "auth.login": {"GET": public(PAGE | REDIRECT), "POST": public(FORM_POST)},
    "auth.login_two_step": {"GET": public(REDIRECT), "POST": public(REDIRECT)},
    "sync.offline": {"GET": public()},
    "sync.service_worker": {"GET": public()},
    "api.openapi": {"GET": public()},
    # every signed-in role
    "main.home": {"GET": Access(EVERYONE)},
    "auth.logout": {"POST": Access(EVERYONE, ok=REDIRECT)},
    "auth.account": {"GET": Access(EVERYONE), "POST": Access(EVERYONE, ok=FORM_POST)},
    "sync.index": {"GET": Access(EVERYONE)},
    "sync.visit_form": {"GET": Access(EVERYONE)},
    "api.me": {"GET": api(EVERYONE)},
    "api.offline": {"GET": api(EVERYONE)},
    "api.sync": {"POST": api(EVERYONE, ok=frozenset({400}))},  # {} has no items
    # two-step login: offered to coordinators, staff and admins only (404 for the others)
    "auth.two_step": {"GET": Access(COORD_UP, denied=NOT_FOUND)},
    "auth.two_step_start": {"POST": Access(COORD_UP, ok=REDIRECT, denied=NOT_FOUND)},
    "auth.two_step_confirm": {"POST": Access(COORD_UP, ok=FORM_POST, denied=NOT_FOUND)},
    "auth.two_step_recovery_codes": {"POST": Access(COORD_UP, ok=REDIRECT, denied=NOT_FOUND)},
    "auth.two_step_disable": {"POST": Access(COORD_UP, ok=REDIRECT, denied=NOT_FOUND)},
    # households: every role, inside the area
    "households.index": {"GET": Access(EVERYONE), "POST": Access(EVERYONE, ok=SEARCH_POST)},
    "households.new": {"GET": Access(EVERYONE), "POST": Access(EVERYONE, ok=FORM_POST)},
    "households.detail": {"GET": Access(EVERYONE)},
    "households.edit": {"GET": Access(EVERYONE), "POST": Access(EVERYONE, ok=FORM_POST)},
    # personal data: erase and export (team leads and above)
    "privacy.anonymise": {"GET": Access(LEADS_UP), "POST": Access(LEADS_UP, ok=FORM_POST)},
    "privacy.export": {"POST": Access(LEADS_UP, ok=frozenset({400}))},  # no format given
    # visits: anyone reads in the area; the author and the team lead edit and delete
    "visits.mine": {"GET": Access(EVERYONE)},
    "visits.new": {"GET": Access(EVERYONE), "POST": Access(EVERYONE, ok=FORM_POST | SEARCH_POST)},
    "visits.detail": {"GET": Access(EVERYONE)},
    # only the visit's author (a volunteer of its village, none of the roles tried here)
    "visits.edit": {"GET": Access(NOBODY), "POST": Access(NOBODY)},
    "visits.delete": {"GET": Access(NOBODY), "POST": Access(NOBODY)},
    "visits.team": {"GET": Access(LEADS_UP)},
    # review: team leads, coordinators (and admins)
    "review.queue": {"GET": Access(REVIEWERS | {"admin"})},
    "review.visit": {"GET": Access(REVIEWERS | {"admin"})},
    "review.approve": {"POST": Access(REVIEWERS | {"admin"}, ok=FORM_POST)},
    "review.return_visit": {"POST": Access(REVIEWERS | {"admin"}, ok=FORM_POST)},
    "review.approve_selected": {"POST": Access(REVIEWERS | {"admin"}, ok=FORM_POST)},
    "api.review": {"POST": api(REVIEWERS | {"admin"}, ok=frozenset({400}))},
    "activity.overview": {"GET": Access(LEADS_UP)},
    # coverage and exports
    "reports.coverage": {"GET": Access(LEADS_UP)},
    "reports.coverage_csv_export": {"GET": Access(LEADS_UP)},
    "reports.coverage_xlsx_export": {"GET": Access(LEADS_UP)},
    "api.coverage": {"GET": api(LEADS_UP)},
    "reports.visits_csv_export": {"GET": Access(MANAGERS)},
    # the periodic report: coordinators, staff, admins, for a commune (or the province)
    "reports.periodic": {"GET": Access(COORD_UP)},
    "reports.periodic_xlsx_export": {"GET": Access(COORD_UP)},
    "api.periodic": {"GET": api(COORD_UP)},
    "reports.targets": {"GET": Access(MANAGERS), "POST": Access(MANAGERS, ok=FORM_POST)},
    # the digital-society indicators; goals are set on a commune (or the province) by staff
    "api.indicators": {"GET": api(LEADS_UP)},
    "indicators.indicators_csv_export": {"GET": Access(LEADS_UP)},
    "indicators.indicators_xlsx_export": {"GET": Access(LEADS_UP)},
    "indicators.goals": {"GET": Access(MANAGERS), "POST": Access(MANAGERS, ok=FORM_POST)},
    # places and the skills catalogue
    "places.index": {"GET": Access(EVERYONE, ok=REDIRECT)},
    "places.detail": {"GET": Access(EVERYONE)},
    "places.create": {"GET": Access(MANAGERS), "POST": Access(MANAGERS, ok=FORM_POST)},
    "places.edit": {"GET": Access(MANAGERS), "POST": Access(MANAGERS, ok=FORM_POST)},
    "places.merge": {"GET": Access(MANAGERS), "POST": Access(MANAGERS, ok=FORM_POST)},
    "places.upload": {"GET": Access(MANAGERS), "POST": Access(MANAGERS, ok=FORM_POST)},
    "skills.index": {"GET": Access(MANAGERS)},
    "skills.create": {"GET": Access(MANAGERS), "POST": Access(MANAGERS, ok=FORM_POST)},
    "skills.edit": {"GET": Access(MANAGERS), "POST": Access(MANAGERS, ok=FORM_POST)},
    "skills.move": {"POST": Access(MANAGERS, ok=FORM_POST)},
    "skills.toggle": {"POST": Access(MANAGERS, ok=FORM_POST)},
    # people: team leads (their volunteers) and above, inside the area
    "users.index": {"GET": Access(LEADS_UP), "POST": Access(LEADS_UP, ok=SEARCH_POST)},
    "users.create": {"GET": Access(LEADS_UP), "POST": Access(LEADS_UP, ok=FORM_POST)},
    "users.detail": {"GET": Access(LEADS_UP)},
    "users.edit": {"GET": Access(LEADS_UP), "POST": Access(LEADS_UP, ok=FORM_POST)},
    # GET asks first; an account already locked (by the POST of this case) goes to its page
    "users.deactivate": {
        "GET": Access(LEADS_UP, ok=PAGE | REDIRECT),
        "POST": Access(LEADS_UP, ok=FORM_POST),
    },
    "users.reactivate": {"POST": Access(LEADS_UP, ok=FORM_POST)},
    "users.reset": {"GET": Access(LEADS_UP), "POST": Access(LEADS_UP, ok=FORM_POST)},
    # the audit log: staff and admins
    "auditlog.index": {"GET": Access(MANAGERS)},
    "auditlog.history": {"GET": Access(MANAGERS)},
}


# --- the world every case runs in ------------------------------------------------------------


def _world(db) -> dict:
    """Actors in commune A (village A1 for the field roles; the administrator, who belongs to
    a province, in the province); one object of each kind in village A1 (inside every actor's
    area) and in a village of another province (outside)."""
    tree = make_tree(db)
    other_province = make_place(db, "Tỉnh Khác", "tinh")
    other_commune = make_place(db, "Xã Khác", "xa", other_province)
    elsewhere = make_place(db, "Thôn Khác", "thon", other_commune, target=10)
    actors = {
        "volunteer": make_user(db, "volunteer", tree["village_a1"], username="tv"),
        "team_lead": make_user(db, "team_lead", tree["village_a1"], username="tt"),
        "coordinator": make_user(db, "coordinator", tree["commune_a"], username="dpv"),
        "staff": make_user(db, "staff", tree["commune_a"], username="cb"),
        "admin": make_user(db, "admin", tree["province"], username="qt"),
    }
    sides = {}
    for side, village in (("inside", tree["village_a1"]), ("outside", elsewhere)):
        author = make_user(db, "volunteer", village, username=f"author_{side}")
        household = make_household(db, village, author, head_name=f"Hộ {side}")
        record(db, author, "create", household, {}, place_id=village.id)
        db.commit()
        visit = make_visit(db, household, author)
        commune = tree["commune_a"] if side == "inside" else other_commune
        sides[side] = {
            "place_id": village.id,
            "parent_id": commune.id,
            "household_id": household.id,
            "visit_id": visit.id,
            "user_id": author.id,
            "object_type": "household",
            "object_id": str(household.id),
            "query_place": village.id,
            "query_commune": commune.id,
            "query_household": household.id,
        }
    return {"actors": actors, "sides": sides}


#: endpoints scoped by a query parameter rather than a path argument: endpoint → (name, key)
QUERY_SCOPED = {
    "reports.coverage": ("place", "query_place"),
    "reports.coverage_csv_export": ("place", "query_place"),
    "reports.coverage_xlsx_export": ("place", "query_place"),
    "reports.visits_csv_export": ("place", "query_place"),
    "api.coverage": ("place", "query_place"),
    "reports.periodic": ("place", "query_commune"),
    "reports.periodic_xlsx_export": ("place", "query_commune"),
    "api.periodic": ("place", "query_commune"),
    "api.indicators": ("place", "query_place"),
    "indicators.indicators_csv_export": ("place", "query_place"),
    "indicators.indicators_xlsx_export": ("place", "query_place"),
}
#: path arguments given another value of the side: endpoint → {argument: side key}
ARGUMENT_OF = {"indicators.goals": {"place_id": "parent_id"}}  # a commune, not a village
FIXED_ARGS = {"code": "vi", "filename": "css/app.css", "skill_id": 1, "object_type": "household"}


def _url_map_app():
    return create_app(
        {"TESTING": True, "SECRET_KEY": "x", "CDT_DATABASE_URL": "sqlite:///:memory:"}
    )


def _rules():
    app = _url_map_app()
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule))
    app.extensions["cdt_engine"].dispose()
    return rules


RULES = _rules()
ENDPOINTS = sorted({rule.endpoint for rule in RULES})


def _sides(rule) -> list[str]:
    scoped = bool(SCOPED_ARGS & set(rule.arguments)) or rule.endpoint in QUERY_SCOPED
    return ["inside", "outside"] if scoped else ["none"]


def _path(app, rule, side: str, world: dict) -> str:
    values = {}
    side_values = world["sides"]["inside" if side == "none" else side]
    for name in rule.arguments:
        if name in FIXED_ARGS:
            values[name] = FIXED_ARGS[name]
        elif name in side_values:
            values[name] = side_values[ARGUMENT_OF.get(rule.endpoint, {}).get(name, name)]
        else:
            values[name] = str(uuid.uuid4())
    if rule.endpoint in QUERY_SCOPED and side != "none":
        param, key = QUERY_SCOPED[rule.endpoint]
        values[param] = side_values[key]
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _expected(access: Access, role: str | None, side: str) -> frozenset:
    if role is None:
        return access.ok if access.public else access.anon
    if role not in access.roles:
        return access.denied | (NOT_FOUND if side == "outside" else frozenset())
    if side == "outside":
        return access.outside
    return access.ok


def _request(client, path: str, method: str, token: str | None):
    if method == "GET":
        return client.get(path)
    if path.startswith("/api/"):
        headers = {"X-CSRFToken": token} if token else {}
        return client.open(path, method=method, json={}, headers=headers)
    return client.open(path, method=method, data={"csrf_token": token} if token else {})


def _dump(lines: list[str]) -> None:
    target = os.environ.get("CDT_MATRIX_DUMP")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")


def test_every_route_is_classified():
    missing = [endpoint for endpoint in ENDPOINTS if endpoint not in EXPECTED]
    assert missing == [], f"classify these routes in EXPECTED: {missing}"
    stale = [endpoint for endpoint in EXPECTED if endpoint not in ENDPOINTS]
    assert stale == [], f"these routes no longer exist: {stale}"
    for rule in RULES:
        methods = rule.methods - {"HEAD", "OPTIONS"}
        assert methods == set(EXPECTED[rule.endpoint]), rule.endpoint


def test_households_and_visits_are_addressed_by_uuid():
    for rule in RULES:
        for name, converter in rule._converters.items():
            if any(word in name for word in ("household", "visit")):
                assert type(converter).__name__ in ("UUIDConverter", "UnicodeConverter"), rule.rule
                assert type(converter).__name__ != "IntegerConverter"
        if "household" in rule.rule or "visit" in rule.rule:
            assert "<int:" not in rule.rule, rule.rule


#: roles in the order they are tried: those denied first, the team lead (who may review a
#: visit of the team) last, so an allowed POST cannot change what a later role is judged on
ORDER = (None, "volunteer", "staff", "coordinator", "admin", "team_lead")


def _check_role(app, client, world, endpoint, role, token, problems, observed) -> None:
    for rule in [r for r in RULES if r.endpoint == endpoint]:
        for side in _sides(rule):
            path = _path(app, rule, side, world)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}, key=["GET", "POST"].index):
                response = _request(client, path, method, token)
                status = response.status_code
                who = role or "anonymous"
                observed.append(f"{endpoint}\t{method}\t{who}\t{side}\t{status}")
                access = EXPECTED.get(endpoint, {}).get(method)
                if access is None:
                    problems.append(f"{method} {rule.rule}: not classified (got {status})")
                    continue
                allowed = _expected(access, role, side)
                if status not in allowed:
                    problems.append(
                        f"{method} {path} as {who} ({side}): {status}, expected {sorted(allowed)}"
                    )
                if role is None and not access.public and status == 302:
                    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_access(app, db, endpoint):
    """Every role (and anonymous) on ``endpoint``, inside and outside the area."""
    world = _world(db)
    problems: list[str] = []
    observed: list[str] = []
    for role in ORDER:
        client = app.test_client()
        if role is not None:
            response = AuthActions(client).login(world["actors"][role].username)
            assert response.status_code == 302, f"{role} could not log in"
            token = csrf_from(client.get("/account").text)
        else:
            token = csrf_from(client.get("/login").text)
        _check_role(app, client, world, endpoint, role, token, problems, observed)
    _dump(observed)
    assert problems == []
