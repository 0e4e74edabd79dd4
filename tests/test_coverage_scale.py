"""The province-scale loader (`flask --app wsgi cdt demo --scale province`), run small: the
real province and its 124 communes, the requested sizes, the demo accounts, and aggregates
equal to the raw rows after a bulk load (executemany on SQLite, COPY on PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import func, select

from cdt_app.demo import ScaleSizes
from cdt_app.models import Household, Place, User, Visit, VisitSkill
from cdt_app.reports.periods import preset_period
from cdt_app.reports.queries import coverage_report

SMALL = {
    "CDT_SCALE_VILLAGES": "130",
    "CDT_SCALE_HOUSEHOLDS": "700",
    "CDT_SCALE_VISITS": "2000",
    "CDT_SCALE_VOLUNTEERS": "300",
}


def test_sizes_come_from_the_environment():
    assert ScaleSizes.from_environment({}) == ScaleSizes(3000, 1_000_000, 3_000_000, 15_000)
    tenth = ScaleSizes.from_environment({"CDT_SCALE_FACTOR": "0.1", "CDT_SCALE_VISITS": "7"})
    assert (tenth.villages, tenth.households, tenth.visits, tenth.volunteers) == (
        300,
        100_000,
        7,
        1_500,
    )


def test_small_province_scale_load(app, db, runner, monkeypatch):
    for name, value in SMALL.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(args=["cdt", "demo", "--scale", "province"])
    assert result.exit_code == 0, result.output
    assert "Đã nạp dữ liệu quy mô tỉnh" in result.output
    count = lambda model, *where: db.scalar(  # noqa: E731
        select(func.count()).select_from(model).where(*where)
    )
    province = db.scalar(select(Place).where(Place.code == "68"))
    assert count(Place, Place.parent_id == province.id) == 124
    villages = count(Place, Place.level == "village")
    assert 124 <= villages <= 140
    assert 500 <= count(Household) <= 900
    assert 1200 <= count(Visit) <= 2800
    assert count(VisitSkill) >= count(Visit)
    assert count(User) >= 300
    usernames = set(db.scalars(select(User.username)))
    assert {"admin", "canbo", "doan", "totruong", "tinhnguyen", "tinhnguyen2"} <= usernames
    period = preset_period("all")
    raw = coverage_report(db, province, period, "villages", source="raw")
    kept = coverage_report(db, province, period, "villages", source="aggregates")
    assert raw.totals.as_api() == kept.totals.as_api()
    assert [r.figures.as_api() for r in raw.rows] == [r.figures.as_api() for r in kept.rows]
    assert 0 < raw.totals.coverage < 1.5
    # a second run changes nothing
    again = runner.invoke(args=["cdt", "demo", "--scale", "province"])
    assert again.exit_code == 0 and "đã có sẵn" in again.output
