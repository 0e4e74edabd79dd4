"""The periodic report (issue 16, point 2): its periods and their neighbours, its figures
against a computation from the visits themselves, its lists, its scope, and the page, the
XLSX export and the API showing the same numbers."""

from __future__ import annotations

import io
import random
import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from cdt_app.models import Household, Skill, Visit, VisitSkill, utcnow
from cdt_app.reports.periodic import periodic_report
from cdt_app.reports.report_periods import ReportPeriod, parse_report_period
from tests.factories import make_household, make_user, make_visit
from tests.test_api_openapi import check

# --- periods -------------------------------------------------------------------------------


def test_the_period_before_january_is_december_of_the_year_before():
    assert ReportPeriod("month", 2026, 1).previous() == ReportPeriod("month", 2025, 12)
    assert ReportPeriod("quarter", 2026, 1).previous() == ReportPeriod("quarter", 2025, 4)
    assert ReportPeriod("year", 2026).previous() == ReportPeriod("year", 2025)
    assert ReportPeriod("month", 2026, 1).year_before() == ReportPeriod("month", 2025, 1)
    assert ReportPeriod("quarter", 2026, 3).year_before() == ReportPeriod("quarter", 2025, 3)


@pytest.mark.parametrize("kind", ["month", "quarter", "year"])
def test_periods_tile_the_calendar(kind):
    """Every period of 2019–2031 starts the day after the one before ends, and has its days."""
    period = ReportPeriod(kind, 2019, 1)
    while period.year < 2031:
        following = period.shifted(1)
        assert following.start == period.end + timedelta(days=1)
        assert following.previous() == period
        assert period.days == (period.end - period.start).days + 1
        assert period.year_before().start.replace(year=period.year) == period.start
        period = following
    assert ReportPeriod("month", 2028, 2).end == date(2028, 2, 29)
    assert ReportPeriod("quarter", 2026, 4).end == date(2026, 12, 31)


def test_period_labels_are_vietnamese(app):
    with app.test_request_context():
        assert ReportPeriod("month", 2026, 11).label() == "Tháng 11/2026"
        assert ReportPeriod("quarter", 2026, 3).label() == "Quý III/2026"
        assert ReportPeriod("year", 2026).label() == "Năm 2026"
        october = ReportPeriod("month", 2026, 10)
        assert october.in_text(ReportPeriod("month", 2026, 11)) == "tháng 10"
        assert ReportPeriod("month", 2025, 12).in_text(ReportPeriod("month", 2026, 1)) == (
            "tháng 12/2025"
        )
        assert ReportPeriod("quarter", 2025, 4).in_text(ReportPeriod("quarter", 2026, 1)) == (
            "quý IV/2025"
        )


@pytest.mark.parametrize(
    "args, expected, error",
    [
        ({}, ReportPeriod("month", 2026, 2), None),
        ({"period": "quarter"}, ReportPeriod("quarter", 2025, 4), None),
        ({"period": "year"}, ReportPeriod("year", 2025), None),
        (
            {"period": "month", "year": "2025", "number": "12"},
            ReportPeriod("month", 2025, 12),
            None,
        ),
        # the form sends the month or the quarter under its own name
        (
            {"period": "quarter", "year": "2025", "quarter": "3", "month": "7"},
            ReportPeriod("quarter", 2025, 3),
            None,
        ),
        ({"period": "month", "year": "2026", "month": "3"}, ReportPeriod("month", 2026, 3), None),
        (
            {"period": "month", "year": "2026", "number": "4"},
            ReportPeriod("month", 2026, 2),
            "number",
        ),  # not begun
        (
            {"period": "month", "year": "2026", "number": "13"},
            ReportPeriod("month", 2026, 2),
            "number",
        ),
        (
            {"period": "quarter", "year": "2026", "number": "5"},
            ReportPeriod("quarter", 2025, 4),
            "number",
        ),
        ({"period": "week"}, ReportPeriod("month", 2026, 2), "period"),
        ({"period": "year", "year": "1999"}, ReportPeriod("year", 2025), "year"),
        ({"period": "year", "year": "2026-13-45x"}, ReportPeriod("year", 2025), "year"),
    ],
)
def test_the_period_is_read_from_the_query_string(app, args, expected, error):
    from werkzeug.datastructures import MultiDict

    with app.test_request_context():
        period, errors = parse_report_period(MultiDict(args), date(2026, 3, 15))
    assert period == expected
    assert list(errors) == ([error] if error else [])


# --- a world with visits over two years ------------------------------------------------------

TODAY = date(2026, 11, 20)
SKILLS = ("vneid", "dvc", "payment")


@pytest.fixture
def history(make_world, db):
    """Visits on random days from October 2024 to November 2026 in the four villages, by six
    volunteers, some approved, some deleted, one household deleted; a fixed seed."""
    world = make_world(
        people={
            "doan": ("coordinator", "commune_a", "doan"),
            "doan_b": ("coordinator", "commune_b", "doan_b"),
            "canbo": ("staff", "province", "canbo"),
            "totruong": ("team_lead", "village_a1", "totruong"),
        }
    )
    rng = random.Random(16)
    volunteers = [
        make_user(db, "volunteer", village, username=f"tnv{index}_{village.id}")
        for village in world.villages
        for index in range(2)
    ][:6]
    households = [
        make_household(db, village, None, head_name=f"Hộ {village.id}-{n}")
        for village in world.villages[:3]  # the fourth village never gets a visit
        for n in range(6)
    ]
    start = date(2024, 10, 1)
    span = (TODAY - start).days
    for _ in range(90):
        household = rng.choice(households)
        day = start + timedelta(days=rng.randrange(span + 1))
        codes = rng.sample(SKILLS, rng.randint(1, 3))
        make_visit(
            db,
            household,
            rng.choice(volunteers),
            day,
            skills={code: rng.random() < 0.5 for code in codes},
            status=rng.choice(("submitted", "approved", "approved", "returned")),
            people_taught=rng.randint(1, 4),
        )
    visits = db.scalars(select(Visit)).all()
    for visit in rng.sample(visits, 6):
        visit.deleted_at = utcnow()
    households[0].deleted_at = utcnow()
    db.commit()
    return world


def raw_figures(db, place, start: date, end: date, approved_only: bool = False) -> dict:
    """DESIGN section 7 computed from the rows, in Python."""
    villages = {p.id for p in _villages_under(db, place)}
    deleted = {h.id for h in db.scalars(select(Household)) if h.deleted_at is not None}
    counted = [
        v
        for v in db.scalars(select(Visit))
        if v.deleted_at is None
        and v.village_id in villages
        and v.household_id not in deleted
        and start <= v.visited_on <= end
        and (v.status == "approved" or not approved_only)
    ]
    codes = {s.id: s.code for s in db.scalars(select(Skill))}
    skills: dict[str, dict[str, set]] = {
        c: {"reached": set(), "completed": set()} for c in codes.values()
    }
    ids = {v.id for v in counted}
    by_visit = {v.id: v for v in counted}
    for row in db.scalars(select(VisitSkill)):
        if row.visit_id in ids:
            household = by_visit[row.visit_id].household_id
            skills[codes[row.skill_id]]["reached"].add(household)
            if row.completed:
                skills[codes[row.skill_id]]["completed"].add(household)
    per_volunteer: dict[int, set] = {}
    for v in counted:
        per_volunteer.setdefault(v.volunteer_id, set()).add(v.household_id)
    return {
        "reached_households": len({v.household_id for v in counted}),
        "visits": len(counted),
        "people_taught": sum(v.people_taught for v in counted),
        "active_volunteers": len({v.volunteer_id for v in counted}),
        "skills": {c: (len(s["reached"]), len(s["completed"])) for c, s in skills.items()},
        "per_village": {
            vid: len({v.household_id for v in counted if v.village_id == vid}) for vid in villages
        },
        "visits_per_village": {
            vid: sum(1 for v in counted if v.village_id == vid) for vid in villages
        },
        "per_volunteer": {uid: len(h) for uid, h in per_volunteer.items()},
    }


def _villages_under(db, place):
    from cdt_app.models import Place

    return [
        p
        for p in db.scalars(select(Place).where(Place.level == "village"))
        if p.path.startswith(place.path)
    ]


def _assert_equal(figures, raw):
    assert figures.reached_households == raw["reached_households"]
    assert figures.visits == raw["visits"]
    assert figures.people_taught == raw["people_taught"]
    assert figures.active_volunteers == raw["active_volunteers"]
    for code, (reached, completed) in raw["skills"].items():
        assert (figures.skills[code].reached, figures.skills[code].completed) == (
            reached,
            completed,
        )


PERIODS = [
    ReportPeriod("month", 2026, 1),  # the month before is December 2025
    ReportPeriod("month", 2025, 12),
    ReportPeriod("month", 2026, 3),
    ReportPeriod("month", 2026, 11),  # not over on TODAY
    ReportPeriod("quarter", 2026, 1),  # the quarter before is Q4 2025
    ReportPeriod("quarter", 2025, 4),
    ReportPeriod("year", 2026),
    ReportPeriod("year", 2025),
]


@pytest.mark.parametrize("approved_only", [False, True])
def test_figures_equal_the_visits_for_the_period_the_one_before_and_a_year_before(
    app, db, history, approved_only
):
    for place in (history.province, history.tree["commune_a"]):
        for period in PERIODS:
            with app.test_request_context():
                report = periodic_report(db, place, period, approved_only, today=TODAY)
            for figures, neighbour in (
                (report.current, period),
                (report.before, period.previous()),
                (report.year_ago, period.year_before()),
            ):
                raw = raw_figures(db, place, neighbour.start, neighbour.end, approved_only)
                _assert_equal(figures, raw)
            raw = raw_figures(db, place, period.start, period.end, approved_only)
            change = report.change("reached_households", "previous")
            assert change.absolute == raw["reached_households"] - report.before.reached_households
            if report.before.reached_households:
                assert change.relative == pytest.approx(
                    change.absolute / report.before.reached_households
                )
            else:
                assert change.relative is None
            # the rankings and lists, from the same visits
            expected = sorted(raw["per_volunteer"].values(), reverse=True)[:10]
            assert [line.households for line in report.top_volunteers] == expected
            assert report.volunteers == len(raw["per_volunteer"])
            idle = {vid for vid, n in raw["visits_per_village"].items() if n == 0}
            assert {line.id for line in report.no_visit} == idle
            teams = sorted((n for n in raw["per_village"].values() if n), reverse=True)[:10]
            assert [line.households for line in report.top_teams] == teams


def test_behind_means_below_half_of_the_areas_coverage(app, db, history):
    with app.test_request_context():
        for period in PERIODS:
            report = periodic_report(db, history.province, period, today=TODAY)
            threshold = report.current.coverage / 2
            assert report.behind_threshold == pytest.approx(threshold)
            lines = {line.id: line for line in report.behind}
            for village in history.villages:
                raw = raw_figures(db, village, period.start, period.end)
                target = village.target_households or sum(
                    1
                    for h in db.scalars(select(Household).where(Household.village_id == village.id))
                    if h.deleted_at is None
                )
                coverage = raw["reached_households"] / target if target else 0
                visited = raw["visits"] > 0
                assert (village.id in lines) == (visited and target and coverage < threshold)
            assert [line.coverage for line in report.behind] == sorted(
                line.coverage for line in report.behind
            )


# --- page, XLSX and API: one service ---------------------------------------------------------


class _Cells(HTMLParser):
    """{(row key, period): figure text} of the comparison tables, and the summary text."""

    def __init__(self):
        super().__init__()
        self.cells: dict[tuple[str, str], str] = {}
        self.row = None
        self.cell = None
        self.in_figure = False
        self.in_summary = False
        self.summary = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-row" in attrs:
            self.row = attrs["data-row"]
        if tag == "td" and self.row and "data-period" in attrs:
            self.cell = (self.row, attrs["data-period"])
            self.cells[self.cell] = ""
        if tag == "span" and attrs.get("class") == "figure":
            self.in_figure = True
        if tag == "p" and attrs.get("id") == "summary":
            self.in_summary = True

    def handle_endtag(self, tag):
        if tag == "span":
            self.in_figure = False
        if tag == "p":
            self.in_summary = False

    def handle_data(self, data):
        if self.in_figure and self.cell:
            self.cells[self.cell] += data
        if self.in_summary:
            self.summary += data


def _vi_number(value: float) -> str:
    return f"{int(value):,}".replace(",", ".")


def _vi_percent(ratio: float) -> str:
    return f"{ratio * 100:.1f}".replace(".", ",") + "%"


def test_page_xlsx_and_api_show_the_same_numbers(client, auth, db, history):
    auth.login("canbo")
    query = {"period": "quarter", "year": "2026", "number": "1"}
    api = client.get("/api/v1/reports/periodic", query_string=query)
    assert api.status_code == 200
    data = api.json
    doc = client.get("/api/v1/openapi.json").json
    schema = doc["paths"]["/api/v1/reports/periodic"]["get"]["responses"]["200"]
    check(data, schema["content"]["application/json"]["schema"], doc)
    assert data["period"]["label"] == "Quý I/2026"
    assert data["previous"]["label"] == "Quý IV/2025"
    assert data["year_before"]["label"] == "Quý I/2025"
    # the API's figures are the coverage API's for the same dates
    for which in ("current", "previous", "year_before"):
        period = data[which] if which != "current" else data["period"]
        coverage = client.get(
            "/api/v1/coverage", query_string={"from": period["from"], "to": period["to"]}
        ).json["totals"]
        assert data["figures"][which] == coverage

    page = client.get("/reports/periodic", query_string=query)
    assert page.status_code == 200
    parser = _Cells()
    parser.feed(page.text)
    assert parser.summary.strip() == data["summary"]
    keys = list(dict.fromkeys(key for key, _ in parser.cells))  # the page's order
    assert keys[:5] == [
        "reached_households",
        "coverage",
        "visits",
        "people_taught",
        "active_volunteers",
    ]
    assert {k[6:] for k in keys[5:]} == set(data["figures"]["current"]["skills"])
    for which in ("current", "previous", "year_before"):
        figures = data["figures"][which]
        for key in keys:
            if key.startswith("skill:"):
                expected = _vi_number(figures["skills"][key[6:]]["reached"])
            elif key == "coverage":
                expected = _vi_percent(figures["coverage"])
            else:
                expected = _vi_number(figures[key])
            assert parser.cells[(key, which)] == expected, (key, which)

    xlsx = client.get("/reports/periodic.xlsx", query_string=query)
    assert xlsx.status_code == 200
    assert (
        xlsx.headers["Content-Disposition"].endswith("2026-Q1-20261120.xlsx")
        or "2026-Q1" in (xlsx.headers["Content-Disposition"])
    )
    book = load_workbook(io.BytesIO(xlsx.data), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if len(row) > 1 and row[1] == "Quý I/2026")
    assert rows[header][2] == "Quý IV/2025" and rows[header][5] == "Quý I/2025"
    assert rows[3][0] == data["summary"]
    table = rows[header + 1 : header + 1 + len(keys)]
    for key, row in zip(keys, table, strict=True):
        current, before, year = (data["figures"][w] for w in ("current", "previous", "year_before"))
        pick = (
            (lambda f, k=key: f["skills"][k[6:]]["reached"])
            if key.startswith("skill:")
            else (lambda f, k=key: f[k])
        )
        assert row[1] == pytest.approx(pick(current))
        assert row[2] == pytest.approx(pick(before))
        assert row[3] == pytest.approx(data["changes"]["previous"][key]["absolute"])
        assert row[5] == pytest.approx(pick(year))
        assert row[6] == pytest.approx(data["changes"]["year_before"][key]["absolute"])
        if key != "coverage":
            relative = data["changes"]["previous"][key]["relative"]
            assert (row[4] in ("", None)) if relative is None else row[4] == pytest.approx(relative)
    lists = {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}
    assert [r[1] for r in lists["Chưa có lượt"][1:]] == [
        v["place"]["name"] for v in data["villages"]["no_visit"]
    ]
    assert [r[3] for r in lists["Chậm tiến độ"][1:]] == [
        v["reached_households"] for v in data["villages"]["behind"]
    ]
    ranking = lists["Xếp hạng"]
    assert [r[3] for r in ranking[2 : 2 + len(data["top_volunteers"])]] == [
        v["reached_households"] for v in data["top_volunteers"]
    ]
    skills = list(book.worksheets[1].iter_rows(values_only=True))[1:]
    current = data["figures"]["current"]["skills"]
    assert [(r[1], r[2]) for r in skills] == [
        (current[k[6:]]["reached"], current[k[6:]]["completed"]) for k in keys[5:]
    ]


def test_a_commune_cannot_open_another_communes_report(client, auth, history):
    auth.login("doan")
    own, other = history.tree["commune_a"], history.tree["commune_b"]
    for path in ("/reports/periodic", "/reports/periodic.xlsx", "/api/v1/reports/periodic"):
        assert client.get(path, query_string={"place": own.id}).status_code == 200, path
        assert client.get(path, query_string={"place": other.id}).status_code == 404, path
        assert client.get(path, query_string={"place": history.province.id}).status_code == 404
        # a village is not a place the report is made for
        village = history.tree["village_a1"].id
        assert client.get(path, query_string={"place": village}).status_code == 404, path
    page = client.get("/reports/periodic").text
    assert other.name not in page and "Phường Bình An" not in page
    auth.logout()
    auth.login("totruong")  # a team lead sees coverage, not the periodic report
    assert client.get("/reports/periodic").status_code == 403
    assert client.get("/api/v1/reports/periodic").status_code == 403


def test_the_province_report_lists_every_commune_and_is_linked(client, auth, history):
    auth.login("canbo")
    page = client.get("/reports/periodic").text
    for commune in history.communes:
        assert f'<option value="{commune.id}"' in page
    assert "/reports/periodic" in client.get("/reports/coverage").text
    assert "/reports/periodic" in client.get("/").text
    nav = re.search(r'<nav class="bottom-nav".*?</nav>', page, re.S).group(0)
    assert re.search(r'href="/reports/coverage"[^>]*aria-current="page"', nav)


def test_bad_values_show_vietnamese_messages_and_the_api_refuses_them(client, auth, history):
    auth.login("canbo")
    page = client.get("/reports/periodic", query_string={"period": "month", "number": "13"})
    assert page.status_code == 200
    assert "Vui lòng chọn tháng từ 1 đến 12." in page.text
    answer = client.get("/api/v1/reports/periodic", query_string={"period": "x"})
    assert answer.status_code == 400 and "tháng, quý hoặc năm" in answer.json["error"]
    assert client.get("/reports/periodic.xlsx", query_string={"year": "abc"}).status_code == 400


def test_the_page_has_the_administrative_header_and_signatures(client, auth, history):
    auth.login("doan")
    text = client.get(
        "/reports/periodic", query_string={"period": "month", "year": "2026", "number": "1"}
    ).text
    for words in (
        "UBND XÃ AN BÌNH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "NGƯỜI LẬP BIỂU",
        "THỦ TRƯỞNG ĐƠN VỊ",
        "Tháng 12/2025",  # the month before January
        "Tháng 1/2026",
        "Tháng 1/2025",
    ):
        assert words in text, words
    assert re.search(r"An Bình, ngày \d\d tháng (0[12]|[3-9]|1[012]) năm \d{4}", text)
    assert "style=" not in text and "<style" not in text
