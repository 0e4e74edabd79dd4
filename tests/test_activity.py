"""The activity overview: scope, figures (per day, per volunteer, per village, inactive,
stalled), the server-side SVG chart, and a constant number of queries per request."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cdt_app.activity.chart import bar_chart, nice_ceiling
from cdt_app.activity.queries import activity_overview
from cdt_app.i18n import today_local
from cdt_app.models import Visit, utcnow
from tests.factories import make_household, make_user, make_visit


@pytest.fixture
def world(db, make_world):
    today = today_local()

    def days_ago(n: int) -> dict:
        return {"visited_on": today - timedelta(days=n)}

    world = make_world(
        people={
            "doan": ("coordinator", "commune_a", "doan"),
            "totruong": ("team_lead", "village_a1", "totruong"),
            "hoa": ("volunteer", "village_a1", "hoa", {"name": "Lê Thị Hoa"}),
            "lan": ("volunteer", "village_a1", "lan", {"name": "Võ Thị Lan"}),
            "nam": ("volunteer", "village_a2", "nam", {"name": "Đỗ Văn Nam"}),
            "b": ("volunteer", "village_b1", "bvol", {"name": "Hà Văn Bê"}),
            "canbo": ("staff", "province", "canbo"),
            "admin": ("admin", "province", "quantri"),
            "gone": ("volunteer", "village_a1", "gone", {"name": "Đã Nghỉ"}),
        },
        households={
            "h1": ("village_a1", None, "Hộ Một"),
            "h2": ("village_a1", None, "Hộ Hai"),
            "h3": ("village_a2", None, "Hộ Ba"),
            "hb": ("village_b1", None, "Hộ Bê"),
        },
        # Hoa: 3 visits to 2 households, today and 2 days ago; Lan: one visit 20 days ago;
        # Nam: one visit 40 days ago (outside the window); B: one today (another commune)
        visits={
            "hoa_today": ("h1", "hoa", days_ago(0)),
            "hoa_approved": ("h1", "hoa", {**days_ago(0), "status": "approved"}),
            "hoa_earlier": ("h2", "hoa", days_ago(2)),
            "lan_20_days": ("h2", "lan", days_ago(20)),
            "nam_40_days": ("h3", "nam", days_ago(40)),
            "b_today": ("hb", "b", days_ago(0)),
            "deleted": ("h3", "nam", days_ago(0)),
        },
    )
    world["gone"].active = False
    world["deleted"].deleted_at = utcnow()
    db.add_all([world["gone"], world["deleted"]])
    db.commit()
    return world


def test_overview_figures(app, db, world):
    tree, today = world["tree"], world["today"]
    with app.test_request_context():
        data = activity_overview(db, tree["commune_a"], today)
    assert len(data.days) == 30 and data.days[-1] == (today, 2)
    assert dict(data.days)[today - timedelta(days=2)] == 1
    assert dict(data.days)[today - timedelta(days=20)] == 1
    assert data.window_visits == 4  # not the deleted one, not B's, not Nam's of 40 days ago

    by_name = {row["name"]: row for row in data.volunteers.rows}
    assert set(by_name) == {
        "Lê Thị Hoa",
        "Võ Thị Lan",
        "Đỗ Văn Nam",
        world["people"]["totruong"].display_name,
    }  # active members of commune A only
    assert (by_name["Lê Thị Hoa"]["visits"], by_name["Lê Thị Hoa"]["households"]) == (3, 2)
    assert by_name["Lê Thị Hoa"]["last_on"] == today
    assert (by_name["Đỗ Văn Nam"]["visits"], by_name["Đỗ Văn Nam"]["last_on"]) == (
        0,
        today - timedelta(days=40),
    )
    assert data.volunteers.rows[0]["name"] == "Lê Thị Hoa"  # most visits first

    inactive = [row["name"] for row in data.inactive.rows]
    # never active first, then the longest silent
    assert inactive == [world["people"]["totruong"].display_name, "Đỗ Văn Nam", "Võ Thị Lan"]
    assert data.inactive.total == 3

    villages = {row["name"]: row for row in data.villages.rows}
    assert (villages["Thôn Một"]["visits"], villages["Thôn Một"]["households"]) == (4, 2)
    assert villages["Thôn Hai"]["visits"] == 0
    assert villages["Thôn Một"]["parent_name"] == "Xã An Bình"
    assert [row["name"] for row in data.stale_villages.rows] == ["Thôn Hai"]
    assert data.stale_villages.rows[0]["last_on"] == today - timedelta(days=40)


def test_village_level_overview(app, db, world):
    with app.test_request_context():
        data = activity_overview(db, world["tree"]["village_a2"], world["today"])
    assert data.window_visits == 0
    assert [row["name"] for row in data.volunteers.rows] == ["Đỗ Văn Nam"]
    assert [row["name"] for row in data.stale_villages.rows] == ["Thôn Hai"]


@pytest.mark.parametrize(
    ("who", "code"),
    [("hoa", 403), ("totruong", 200), ("doan", 200), ("canbo", 200), ("admin", 200)],
)
def test_who_sees_the_activity_page(client, auth, world, who, code):
    auth.login(world["people"][who].username)
    assert client.get("/activity/").status_code == code


def test_page_is_scoped_and_filterable_by_place(client, auth, world):
    tree = world["tree"]
    auth.login("doan")
    page = client.get("/activity/")
    assert page.status_code == 200
    text = page.text
    assert "Lê Thị Hoa" in text and "Hà Văn Bê" not in text and "Khu phố Ba" not in text
    assert "Đã Nghỉ" not in text  # deactivated accounts are not listed
    only_a2 = client.get(f"/activity/?place={tree['village_a2'].id}").text
    assert "Đỗ Văn Nam" in only_a2 and "Lê Thị Hoa" not in only_a2
    assert client.get(f"/activity/?place={tree['village_b1'].id}").status_code == 404
    assert client.get("/activity/?place=abc").status_code == 200
    auth.logout()
    auth.login("totruong")  # a team lead sees their village only
    text = client.get("/activity/").text
    assert "Lê Thị Hoa" in text and "Đỗ Văn Nam" not in text
    assert client.get(f"/activity/?place={tree['village_a2'].id}").status_code == 404


def test_chart_is_inline_svg_without_style_attributes(client, auth, world):
    auth.login("doan")
    text = client.get("/activity/").text
    svg = text[text.index("<svg") : text.index("</svg>")]
    assert len(re.findall(r'<rect class="chart-bar"', svg)) == 30
    assert "style=" not in text and not re.search(r"<script(?![^>]*\bsrc=)", text)
    today = world["today"].strftime("%d/%m/%Y")
    assert f"Ngày {today}: 2 lượt" in svg


def test_chart_geometry():
    today = today_local()
    days = [(today - timedelta(days=29 - n), n % 7) for n in range(30)]
    chart = bar_chart(days)
    assert chart.top_value == 10
    tallest = max(chart.bars, key=lambda bar: bar.value)
    assert tallest.value == 6
    assert all(bar.y + bar.height == pytest.approx(chart.baseline) for bar in chart.bars)
    assert all(bar.x >= chart.left and bar.x + bar.width <= chart.right for bar in chart.bars)
    empty = bar_chart([(today, 0)])
    assert empty.bars[0].height == 0
    assert [nice_ceiling(n) for n in (0, 1, 3, 7, 11, 99, 101)] == [2, 2, 5, 10, 20, 100, 200]


def _add_rows(db, world, n: int) -> None:
    """``n`` more members, villages and visits under commune A."""
    from tests.factories import make_place

    tree, today = world["tree"], world["today"]
    for i in range(n):
        village = make_place(db, f"Thôn Thêm {i}", "thon", tree["commune_a"])
        member = make_user(db, "volunteer", village, username=f"them{i}")
        household = make_household(db, village, head_name=f"Hộ Thêm {i}")
        for day in range(3):
            make_visit(db, household, member, visited_on=today - timedelta(days=day * 9 + i % 5))


def test_activity_page_makes_a_constant_number_of_queries(client, auth, db, world, count_queries):
    auth.login("doan")
    client.get("/activity/")  # warm up (first connection, caches)
    with count_queries() as small:
        assert client.get("/activity/").status_code == 200
    _add_rows(db, world, 25)
    with count_queries() as large:
        page = client.get("/activity/")
    assert page.status_code == 200 and "Thôn Thêm 24" in page.text
    with count_queries() as filtered:
        assert client.get(f"/activity/?place={world['tree']['commune_a'].id}").status_code == 200
    assert len(small) == len(large), (small, large)
    assert len(filtered) <= len(large) + 1
    assert len(large) <= 10
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Visit)) > 75
