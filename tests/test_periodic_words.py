"""The words of the periodic report: the generated summary paragraph (numbers 12.345 and
8,2%, the period before named as a Vietnamese writer would, no "0 hộ" where "chưa có hộ nào"
is meant), the changes, the issuing body and the date line of an administrative document."""

from __future__ import annotations

import re
from datetime import date

import pytest

from cdt_app.reports.periodic import Change, PeriodicReport, VillageLine
from cdt_app.reports.periodic_text import (
    change_text,
    date_line,
    issuing_body,
    official_date,
    signed_percent,
    signed_points,
    summary,
)
from cdt_app.reports.report_periods import ReportPeriod
from cdt_app.reports.rows import Figures, PlaceRow, SkillFigures, SkillInfo

SKILLS = [
    SkillInfo(1, "vneid", "Định danh điện tử VNeID mức 2", "VNeID level 2", True),
    SkillInfo(2, "dvc", "Dịch vụ công trực tuyến", "Online public services", True),
]


def _figures(
    reached: int,
    target: int = 100_000,
    visits: int = 0,
    people: int = 0,
    volunteers: int = 0,
    skills=(0, 0),
) -> Figures:
    return Figures(
        target_households=target,
        registered_households=target,
        reached_households=reached,
        visits=visits,
        people_taught=people,
        active_volunteers=volunteers,
        skills={s.code: SkillFigures(n, 0) for s, n in zip(SKILLS, skills, strict=True)},
    )


def _place(kind: str = "tinh", name: str = "Tỉnh Lâm Đồng") -> PlaceRow:
    level = {"tinh": "province", "xa": "commune", "phuong": "commune", "dac_khu": "commune"}[kind]
    return PlaceRow(1, "68", name, kind, level, "/1/", "", True, False)


def _line(n: int) -> VillageLine:
    return VillageLine(n, "", f"Thôn {n}", "Xã A", 1, 10, 0.1, 1)


def _report(
    period,
    current,
    before,
    year_ago,
    place=None,
    behind=0,
    idle=0,
    villages=10,
    today=date(2026, 12, 5),
) -> PeriodicReport:
    return PeriodicReport(
        place=place or _place(),
        period=period,
        approved_only=False,
        today=today,
        current=current,
        before=before,
        year_ago=year_ago,
        skills=SKILLS,
        villages=villages,
        behind_threshold=0.05,
        behind=[_line(n) for n in range(behind)],
        no_visit=[_line(n) for n in range(idle)],
    )


@pytest.fixture
def vi(app):
    with app.test_request_context():
        yield


def test_the_example_of_the_issue(vi):
    report = _report(
        ReportPeriod("month", 2026, 11),
        _figures(12_345, visits=23_456, people=34_567, volunteers=1_234, skills=(5_678, 12)),
        _figures(11_408),
        _figures(6_000),
        behind=3,
        idle=2,
    )
    assert summary(report) == (
        "Trong tháng 11/2026, toàn tỉnh đã hướng dẫn 12.345 hộ (+8,2% so với tháng 10; "
        "+105,8% so với cùng kỳ năm 2025), đạt 12,3% số hộ theo kế hoạch. "
        "Các tổ đã thực hiện 23.456 lượt hướng dẫn cho 34.567 người, với sự tham gia của "
        "1.234 tình nguyện viên. "
        "Nội dung được hướng dẫn nhiều nhất là “Định danh điện tử VNeID mức 2” (5.678 hộ). "
        "Có 3 thôn, khu phố chậm tiến độ và 2 thôn, khu phố chưa có lượt hướng dẫn nào trong kỳ."
    )


def test_january_is_compared_with_december_of_the_year_before(vi):
    report = _report(ReportPeriod("month", 2026, 1), _figures(90), _figures(100), _figures(90))
    text = summary(report)
    assert text.startswith(
        "Trong tháng 1/2026, toàn tỉnh đã hướng dẫn 90 hộ (−10,0% so với "
        "tháng 12/2025; bằng cùng kỳ năm 2025)"
    )
    assert "Mọi thôn, khu phố đều có lượt hướng dẫn trong kỳ" in text


def test_a_first_quarter_and_a_year(vi):
    quarter = _report(
        ReportPeriod("quarter", 2026, 1),
        _figures(10),
        _figures(5),
        _figures(0),
        place=_place("xa", "Xã An Bình"),
    )
    assert summary(quarter).startswith(
        "Trong quý I/2026, toàn xã đã hướng dẫn 10 hộ (+100,0% so với quý IV/2025; "
        "cùng kỳ năm 2025 chưa có hộ nào)"
    )
    year = _report(
        ReportPeriod("year", 2025),
        _figures(10),
        _figures(0),
        _figures(0),
        place=_place("dac_khu", "Đặc khu Phú Quý"),
    )
    assert summary(year).startswith(
        "Trong năm 2025, toàn đặc khu đã hướng dẫn 10 hộ (năm 2024 và cùng kỳ năm 2024 chưa có "
        "hộ nào)"
    )


def test_nothing_reached_says_so_in_words(vi):
    report = _report(
        ReportPeriod("month", 2026, 3), _figures(0), _figures(1_200), _figures(0), idle=10
    )
    text = summary(report)
    assert text.startswith(
        "Trong tháng 3/2026, toàn tỉnh chưa hướng dẫn được hộ nào (tháng 2: 1.200 hộ)."
    )
    assert not re.search(r"(?<![\d.])0 (hộ|lượt|người)", text) and "Nội dung" not in text
    assert text.endswith(
        "Có 10 thôn, khu phố chưa có lượt hướng dẫn nào trong kỳ; không có "
        "thôn, khu phố nào chậm tiến độ."
    )


def test_nothing_before_and_nothing_now(vi):
    report = _report(ReportPeriod("year", 2024), _figures(0), _figures(0), _figures(0), idle=4)
    text = summary(report)
    assert text.startswith("Trong năm 2024, toàn tỉnh chưa hướng dẫn được hộ nào. Có 4 thôn")
    assert not re.search(r"(?<![\d.])0 (hộ|lượt|người)", text)


def test_a_period_not_over_says_up_to_when(vi):
    report = _report(
        ReportPeriod("month", 2026, 12),
        _figures(5),
        _figures(5),
        _figures(5),
        today=date(2026, 12, 1),
    )
    assert summary(report).startswith(
        "Trong tháng 12/2026 (tính đến ngày 01/12/2026), toàn tỉnh đã hướng dẫn 5 hộ "
        "(bằng tháng 11; bằng cùng kỳ năm 2025)"
    )


def test_changes_and_numbers_in_vietnamese(vi):
    assert signed_percent(0.08234) == "+8,2%"
    assert signed_percent(-0.5) == "−50,0%"
    assert signed_percent(0.0) == "0,0%"
    assert signed_percent(-0.0001) == "0,0%"  # no "−0,0%"
    assert signed_percent(None) == "–"
    assert signed_points(0.012345) == "+1,2 điểm %"
    assert signed_points(12.345) == "+1.234,5 điểm %"
    assert signed_points(-0.0004) == "0,0 điểm %"
    assert change_text("visits", Change(12_345, 11_408)) == "+937 (+8,2%)"
    assert change_text("visits", Change(0, 1_500)) == "−1.500 (−100,0%)"
    assert change_text("visits", Change(7, 0)) == "+7"
    assert change_text("coverage", Change(0.5, 0.25)) == "+25,0 điểm %"


def test_the_issuing_body_and_the_date_line(vi):
    commune = _place("xa", "Xã An Bình")
    assert issuing_body(commune) == "UBND XÃ AN BÌNH"
    assert issuing_body(_place("tinh", "Lâm Đồng")) == "UBND TỈNH LÂM ĐỒNG"
    assert issuing_body(_place("phuong", "Phường Đà Lạt")) == "UBND PHƯỜNG ĐÀ LẠT"
    # Nghị định 30/2020: a zero before days under 10 and before the months 1 and 2
    assert official_date(date(2026, 1, 5)) == "ngày 05 tháng 01 năm 2026"
    assert official_date(date(2026, 2, 28)) == "ngày 28 tháng 02 năm 2026"
    assert official_date(date(2026, 3, 9)) == "ngày 09 tháng 3 năm 2026"
    assert official_date(date(2026, 12, 1)) == "ngày 01 tháng 12 năm 2026"
    assert date_line(commune, date(2026, 12, 1)) == "An Bình, ngày 01 tháng 12 năm 2026"


def test_english_counts_agree_with_their_noun(app):
    from cdt_app.i18n import LANGUAGE_COOKIE

    with app.test_request_context(headers={"Cookie": f"{LANGUAGE_COOKIE}=en"}):
        one = _report(
            ReportPeriod("month", 2026, 11),
            _figures(1, visits=1, people=1, volunteers=1, skills=(1, 0)),
            _figures(2),
            _figures(1),
            behind=1,
        )
        many = _report(
            ReportPeriod("month", 2026, 11),
            _figures(2, visits=3, people=4, volunteers=2, skills=(2, 0)),
            _figures(2),
            _figures(1),
            behind=2,
            idle=3,
        )
        one_text, many_text = summary(one), summary(many)
    assert one_text.startswith("In month 11/2026, the whole tỉnh reached 1 household (")
    assert "1 visit for 1 person, with 1 volunteer taking part" in one_text
    assert "1 village or neighbourhood fell behind" in one_text
    assert "3 visits for 4 people, with 2 volunteers taking part" in many_text
    assert "2 villages or neighbourhoods fell behind and 3 villages or neighbourhoods" in many_text
