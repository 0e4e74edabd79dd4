"""Importing places from CSV or XLSX: all or nothing, bad rows reported by line number."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import func, select

from cdt_app.models import AuditLog, Place
from cdt_app.places.importer import ImportRefused, import_places, read_rows
from tests.conftest import csrf_from
from tests.factories import make_user

HEADER = "code,name,kind,parent_code,target_households\n"


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(client, filename: str, content: bytes):
    page = client.get("/places/import")
    assert page.status_code == 200
    return client.post(
        "/places/import",
        data={"file": (io.BytesIO(content), filename), "csrf_token": csrf_from(page.text)},
        content_type="multipart/form-data",
    )


def _count(db) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(Place))


@pytest.fixture
def staff(db, tree):
    return make_user(db, "staff", tree["province"], username="canbo")


def test_upload_csv_creates_villages_and_is_audited(client, auth, db, tree, staff):
    commune = tree["commune_a"].code
    content = (
        HEADER
        + f"V1,Thôn Đông,thôn,{commune},120\n"
        + f"V2,Thôn Tây,Thôn,{commune},1.234\n"
        + f'V3,"Buôn Ea, Kmar",buôn,{commune},\n'
    ).encode()
    auth.login("canbo")
    before = _count(db)
    response = _upload(client, "thon.csv", content)
    assert response.status_code == 302
    follow = client.get(response.location, follow_redirects=True)
    assert "Đã nhập xong: 3 đơn vị mới, 0 đơn vị được cập nhật." in follow.text
    assert _count(db) == before + 3
    villages = {p.code: p for p in db.scalars(select(Place).where(Place.code.like("V%")))}
    assert villages["V1"].target_households == 120 and villages["V1"].code_scheme == "local"
    assert villages["V2"].target_households == 1234 and villages["V2"].kind == "thon"
    assert villages["V3"].name == "Buôn Ea, Kmar" and villages["V3"].kind == "buon"
    assert villages["V1"].parent_id == tree["commune_a"].id
    assert db.scalar(select(AuditLog).where(AuditLog.action == "import")).actor_id == staff.id


def test_a_bad_row_refuses_the_whole_file_with_line_numbers(client, auth, db, tree, staff):
    commune = tree["commune_a"].code
    content = (
        HEADER
        + f"V1,Thôn Tốt,thôn,{commune},10\n"  # line 2: fine, but not saved
        + f"V2,Thôn Lạ,làng quê,{commune},10\n"  # line 3: unknown kind
        + "\n"  # line 4: empty, ignored
        + f"V3,Thôn Số,thôn,{commune},mười\n"  # line 5: target not a number
        + "V4,Thôn Mồ Côi,thôn,KHONGCO,\n"  # line 6: unknown parent
        + f",Thôn Không Mã,thôn,{commune},\n"  # line 7: no code
        + f"V1,Thôn Trùng,thôn,{commune},\n"  # line 8: code used on line 2
        + f"V9,,thôn,{commune},\n"  # line 9: no name
    ).encode()
    auth.login("canbo")
    before = _count(db)
    response = _upload(client, "thon.csv", content)
    assert response.status_code == 200
    text = response.text
    assert "Chưa nhập gì." in text
    assert "Dòng 3: Loại đơn vị không hợp lệ: &#34;làng quê&#34;." in text
    assert "Dòng 5: Số hộ theo kế hoạch phải là số nguyên." in text
    assert "Dòng 6: Không tìm thấy mã đơn vị cấp trên &#34;KHONGCO&#34;." in text
    assert "Dòng 7: Thiếu mã." in text
    assert "Dòng 8: Mã &#34;V1&#34; đã dùng ở dòng 2 của tệp." in text
    assert "Dòng 9: Vui lòng nhập tên." in text
    assert "Dòng 2" not in text
    assert _count(db) == before
    assert db.scalar(select(func.count()).where(AuditLog.action == "import")) == 0


def test_upload_xlsx_with_numbers_as_cells(client, auth, db, tree, staff):
    commune = int(tree["commune_a"].code[1:])  # a numeric code cell
    tree["commune_a"].code = str(commune)
    db.add(tree["commune_a"])
    db.commit()
    content = xlsx_bytes(
        [
            ["code", "name", "kind", "parent_code", "target_households"],
            ["X1", "Thôn Một Trăm", "thôn", commune, 120.0],
            ["X2", "Tổ dân phố 5", "Tổ dân phố", commune, 45],
        ]
    )
    auth.login("canbo")
    response = _upload(client, "thon.xlsx", content)
    assert response.status_code == 302
    db.rollback()
    places = {p.code: p for p in db.scalars(select(Place).where(Place.code.like("X%")))}
    assert places["X1"].target_households == 120  # not 1200
    assert places["X2"].kind == "to_dan_pho" and places["X2"].target_households == 45


def test_xlsx_errors_carry_the_sheet_row_number(client, auth, db, tree, staff):
    content = xlsx_bytes(
        [
            ["code", "name", "kind", "parent_code", "target_households"],
            ["X1", "Thôn A", "thôn", tree["commune_a"].code, 10],
            ["X2", "Thôn B", "thôn", tree["commune_a"].code, -3],
        ]
    )
    auth.login("canbo")
    response = _upload(client, "thon.xlsx", content)
    assert "Dòng 3: Số hộ theo kế hoạch phải là số nguyên." in response.text
    assert _count(db) == 7


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("thon.pdf", b"%PDF", "Vui lòng chọn tệp .csv hoặc .xlsx."),
        ("thon.csv", "code,name\nV1,Thôn\n".encode(), "Thiếu cột: kind."),
        ("thon.csv", HEADER.encode("utf-8") + "V1,Thôn Đông,thôn,,\n".encode("cp1258"), "UTF-8"),
        ("thon.xlsx", b"PK\x03\x04 not really a workbook", "Không đọc được tệp Excel."),
        ("thon.csv", b"", "Tệp không có dữ liệu."),
        (
            "thon.csv",
            (HEADER + "=1+1,Thôn,thôn,,\n").encode(),
            "Dòng 2: Tệp nhập không được chứa công thức.",
        ),
    ],
)
def test_unreadable_files_are_refused_in_vietnamese(
    client, auth, db, tree, staff, filename, content, message
):
    auth.login("canbo")
    response = _upload(client, filename, content)
    assert response.status_code == 200
    assert message in response.text


def test_upload_cannot_reach_outside_the_area(client, auth, db, tree):
    make_user(db, "staff", tree["commune_a"], username="canboxa")
    other = tree["village_b1"]
    content = (
        HEADER
        + f"V1,Thôn Mới,thôn,{tree['commune_b'].code},\n"  # under another commune
        + f"{other.code},Khu phố Đổi Tên,khu phố,{tree['commune_a'].code},\n"  # pull one in
    ).encode()
    auth.login("canboxa")
    response = _upload(client, "thon.csv", content)
    assert "Dòng 2: Dòng này nằm ngoài địa bàn của bạn." in response.text
    assert "Dòng 3: Dòng này nằm ngoài địa bàn của bạn." in response.text
    db.rollback()
    db.expire_all()
    assert db.get(Place, other.id).name == "Khu phố Ba"


def test_children_may_come_before_their_parent_and_reimport_updates(app, db):
    rows = read_rows(
        "p.csv",
        (
            HEADER + "T1-001,Thôn Một,thôn,X1,30\n" + "X1,Xã Một,xã,P1,\n" + "P1,Tỉnh Một,tỉnh,,\n"
        ).encode(),
    )
    with app.app_context():
        result = import_places(db, None, rows)
        db.commit()
        assert (result.created, result.updated) == (3, 0)
        village = db.scalar(select(Place).where(Place.code == "T1-001"))
        assert village.depth == 2 and village.target_households == 30
        again = read_rows("p.csv", (HEADER + "T1-001,Thôn Một Mới,thôn,X1,\n").encode())
        result = import_places(db, None, again)
        db.commit()
        assert (result.created, result.updated) == (0, 1)
        db.refresh(village)
        # an empty target keeps the one already set
        assert village.name == "Thôn Một Mới" and village.target_households == 30


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1.234", 1234), ("1,234", 1234), ("1 234", 1234), ("0", 0), ("", None), ("12", 12)],
)
def test_target_numbers(app, db, value, expected):
    rows = read_rows("p.csv", (HEADER + f'P1,Tỉnh Một,tỉnh,,"{value}"\n').encode())
    with app.app_context():
        import_places(db, None, rows)
        assert db.scalar(select(Place.target_households).where(Place.code == "P1")) == expected


@pytest.mark.parametrize("value", ["12,5", "1.23", "-1", "1e3", "99999999", "١٢"])
def test_bad_target_numbers(app, db, value):
    rows = read_rows("p.csv", (HEADER + f'P1,Tỉnh Một,tỉnh,,"{value}"\n').encode())
    with app.app_context(), pytest.raises(ImportRefused) as refused:
        import_places(db, None, rows)
    assert refused.value.errors[0][0] == 2


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=st.binary(max_size=300) | st.text(max_size=300).map(lambda t: (HEADER + t).encode()))
def test_any_file_is_imported_or_refused_never_crashes(app, db, content):
    with app.app_context():
        try:
            import_places(db, None, read_rows("random.csv", content))
        except ImportRefused as refused:
            assert refused.errors and all(isinstance(line, int) for line, _ in refused.errors)
        finally:
            db.rollback()
