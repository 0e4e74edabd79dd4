"""Coverage exports (CSV, XLSX), the raw visits export, their audit, and the proof that the
API, the page, the CSV and the XLSX carry the same numbers (the files are read back)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from openpyxl import load_workbook
from sqlalchemy import select

from cdt_app.i18n import fmt_number, fmt_percent
from cdt_app.models import AuditLog, Place
from cdt_app.reports.exports import safe_text
from tests.factories import make_household, make_place, make_user, make_visit
from tests.test_coverage import BASE, build, world_specs
from tests.test_reports import reports_world, rows_of

HEADERS = {
    "target_households": "Số hộ theo kế hoạch",
    "registered_households": "Số hộ đã đăng ký",
    "reached_households": "Số hộ đã được hướng dẫn",
    "coverage": "Độ bao phủ",
    "visits": "Lượt hướng dẫn",
    "people_taught": "Số người được hướng dẫn",
    "active_volunteers": "Tình nguyện viên hoạt động",
}
FORMULAS = ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)"]


@pytest.fixture
def world(make_world):
    return reports_world(make_world)


def read_csv(response) -> list[dict[str, str]]:
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def read_xlsx(response):
    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    return book, sheet, [dict(zip(header, row, strict=True)) for row in values[1:]]


def test_csv_of_children_has_bom_vietnamese_headers_and_a_total(client, auth, world):
    auth.login("canbo")
    response = client.get("/reports/coverage.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert [row["Tên"] for row in rows] == [
        "Phường Bình An",
        "Xã An Bình",
        "Tổng cộng: Tỉnh Thử Nghiệm",
    ]
    total = rows[-1]
    assert total["Số hộ theo kế hoạch"] == "231"
    assert total["Số hộ đã được hướng dẫn"] == "4"
    assert total["Độ bao phủ"] == "1,7%"
    assert total["Tình nguyện viên hoạt động"] == "4"
    assert rows[1]["Xã / phường / đặc khu"] == "Xã An Bình"
    assert rows[1]["Tỉnh / thành phố"] == "Tỉnh Thử Nghiệm"
    vneid = "Cài đặt, kích hoạt tài khoản định danh điện tử VNeID mức 2"
    assert total[f"{vneid}: số hộ đã được hướng dẫn"] == "3"
    assert total[f"{vneid}: số hộ đã tự làm được"] == "2"


def test_csv_of_all_villages_has_the_hierarchy(client, auth, world):
    auth.login("canbo")
    rows = read_csv(client.get("/reports/coverage.csv?level=villages"))
    assert len(rows) == 5  # four villages and the total
    by_name = {row["Tên"]: row for row in rows}
    assert by_name["Khu phố Bốn"]["Xã / phường / đặc khu"] == "Phường Bình An"
    assert by_name["Khu phố Bốn"]["Thôn / khu phố"] == "Khu phố Bốn"
    assert by_name["Khu phố Bốn"]["Số hộ theo kế hoạch"] == "1"
    assert by_name["Khu phố Bốn"]["Số thôn, khu phố chưa có chỉ tiêu (dùng số hộ đã đăng ký)"] == (
        "1"
    )
    assert by_name["Thôn Một"]["Số hộ đã được hướng dẫn"] == "2"


def test_formula_cells_are_escaped_in_csv_and_plain_text_in_xlsx(client, auth, db):
    province = make_place(db, "Tỉnh Công Thức", "tinh")
    commune = make_place(db, "Xã Công Thức", "xa", province)
    for name in FORMULAS:
        make_place(db, name, "thon", commune, target=5)
    make_user(db, "staff", province, username="canbo3")
    auth.login("canbo3")
    rows = read_csv(client.get(f"/reports/coverage.csv?place={commune.id}"))
    names = {row["Tên"] for row in rows}
    for name in FORMULAS:
        assert "'" + name in names
    _book, sheet, xrows = read_xlsx(client.get(f"/reports/coverage.xlsx?place={commune.id}"))
    assert {row["Tên"] for row in xrows} >= set(FORMULAS)
    assert all(cell.data_type == "s" for cell in sheet["E"][1:])  # text, never a formula


def test_safe_text_escapes_every_formula_start():
    for value in ["=1", "+1", "-1", "@a", "\tx", "\rx"]:
        assert safe_text(value) == "'" + value
    assert safe_text("Thôn 1") == "Thôn 1" and safe_text(12) == 12


def test_xlsx_layout_formats_and_filters_sheet(client, auth, world):
    auth.login("canbo")
    response = client.get("/reports/coverage.xlsx?approved_only=1&level=villages")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book, sheet, rows = read_xlsx(response)
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == [
        "Tỉnh / thành phố",
        "Xã / phường / đặc khu",
        "Thôn / khu phố",
        "Mã",
    ]
    coverage_col = header.index("Độ bao phủ") + 1
    target_col = header.index("Số hộ theo kế hoạch") + 1
    assert sheet.cell(row=2, column=coverage_col).number_format == "0.0%"
    assert sheet.cell(row=2, column=target_col).number_format == "#,##0"
    total = rows[-1]
    assert total["Tên"] == "Tổng cộng: Tỉnh Thử Nghiệm"
    assert total["Lượt hướng dẫn"] == 3  # approved only
    assert total["Độ bao phủ"] == pytest.approx(3 / 231, rel=1e-12)  # Excel keeps 15 digits
    filters = {row[0]: row[1] for row in book.worksheets[1].iter_rows(values_only=True)}
    assert filters["Chỉ tính lượt đã duyệt"] == "Có"
    assert filters["Các dòng"] == "Tất cả thôn, khu phố"
    assert filters["Từ ngày"] == "Từ trước đến nay"
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", filters["Thời điểm xuất (giờ Việt Nam)"])


def test_raw_visits_export_masks_phones_and_streams(client, auth, world):
    auth.login("canbo")
    response = client.get("/reports/visits.csv")
    assert response.status_code == 200 and response.is_streamed
    rows = read_csv(response)
    assert len(rows) == 5  # five visits with one skill each
    phones = {row["Số điện thoại"] for row in rows}
    assert phones == {"0912***678", "", "0987***321"}
    first = next(row for row in rows if row["Số điện thoại"] == "0912***678")
    assert first["Xã / phường / đặc khu"] == "Xã An Bình" and first["Chủ hộ"] == "Hộ h1"
    assert {row["Trạng thái"] for row in rows} == {"Đã duyệt", "Chờ duyệt", "Trả lại"}
    assert {row["Đã tự làm được"] for row in rows} == {"Có", "Không"}
    full = read_csv(client.get("/reports/visits.csv?phones=full&approved_only=1"))
    assert len(full) == 3
    assert "0912345678" in {row["Số điện thoại"] for row in full}


def test_raw_visits_export_lists_one_row_per_skill(client, auth, db):
    province = make_place(db, "Tỉnh Hai", "tinh")
    village = make_place(db, "Thôn Hai", "thon", make_place(db, "Xã Hai", "xa", province))
    volunteer = make_user(db, "volunteer", village)
    make_visit(
        db,
        make_household(db, village),
        volunteer,
        BASE,
        {"vneid": True, "dvc": False, "payment": True},
    )
    make_user(db, "staff", province, username="canbo4")
    auth.login("canbo4")
    rows = read_csv(client.get(f"/reports/visits.csv?from={BASE}&to={BASE}"))
    assert [row["Mã nội dung"] for row in rows] == ["vneid", "dvc", "payment"]
    assert len({row["Mã lượt hướng dẫn"] for row in rows}) == 1


def test_exports_are_for_the_right_people_and_audited(client, auth, world, db):
    tree = world["tree"]
    auth.login("doan")  # coordinator: coverage exports yes, raw visits no
    assert client.get("/reports/coverage.csv").status_code == 200
    assert client.get("/reports/visits.csv").status_code == 403
    assert client.get(f"/reports/coverage.xlsx?place={tree['commune_b'].id}").status_code == 404
    assert client.get("/reports/coverage.csv?from=bad").status_code == 400
    auth.logout()
    auth.login("canbo")
    client.get("/reports/coverage.xlsx?level=villages").get_data()
    client.get("/reports/visits.csv?phones=full").get_data()
    auth.logout()
    auth.login("tinhnguyen")
    assert client.get("/reports/coverage.csv").status_code == 403
    entries = db.scalars(
        select(AuditLog).where(AuditLog.object_type == "report").order_by(AuditLog.id)
    ).all()
    assert [entry.action for entry in entries] == ["export"] * 3
    assert '"coverage.csv"' in entries[0].changes
    assert entries[0].place_id == tree["commune_a"].id
    assert '"coverage.xlsx"' in entries[1].changes and '"villages"' in entries[1].changes
    assert '"visits.csv"' in entries[2].changes and '"full"' in entries[2].changes


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=world_specs())
def test_api_page_csv_and_xlsx_carry_the_same_numbers(client, auth, db, spec):
    world = build(db, spec)
    make_user(db, "staff", world.province, username="canbo")
    client.delete_cookie(client.application.config.get("SESSION_COOKIE_NAME", "session"))
    auth.login("canbo")
    for place in world.places:
        if place.level == "village":
            continue
        for query in (f"place={place.id}", f"place={place.id}&approved_only=1&level=villages"):
            api = client.get(f"/api/v1/coverage?{query}").get_json()
            expected = {child["place"]["code"]: child for child in api["children"]}
            expected["total"] = {**api["totals"], "place": api["place"]}
            csv_rows = read_csv(client.get(f"/reports/coverage.csv?{query}"))
            _book, _sheet, xlsx_rows = read_xlsx(client.get(f"/reports/coverage.xlsx?{query}"))
            assert len(csv_rows) == len(xlsx_rows) == len(expected)
            for csv_row, xlsx_row, is_total in zip(
                csv_rows, xlsx_rows, [False] * (len(csv_rows) - 1) + [True], strict=True
            ):
                want = expected["total" if is_total else csv_row["Mã"]]
                assert csv_row["Mã"] == xlsx_row["Mã"] == want["place"]["code"]
                for key, header in HEADERS.items():
                    if key == "coverage":
                        assert csv_row[header] == fmt_percent(want[key])
                        assert xlsx_row[header] == pytest.approx(want[key], rel=1e-12)
                    else:
                        assert int(csv_row[header]) == xlsx_row[header] == want[key]
            if "level" not in query:
                html = client.get(f"/reports/coverage?{query}").text
                cards = dict(re.findall(r'<span class="stat" data-figure="(\w+)">([^<]*)<', html))
                page_rows = rows_of(html) if api["children"] else {}
                page_rows["cards"] = cards
                ids = {child["place"]["code"]: child["place"]["id"] for child in api["children"]}
                for code, want in [*expected.items(), ("cards", expected["total"])]:
                    if code == "total" and not api["children"]:
                        continue
                    row = page_rows[code if code in ("total", "cards") else str(ids[code])]
                    for key in HEADERS:
                        text = row[key].rstrip("*")
                        if key == "coverage":
                            assert text == fmt_percent(want[key])
                        else:
                            assert text == fmt_number(want[key])
    assert db.scalar(select(Place).where(Place.id == world.province.id)) is not None
