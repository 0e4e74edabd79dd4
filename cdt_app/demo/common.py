"""What both demo data sets share: the real place list, the accounts of DESIGN section 8 and
the invented names."""

from __future__ import annotations

import random
from collections.abc import Collection
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from ..models import Place, User
from ..places.importer import import_places, read_rows
from ..skills.seed import seed_skills
from ..users.services import UserInput, create_user

DEMO_PASSWORD = "demo-cds-2026"  # noqa: S105 (published demo password, demo mode only)
PLACES_FILE = Path(__file__).parent.parent / "data" / "places-lam-dong-2025.csv"
PROVINCE = "68"  # Tỉnh Lâm Đồng
COMMUNE_A = "23272"  # Đặc khu Phú Quý
COMMUNE_B = "22918"  # Phường Mũi Né
ALREADY_LOADED = "Dữ liệu minh họa đã có sẵn."
#: (username, display name, role, place): a GSO code, or "village:A" / "village:B", the demo
#: villages of communes A and B that each data set picks
ACCOUNTS = [
    ("admin", "Quản trị hệ thống", "admin", PROVINCE),
    ("canbo", "Trần Thị Cán Bộ", "staff", PROVINCE),
    ("doan", "Lê Văn Đoàn", "coordinator", COMMUNE_A),
    ("totruong", "Phạm Minh Tổ Trưởng", "team_lead", "village:A"),
    ("tinhnguyen", "Nguyễn Thị Tình Nguyện", "volunteer", "village:A"),
    ("tinhnguyen2", "Võ Văn Tình Nguyện", "volunteer", "village:B"),
]

SURNAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý K' Ka Bố Nai"
).split()
MIDDLE = "Văn Thị Hữu Minh Ngọc Thanh Đức Quốc Thu Kim".split()
GIVEN = (
    "An Bình Cường Dũng Đào Hòa Hoa Hùng Lan Mai Nam Phúc Quý Sương Tâm Thảo Trinh Yến Ánh Ẩn "
    "Hạnh Khoa Lộc Nhung Oanh Sơn Tuấn Vy Xuân H'Hen"
).split()
#: skills taught, by relative frequency (VNeID and online public services are the priority)
SKILL_WEIGHTS = {
    "vneid": 30,
    "dvc": 20,
    "payment": 15,
    "smartphone": 12,
    "cybersafety": 10,
    "health": 6,
    "ecommerce": 4,
    "elearning": 3,
}


def person_name(rng: random.Random) -> str:
    """An invented Vietnamese full name."""
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def is_loaded(session: Session) -> bool:
    """Seed the skills catalogue; has a demo data set been loaded already?"""
    seed_skills(session)
    return session.scalar(select(User.id).where(User.username == "admin")) is not None


def import_real_places(session: Session) -> None:
    """The real province of Lâm Đồng and its 124 communes (cdt_app/data)."""
    import_places(session, None, read_rows(PLACES_FILE.name, PLACES_FILE.read_bytes()))


def place_by_code(session: Session, code: str) -> Place | None:
    return session.scalar(select(Place).where(Place.code == code))


def create_accounts(
    session: Session, places: dict[str, Place], usernames: Collection[str] | None = None
) -> dict[str, User]:
    """The accounts of ACCOUNTS (all, or those in ``usernames``) at ``places[where]``."""
    users: dict[str, User] = {}
    for username, name, role, where in ACCOUNTS:
        if usernames is not None and username not in usernames:
            continue
        users[username] = create_user(
            session,
            None,
            UserInput(
                username=username,
                display_name=name,
                role=role,
                place_id=places[where].id,
                password=DEMO_PASSWORD,
            ),
        )
    return users


def accounts_line() -> str:
    """The summary line that lists the accounts and their password."""
    return f"Tài khoản (mật khẩu {DEMO_PASSWORD}): " + ", ".join(a[0] for a in ACCOUNTS)
