"""Security headers on every response (ASVS 5.0 V3.4, V3.2, V4.1, V14.2): the test walks every
rule of app.url_map, whatever blueprints exist, as several roles, over HTTPS and HTTP, and
checks the headers and that no HTML page has an inline script, a style attribute or an event
handler attribute (the CSP would block them)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from cdt_app.models import Skill
from cdt_app.security import CSP
from tests.conftest import AuthActions

ROOT = Path(__file__).resolve().parent.parent
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.I)
STYLE_ATTR = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
HANDLER_ATTR = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)
INLINE_CODE = (
    ("inline <script>", INLINE_SCRIPT),
    ("style= attribute", STYLE_ATTR),
    ("on…= handler", HANDLER_ATTR),
    ("<style> element", STYLE_ELEMENT),
)


@pytest.fixture
def site(db, make_world):
    """A small world with one account of each role and a household with a visit."""
    world = make_world(
        people={
            "volunteer": ("volunteer", "village_a1", "tv"),
            "team_lead": ("team_lead", "village_a1", "tt"),
            "coordinator": ("coordinator", "commune_a", "dpv"),
            "staff": ("staff", "province", "cb"),
            "admin": ("admin", "province", "qt"),
        },
        households={"household": ("village_a1", "volunteer", {"phone": "0912345678"})},
        visits={"visit": ("household", "volunteer")},
    )
    skill_id = db.scalar(select(Skill.id).order_by(Skill.id))
    return {
        "tree": world.tree,
        "users": world.people,
        "household": world["household"],
        "visit": world["visit"],
        "skill": skill_id,
    }


def url_values(rule, site) -> dict:
    """Real ids for the rule's arguments, so that pages render with data."""
    known = {
        "place_id": site["tree"]["village_a1"].id,
        "parent_id": site["tree"]["commune_a"].id,
        "household_id": site["household"].id,
        "visit_id": site["visit"].id,
        "user_id": site["users"]["volunteer"].id,
        "skill_id": site["skill"],
        "code": "vi",
        "object_type": "household",
        "object_id": str(site["household"].id),
        "filename": "css/app.css",
    }
    values = {}
    for name, converter in rule._converters.items():
        if name in known:
            values[name] = known[name]
        elif type(converter).__name__ == "IntegerConverter":
            values[name] = 1
        elif type(converter).__name__ == "UUIDConverter":
            values[name] = uuid.uuid4()
        else:
            values[name] = "x"
    return values


def walk(app, client, site, base_url):
    """(rule, method, response) for every rule and method of the URL map."""
    adapter = app.url_map.bind("localhost")
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        path = adapter.build(rule.endpoint, url_values(rule, site), force_external=False)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, base_url=base_url)
            yield rule, method, response


def check_headers(response, https: bool) -> list[str]:
    problems = []
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    for directive in (
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "script-src 'self'",
        "style-src 'self'",
    ):
        if directive not in csp:
            problems.append(f"CSP lacks {directive}")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append("CSP allows inline code")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no nosniff")
    if headers.get("Referrer-Policy") not in (
        "same-origin",
        "strict-origin-when-cross-origin",
        "no-referrer",
    ):
        problems.append("Referrer-Policy")
    if "geolocation=(self)" not in headers.get("Permissions-Policy", ""):
        problems.append("Permissions-Policy")
    hsts = headers.get("Strict-Transport-Security", "")
    if https and ("max-age=31536000" not in hsts or "includeSubDomains" not in hsts):
        problems.append("HSTS missing over HTTPS")
    if not https and hsts:
        problems.append("HSTS over plain HTTP")
    if "Access-Control-Allow-Origin" in headers:
        problems.append("CORS header present")
    if response.status_code >= 500:
        problems.append(f"status {response.status_code}")
    if (
        response.data
        and "charset" not in headers.get("Content-Type", "")
        and (response.mimetype.startswith("text/") or response.mimetype.endswith("json"))
    ):
        problems.append(f"no charset in {headers.get('Content-Type')}")
    return problems


def check_html(response) -> list[str]:
    if response.mimetype != "text/html":
        return []
    html = response.get_data(as_text=True)
    problems = []
    for name, pattern in INLINE_CODE:
        match = pattern.search(html)
        if match:
            problems.append(f"{name}: {match.group(0)[:80]}")
    title = re.search(r"<title>(.*?)</title>", html, re.S | re.I)
    if title and "<" in title.group(1):
        problems.append(f"markup inside <title>: {title.group(1)[:80]}")
    return problems


@pytest.mark.parametrize("role", [None, "volunteer", "team_lead", "coordinator", "staff", "admin"])
def test_every_route_sends_the_security_headers(app, client, site, role):
    if role:
        assert AuthActions(client).login(site["users"][role].username).status_code == 302
    failures = []
    seen = 0
    for rule, method, response in walk(app, client, site, "https://localhost"):
        seen += 1
        for problem in check_headers(response, https=True) + check_html(response):
            failures.append(f"{method} {rule.rule} ({response.status_code}): {problem}")
    assert seen >= len(list(app.url_map.iter_rules()))
    assert failures == []


def test_plain_http_gets_no_hsts_but_everything_else(app, client, site):
    AuthActions(client).login("qt")
    failures = []
    for rule, method, response in walk(app, client, site, "http://localhost"):
        for problem in check_headers(response, https=False):
            failures.append(f"{method} {rule.rule}: {problem}")
    assert failures == []


def test_error_pages_have_the_headers_too(client):
    for response in (client.get("/khong-co"), client.post("/login"), client.put("/login")):
        assert response.status_code in (400, 404, 405)
        assert check_headers(response, https=False) == []
        assert check_html(response) == []


def test_pages_and_api_answers_are_not_cached_but_static_files_may_be(app, client, site):
    AuthActions(client).login("tt")
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get(f"/households/{site['household'].id}").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")


def test_csp_is_strict():
    assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP
    assert "object-src 'none'" in CSP and "base-uri 'none'" in CSP
    assert "frame-ancestors 'none'" in CSP


def test_no_template_has_inline_code():
    """Templates never rendered by the walk are checked as source."""
    failures = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for name, pattern in INLINE_CODE:
            match = pattern.search(text)
            if match:
                failures.append(f"{template.relative_to(ROOT)}: {name}: {match.group(0)[:60]}")
    assert failures == []


def test_proxy_setting_trusts_forwarded_proto(app_with):
    proxied = app_with(CDT_TRUSTED_PROXIES=1)
    client = proxied.test_client()
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "max-age=31536000" in response.headers.get("Strict-Transport-Security", "")
    direct = app_with().test_client()
    spoofed = direct.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in spoofed.headers  # no proxy trusted by default
