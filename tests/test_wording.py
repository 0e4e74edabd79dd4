"""Plain words (point 6 of the first-day issue): the audit log reads as sentences, headings fit
the level, English plurals agree with their number, and the import page explains its columns.
The walk over every page is tests/test_plain_words.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from cdt_app.audit import ERASED, diff, record
from cdt_app.auditlog.describe import describe, describe_entries
from cdt_app.auditlog.wording import Names
from cdt_app.i18n import TZ
from tests.factories import make_household, make_place, make_user, make_visit


def _entry(action, object_type, changes, **fields):
    return {
        "id": 1,
        "at": datetime(2026, 7, 1, 2, 5, tzinfo=UTC),
        "action": action,
        "object_type": object_type,
        "object_id": fields.pop("object_id", "7"),
        "place_id": None,
        "actor_id": fields.pop("actor_id", 3),
        "actor_name": fields.pop("actor_name", "Lê Văn Đoàn"),
        "changes": changes,
        **fields,
    }


def _text(markup) -> str:
    return re.sub(r"<[^>]+>", "", str(markup))


def test_a_return_reads_as_a_return_not_as_an_approval(app):
    returned = _entry(
        "review",
        "visit",
        [
            ("review_note", None, "***"),
            ("reviewed_by_id", None, 3),
            ("status", "submitted", "returned"),
        ],
        object_id="5d0c6f3e-0000-4000-8000-000000000001",
    )
    names = Names(users={3: "Lê Văn Đoàn"})
    with app.test_request_context():
        line = describe(returned, names, link=False)
        changes = [(c.label, c.before, c.after, c.phrase) for c in line.changes]
        fixed_then_approved = [("review_note", "***", None), ("status", "submitted", "approved")]
        approved = describe({**returned, "changes": fixed_then_approved}, names)
    assert _text(line.sentence) == "Lê Văn Đoàn đã trả lại một lượt hướng dẫn để sửa"
    assert "duyệt" not in _text(line.sentence)
    assert changes == [
        ("Trạng thái", "Chờ duyệt", "Trả lại", ""),
        ("Lý do trả lại", None, None, "đã ghi (nội dung được che)"),
    ]  # the reviewer is the actor: the sentence says who
    assert _text(approved.sentence) == "Lê Văn Đoàn đã duyệt một lượt hướng dẫn"
    assert [_text(c.label) for c in approved.changes] == ["Trạng thái"]


def test_values_are_words_dates_are_vietnamese_and_erased_values_say_so(app):
    names = Names(places={4: "Thôn Một", 9: "Xã An Bình"}, users={7: "Hà Thị Mai"})
    changes = [
        ("role", "volunteer", "team_lead"),
        ("active", True, False),
        ("place_id", 4, None),
        ("kind", "khu_pho", "to_dan_pho"),
        ("visited_on", None, "2026-06-30"),
        ("deleted_at", None, "2026-06-30T17:30:00+00:00"),
        ("head_name", "***", ERASED),
        ("page_test", 1, 2),
    ]
    with app.test_request_context():
        line = describe(_entry("update", "app_user", changes), names, link=False)
        shown = {_text(c.label): (c.before, c.after) for c in line.changes}
    assert _text(line.sentence) == "Lê Văn Đoàn đã sửa tài khoản của Hà Thị Mai"
    assert shown["Vai trò"] == ("Tổ viên", "Tổ trưởng")
    assert shown["Tài khoản đang hoạt động"] == ("có", "không")
    assert shown["Đơn vị"] == ("Thôn Một", None)
    assert shown["Loại"] == ("Khu phố", "Tổ dân phố")
    assert shown["Ngày hướng dẫn"] == (None, "30/06/2026")
    assert shown["Ngày xóa"] == (None, "01/07/2026 00:30")  # Vietnam time, UTC+7
    assert shown["page_test"] == ("1", "2")  # a field with no label keeps its code, in <code>


def test_the_system_and_people_by_name_never_by_number(app, client, auth, db, tree):
    admin = make_user(db, "admin", tree["province"], "quantri", name="Trần Quản Trị")
    make_user(db, "volunteer", tree["village_a1"], "tv", name="Võ Thị Tình")
    auth.login("quantri")
    page = client.get("/audit/?object_type=app_user").text
    assert "<strong>Hệ thống</strong> đã tạo tài khoản cho" in page
    assert "Võ Thị Tình</a>" in page and "Tổ viên" in page
    assert not re.search(r"Tài khoản \d", page)
    history = client.get(f"/audit/app_user/{admin.id}").text
    assert "<h1>Tài khoản của Trần Quản Trị</h1>" in history


def test_names_are_read_in_a_fixed_number_of_queries(app, client, auth, db, tree, count_queries):
    admin = make_user(db, "admin", tree["province"], "quantri")

    def add_entries(n: int) -> None:
        for index in range(n):
            village = tree["village_a1" if index % 2 else "village_b1"]
            record(db, admin, "update", village, diff({"parent_id": 2}, {"parent_id": 3}))
            record(db, admin, "update", admin, {"reviewed_by_id": [None, admin.id]})
        db.commit()

    auth.login("quantri")
    add_entries(2)
    with count_queries() as few:
        assert client.get("/audit/").status_code == 200
    add_entries(20)
    with count_queries() as many:
        assert client.get("/audit/").status_code == 200
    assert len(many) == len(few)


def test_describe_entries_reads_each_kind_of_record_once(app, db, tree, count_queries):
    people = [make_user(db, "volunteer", tree["village_a1"], f"tv{n}") for n in range(5)]
    entries = [
        _entry("update", "app_user", [("place_id", 1, tree["village_a1"].id)], object_id=str(p.id))
        for p in people
    ] + [_entry("update", "skill", [("skills", None, "vneid✓, dvc")], object_id="1")]
    with app.test_request_context(), count_queries() as statements:
        lines, _names = describe_entries(db, entries)
    assert len(statements) == 3  # places, accounts, skills
    assert "Cài đặt, kích hoạt tài khoản định danh điện tử VNeID mức 2 (đã tự làm được)" in str(
        lines[-1].changes[0].after
    )


def test_an_import_and_an_export_in_words(app, client, auth, db, tree):
    staff = make_user(db, "staff", tree["province"], "canbo", name="Lê Cán Bộ")
    entry = record(
        db,
        staff,
        "export",
        None,
        {
            "export": [None, "coverage.xlsx"],
            "level": [None, "villages"],
            "to": [None, "2026-07-01"],
        },
        object_type="report",
        place_id=tree["province"].id,
    )
    entry.at = datetime(2026, 7, 1, 3, 0, tzinfo=TZ)
    db.commit()
    auth.login("canbo")
    page = client.get("/audit/?action=export").text
    assert "<strong>Lê Cán Bộ</strong> đã xuất" in page and "bảng độ bao phủ (Excel)" in page
    assert "Các dòng: Tất cả thôn, khu phố" in page and "Đến ngày: 01/07/2026" in page
    assert "coverage.xlsx" not in page and "2026-07-01" not in page


@pytest.mark.parametrize(
    ("key", "heading"),
    [
        ("village_a1", "Hoạt động của Tổ"),
        ("commune_a", "Hoạt động của Xã An Bình"),
        ("province", "Hoạt động toàn tỉnh"),
    ],
)
def test_the_activity_heading_fits_the_level(client, auth, db, tree, key, heading):
    make_user(db, "staff", tree["province"], "canbo")
    auth.login("canbo")
    page = client.get(f"/activity/?place={tree[key].id}").text
    assert f"<h1>{heading}</h1>" in page


def test_a_city_is_a_city(client, auth, db):
    city = make_place(db, "Thành phố Thử", "thanh_pho")
    make_user(db, "staff", city, "canbo")
    auth.login("canbo")
    assert "<h1>Hoạt động toàn thành phố</h1>" in client.get("/activity/").text


def test_english_counts_agree_with_their_noun(client, auth, db, tree):
    make_place(db, "Thôn Ba", "thon", tree["commune_b"])  # commune B: three villages
    lone = make_place(db, "Xã Lẻ", "xa", tree["province"])
    make_place(db, "Thôn Lẻ", "thon", lone)
    make_user(db, "staff", tree["province"], "canbo")
    client.get("/lang/en?next=/")
    auth.login("canbo")
    page = client.get(f"/places/{tree['province'].id}").text
    assert "1 village · 0 households" in page and "3 villages · 0 households" in page
    assert "1 villages" not in page


def test_the_stalled_card_says_every_village_had_a_visit_when_none_is_stalled(
    client, auth, db, tree
):
    volunteer = make_user(db, "volunteer", tree["village_a1"], "tv")
    make_user(db, "staff", tree["province"], "canbo")
    auth.login("canbo")
    page = client.get("/reports/coverage").text
    assert 'data-figure="stalled_villages">4<' in page
    assert "trong số 4 thôn, khu phố chưa có lượt hướng dẫn nào trong 30 ngày qua" in page
    for key in ("village_a1", "village_a2", "village_b1", "village_b2"):
        make_visit(db, make_household(db, tree[key]), volunteer)
    page = client.get("/reports/coverage").text
    assert "Thôn/khu phố nào cũng có lượt hướng dẫn trong 30 ngày qua." in page
    assert "trong số 4" not in page and "0 trên" not in page


def test_the_import_page_explains_the_columns_in_vietnamese(client, auth, db, tree):
    make_user(db, "staff", tree["province"], "canbo")
    auth.login("canbo")
    page = client.get("/places/import").text
    assert "Mã của xã, phường hoặc đặc khu mà đơn vị thuộc về" in page
    assert "Ví dụ: Thôn Mỹ Khê" in page
    assert "T001,Thôn Mỹ Khê,Thôn,23272,64" in page
