"""The coverage page on a phone, server side: one closed line per place with its figures
inside, the period and the exports first, a sort by coverage, the last visit and the skills
following the period and the approved-only switch, and targets labelled for what they are."""

from __future__ import annotations

import re
from datetime import date, timedelta

from cdt_app.i18n import today_local
from cdt_app.reports.periods import Period, preset_period
from cdt_app.reports.queries import coverage_report
from tests.test_reports import reports_world, rows_of


def _day(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _last_visit_world(make_world):
    """Commune A: village A1 with an approved visit 60 days ago, a submitted one 10 days ago
    and an approved one 20 days ago; village A2 with a submitted visit 5 days ago."""
    today = today_local()
    days = {n: today - timedelta(days=n) for n in (60, 20, 10, 5)}
    world = make_world(
        people={
            "canbo": ("staff", "province", "canbo"),
            "tn": ("volunteer", "village_a1", "tn"),
            "tn2": ("volunteer", "village_a2", "tn2"),
        },
        households={
            "h1": ("village_a1", "tn", "Hộ Một"),
            "h2": ("village_a1", "tn", "Hộ Hai"),
            "h3": ("village_a2", "tn2", "Hộ Ba"),
        },
        visits={
            "old": ("h1", "tn", days[60], {"vneid": True}, "approved"),
            "late": ("h1", "tn", days[10], {"dvc": True}, "submitted"),
            "mid": ("h2", "tn", days[20], {"vneid": False}, "approved"),
            "a2": ("h3", "tn2", days[5], {"dvc": False}, "submitted"),
        },
    )
    return world, today, days


def _skills_of(html: str) -> dict[str, dict[str, str]]:
    table = html.split('id="skills-total"', 1)[1].split("</table>", 1)[0]
    return {
        code: dict(re.findall(r'data-figure="(\w+)">([^<]*)<', body))
        for code, body in re.findall(r'<tr id="skill-(\w+)">(.*?)</tr>', table, re.S)
    }


def test_last_visit_and_skills_follow_the_period_and_the_approved_switch(
    client, auth, db, make_world
):
    world, today, days = _last_visit_world(make_world)
    auth.login("canbo")
    a1, a2 = str(world["village_a1"].id), str(world["village_a2"].id)
    commune = world["commune_a"].id
    recent = f"place={commune}&from={days[20] - timedelta(days=10)}&to={today}"
    earlier = f"place={commune}&from={today - timedelta(days=90)}&to={today - timedelta(days=40)}"
    cases = {
        # query: (A1's last visit, A2's last visit)
        recent: (_day(days[10]), _day(days[5])),
        recent + "&approved_only=1": (_day(days[20]), "chưa có"),
        earlier: (_day(days[60]), "chưa có"),
        earlier + "&approved_only=1": (_day(days[60]), "chưa có"),
        f"place={commune}": (_day(days[10]), _day(days[5])),
        f"place={commune}&approved_only=1": (_day(days[20]), "chưa có"),
    }
    for query, (want_a1, want_a2) in cases.items():
        rows = rows_of(client.get(f"/reports/coverage?{query}").text)
        assert rows[a1]["last_visit_on"].startswith(want_a1), query
        assert rows[a2]["last_visit_on"].startswith(want_a2), query
    # the village's own page says the same
    village = client.get(f"/reports/coverage?place={a1}&approved_only=1").text
    assert f"Lượt gần nhất: {_day(days[20])}" in village
    # per-skill figures of the place follow both too
    skills = _skills_of(client.get(f"/reports/coverage?{recent}").text)
    assert (skills["vneid"]["reached"], skills["vneid"]["completed"]) == ("1", "0")
    assert (skills["dvc"]["reached"], skills["dvc"]["completed"]) == ("2", "1")
    approved = _skills_of(client.get(f"/reports/coverage?{recent}&approved_only=1").text)
    assert (approved["vneid"]["reached"], approved["dvc"]["reached"]) == ("1", "0")
    before = _skills_of(client.get(f"/reports/coverage?{earlier}").text)
    assert (before["vneid"]["reached"], before["vneid"]["completed"]) == ("1", "1")
    assert before["dvc"]["reached"] == "0"


def test_last_visit_is_the_same_from_every_source(db, make_world):
    world, today, days = _last_visit_world(make_world)
    village = world["village_a1"]
    month_start = days[60].replace(day=1)
    raw_start = days[60] + timedelta(days=1 if days[60].day != 31 else 2)  # never the 1st
    for approved, want, want_total in ((False, days[10], days[5]), (True, days[20], days[20])):
        periods = {
            "aggregates": preset_period("all", today, approved),
            "months": Period(month_start, today, approved, "custom"),
            "periods": Period(raw_start, today, approved, "custom"),
        }
        periods["raw"] = periods["periods"]
        for source, period in periods.items():
            forced = "raw" if source == "raw" else "auto"  # the reference is never chosen
            report = coverage_report(db, world["commune_a"], period, source=forced, today=today)
            assert report.source == source
            row = next(r for r in report.rows if r.id == village.id)
            assert row.figures.last_visit_on == want, (source, approved)
            assert report.totals.last_visit_on == want_total, (source, approved)


def test_each_place_is_one_closed_line_with_its_figures_inside(client, auth, make_world):
    world = reports_world(make_world)
    auth.login("canbo")
    html = client.get("/reports/coverage").text
    places = html.split('id="coverage-places"', 1)[1].split("</ol>", 1)[0]
    rows = re.findall(r"<details id=\"row-(\d+)\"([^>]*)>\s*<summary>(.*?)</summary>", places, re.S)
    assert sorted(int(r[0]) for r in rows) == sorted(c.id for c in world.communes)
    for _id, attributes, summary in rows:
        assert " open" not in attributes  # closed until tapped
        text = re.sub(r"<[^>]+>", " ", summary)
        assert "%" in text and ('class="cov-chart"' in summary)
    # the period choice and the exports come before the figures
    assert html.index('class="chips"') < html.index('id="row-total"')
    assert html.index("/reports/coverage.xlsx") < html.index('id="row-total"')
    # one compact table of skills for the place, none per place
    assert html.count('id="skills-total"') == 1 and 'id="skills-table"' not in html
    opened = client.get("/reports/coverage?open=1").text  # "Mở tất cả", for printing
    assert len(re.findall(r'<details id="row-\d+"[^>]* open>', opened)) == 2


def test_sort_by_coverage_lowest_first(client, auth, make_world):
    world = reports_world(make_world)
    auth.login("canbo")
    html = client.get("/reports/coverage").text
    assert "Bao phủ thấp nhất trước" in html and "sort=coverage&amp;dir=asc" in html
    lowest = client.get("/reports/coverage?sort=coverage&dir=asc").text
    ids = re.findall(r'<details id="row-(\d+)"', lowest)
    # commune B covers 1,2% and commune A 2,0%
    assert ids == [str(world["commune_b"].id), str(world["commune_a"].id)]
    assert re.search(r'aria-current="true">Bao phủ thấp nhất trước<', lowest)


def test_targets_say_whether_they_are_official_or_include_the_fallback(client, auth, make_world):
    world = reports_world(make_world)  # village B2 has no target and 1 registered household
    auth.login("canbo")
    places = client.get(f"/places/{world.province.id}").text
    assert "chỉ tiêu chính thức 150" in places  # commune A: 100 + 50, both official
    assert "chỉ tiêu chính thức 80" in places and "1 thôn, khu phố chưa có chỉ tiêu" in places
    village = client.get(f"/places/{world['village_b2'].id}").text
    assert "Chỉ tiêu chính thức (số hộ)" in village
    report = client.get("/reports/coverage").text
    note = report.split('id="target-note"', 1)[1].split("</p>", 1)[0]
    assert (
        "Số hộ theo kế hoạch 231 = chỉ tiêu chính thức 230 + 1 hộ đã đăng ký ở 1 thôn, khu phố "
        "chưa có chỉ tiêu" in note
    )
    assert rows_of(report)[str(world["commune_b"].id)]["target_households"] == "81*"
