"""The seed of the skills catalogue (DESIGN section 4)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from ..models import Skill

SEED_SKILLS = (
    (
        "vneid",
        "Cài đặt, kích hoạt tài khoản định danh điện tử VNeID mức 2",
        "Install and activate the VNeID level 2 e-identity account",
        "Định danh",
    ),
    ("dvc", "Sử dụng dịch vụ công trực tuyến", "Use online public services", "Dịch vụ công"),
    (
        "payment",
        "Thanh toán trực tuyến, không dùng tiền mặt",
        "Cashless online payment",
        "Kinh tế số",
    ),
    (
        "ecommerce",
        "Mua sắm, bán hàng trên sàn thương mại điện tử",
        "Buy and sell on e-commerce platforms",
        "Kinh tế số",
    ),
    (
        "cybersafety",
        "Tự bảo vệ trên không gian mạng, nhận diện lừa đảo trực tuyến",
        "Stay safe online and recognise online scams",
        "An toàn số",
    ),
    (
        "health",
        "Sổ sức khỏe điện tử, khám chữa bệnh từ xa",
        "Electronic health book and telemedicine",
        "Xã hội số",
    ),
    (
        "elearning",
        "Học trực tuyến, Bình dân học vụ số",
        "Online learning, the digital literacy movement",
        "Xã hội số",
    ),
    (
        "smartphone",
        "Sử dụng điện thoại thông minh cơ bản",
        "Basic smartphone use",
        "Kỹ năng cơ bản",
    ),
)


def seed_skills(session: Session) -> int:
    """Add the seed skills that are missing (by code); return how many were added."""
    existing = set(session.scalars(select(Skill.code)))
    added = 0
    for order, (code, name_vi, name_en, group) in enumerate(SEED_SKILLS, start=1):
        if code not in existing:
            session.add(
                Skill(
                    code=code, name_vi=name_vi, name_en=name_en, group=group, sort_order=order * 10
                )
            )
            added += 1
    session.flush()
    return added
