"""The command line: create-user, import-places (CSV, XLSX), import-provinces, backup.
(``cdt migrate`` is tested on an empty database in test_migrations.py, ``cdt demo`` in
test_demo.py.)"""

from __future__ import annotations

import sqlite3
import sys

import pytest
from sqlalchemy import func, select

from cdt_app.auth.passwords import verify_password
from cdt_app.models import AuditLog, Place, User
from tests.factories import make_place
from tests.test_places_import import HEADER, xlsx_bytes


def _places(db) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(Place))


# --- create-user ----------------------------------------------------------------------------


def test_create_user_makes_an_account_that_can_log_in(runner, client, auth, db):
    province = make_place(db, "Tỉnh Lâm Đồng", "tinh", code="68")
    result = runner.invoke(
        args=[
            "cdt",
            "create-user",
            "--username",
            "QuanTri",
            "--password",
            "mot-cau-dai-2026",
            "--role",
            "staff",
            "--place",
            "68",
            "--name",
            "Quản Trị Viên",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Đã tạo tài khoản quantri (Cán bộ) tại Tỉnh Lâm Đồng." in result.output
    user = db.scalar(select(User).where(User.username == "quantri"))
    assert user.place_id == province.id and user.display_name == "Quản Trị Viên"
    assert user.must_change_password is False and verify_password(
        user.password_hash, "mot-cau-dai-2026"
    )
    landed = auth.login("quantri", "mot-cau-dai-2026")
    assert landed.status_code == 302 and landed.location == "/"


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["--place", "99"], "Không tìm thấy đơn vị có mã 99.", 1),
        (["--password", "123"], "Mật khẩu:", 1),
        (["--username", "a b!"], "Tên đăng nhập:", 1),
        (["--role", "boss"], "Invalid value for '--role'", 2),
    ],
)
def test_create_user_refuses_bad_input(runner, db, args, message, code):
    make_place(db, "Tỉnh Một", "tinh", code="68")
    base = {
        "--username": "moi",
        "--password": "mot-cau-dai-2026",
        "--role": "volunteer",
        "--place": "68",
    }
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    result = runner.invoke(args=["cdt", "create-user", *[x for kv in base.items() for x in kv]])
    assert result.exit_code == code
    assert message in result.output
    assert db.scalar(select(User).where(User.username == "moi")) is None


def test_create_user_refuses_a_taken_username(runner, db):
    make_place(db, "Tỉnh Một", "tinh", code="68")
    args = [
        "cdt",
        "create-user",
        "--username",
        "trung",
        "--password",
        "mot-cau-dai-2026",
        "--role",
        "staff",
        "--place",
        "68",
    ]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code == 1 and "Tên đăng nhập này đã có người dùng." in again.output


# --- import-places --------------------------------------------------------------------------


def test_import_places_csv(runner, db, tmp_path):
    path = tmp_path / "lam-dong.csv"
    path.write_text(
        HEADER + "68,Tỉnh Lâm Đồng,tỉnh,,\n23272,Đặc khu Phú Quý,đặc khu,68,\n"
        "PQ-01,Thôn Mỹ Khê,thôn,23272,620\n",
        encoding="utf-8-sig",
    )
    result = runner.invoke(args=["cdt", "import-places", str(path)])
    assert result.exit_code == 0, result.output
    assert "Đã nhập: 3 mới, 0 cập nhật." in result.output
    village = db.scalar(select(Place).where(Place.code == "PQ-01"))
    assert village.depth == 2 and village.target_households == 620 and village.kind == "thon"
    entry = db.scalar(select(AuditLog).where(AuditLog.action == "import"))
    assert entry.actor_id is None
    again = runner.invoke(args=["cdt", "import-places", str(path)])
    assert "Đã nhập: 0 mới, 3 cập nhật." in again.output


def test_import_places_xlsx(runner, db, tmp_path):
    path = tmp_path / "thon.xlsx"
    path.write_bytes(
        xlsx_bytes(
            [
                ["code", "name", "kind", "parent_code", "target_households"],
                [68, "Tỉnh Lâm Đồng", "Tỉnh", None, None],
                [22918, "Phường Mũi Né", "Phường", 68, None],
                ["MN-01", "Khu phố Hòa Thạnh", "Khu phố", 22918, 700.0],
            ]
        )
    )
    result = runner.invoke(args=["cdt", "import-places", str(path)])
    assert result.exit_code == 0, result.output
    village = db.scalar(select(Place).where(Place.code == "MN-01"))
    assert village.target_households == 700 and village.kind == "khu_pho"
    assert db.scalar(select(Place).where(Place.code == "22918")).kind == "phuong"


def test_import_places_is_all_or_nothing_with_line_numbers(runner, db, tmp_path):
    path = tmp_path / "sai.csv"
    path.write_text(
        HEADER + "68,Tỉnh Lâm Đồng,tỉnh,,\n"  # line 2: fine
        "23272,Đặc khu Phú Quý,đặc khu,99,\n"  # line 3: unknown parent
        "PQ-01,Thôn Mỹ Khê,thôn,68,nhiều\n",  # line 4: bad target
        encoding="utf-8",
    )
    before = _places(db)
    result = runner.invoke(args=["cdt", "import-places", str(path)])
    assert result.exit_code == 1
    assert 'Dòng 3: Không tìm thấy mã đơn vị cấp trên "99".' in result.output
    assert "Dòng 4: Số hộ theo kế hoạch phải là số nguyên." in result.output
    assert "Dòng 2" not in result.output
    assert "Không nhập gì" in result.output
    assert _places(db) == before


def test_import_places_refuses_an_unknown_format(runner, tmp_path):
    path = tmp_path / "places.json"
    path.write_text("{}")
    result = runner.invoke(args=["cdt", "import-places", str(path)])
    assert result.exit_code == 1 and "Vui lòng chọn tệp .csv hoặc .xlsx." in result.output
    missing = runner.invoke(args=["cdt", "import-places", str(tmp_path / "khong-co.csv")])
    assert missing.exit_code == 2


def test_the_real_lam_dong_file_imports(runner, db):
    from cdt_app.demo import PLACES_FILE

    result = runner.invoke(args=["cdt", "import-places", str(PLACES_FILE)])
    assert result.exit_code == 0, result.output
    assert "Đã nhập: 125 mới, 0 cập nhật." in result.output
    phu_quy = db.scalar(select(Place).where(Place.code == "23272"))
    assert phu_quy.name == "Đặc khu Phú Quý" and phu_quy.kind == "dac_khu"


# --- import-provinces (optional GPL-3.0 package, installed by the test extra) --------------


def test_import_provinces_from_the_official_list(runner, db):
    result = runner.invoke(args=["cdt", "import-provinces", "--province", "68"])
    assert result.exit_code == 0, result.output
    assert "Đã nhập Tỉnh Lâm Đồng và 124 xã/phường/đặc khu (125 mới, 0 cập nhật)" in result.output
    province = db.scalar(select(Place).where(Place.code == "68"))
    assert province.kind == "tinh" and province.name == "Tỉnh Lâm Đồng"
    communes = db.scalars(select(Place).where(Place.parent_id == province.id)).all()
    assert len(communes) == 124 and all(len(c.code) == 5 for c in communes)
    assert {c.kind for c in communes} == {"xa", "phuong", "dac_khu"}
    assert any(c.name == "Đặc khu Phú Quý" and c.code == "23272" for c in communes)
    # the same codes as the project's CSV: importing both does not duplicate anything
    again = runner.invoke(args=["cdt", "import-provinces", "--province", "68"])
    assert "(0 mới, 125 cập nhật)" in again.output
    hanoi = runner.invoke(args=["cdt", "import-provinces", "--province", "1"])
    assert hanoi.exit_code == 0
    db.rollback()
    assert db.scalar(select(Place).where(Place.code == "01")).name == "Thành phố Hà Nội"


def test_import_provinces_unknown_code_lists_the_valid_ones(runner):
    result = runner.invoke(args=["cdt", "import-provinces", "--province", "99"])
    assert result.exit_code == 1
    assert "Không có tỉnh/thành phố mã 99." in result.output and "68 Lâm Đồng" in result.output


def test_import_provinces_without_the_package_says_how_to_install_it(runner, monkeypatch, db):
    monkeypatch.setitem(sys.modules, "vietnam_provinces", None)  # import now fails
    before = _places(db)
    result = runner.invoke(args=["cdt", "import-provinces", "--province", "68"])
    assert result.exit_code == 2
    assert "Chưa cài gói vietnam-provinces" in result.output
    assert "pip install -e '.[provinces]'" in result.output
    assert _places(db) == before


def test_the_gpl_package_is_imported_only_by_the_command():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "cdt_app"
    users = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "vietnam_provinces" in p.read_text(encoding="utf-8")
    ]
    assert users == ["places/provinces.py"]


# --- backup ---------------------------------------------------------------------------------


def test_backup(app, runner, db, tmp_path):
    make_place(db, "Tỉnh Sao Lưu", "tinh", code="68")
    target = tmp_path / "sao-luu" / "cdt.sqlite3"
    result = runner.invoke(args=["cdt", "backup", str(target)])
    if app.extensions["cdt_engine"].dialect.name == "sqlite":
        assert result.exit_code == 0, result.output
        copy = sqlite3.connect(target)
        assert copy.execute("SELECT name FROM place WHERE code = '68'").fetchone() == (
            "Tỉnh Sao Lưu",
        )
        copy.close()
    else:  # PostgreSQL is backed up with pg_dump
        assert result.exit_code == 1 and "pg_dump" in result.output
        assert not target.exists()
