"""The small demo data set of ``make run``: the real province of Lâm Đồng and its communes,
with invented villages, households, people and visits (marked as demo data in the UI)."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session

from ..db import new_session
from ..i18n import search_key, sort_key, today_local
from ..models import Household, Place, Skill, User, Visit, VisitSkill, VisitStatusChange, utcnow
from ..places.services import PlaceInput, create_place
from .common import (
    ALREADY_LOADED,
    COMMUNE_A,
    COMMUNE_B,
    GIVEN,
    MIDDLE,
    PROVINCE,
    SURNAMES,
    accounts_line,
    create_accounts,
    import_real_places,
    is_loaded,
    place_by_code,
)

VILLAGES = {
    COMMUNE_A: [
        ("thon", "Thôn Mỹ Khê", 620),
        ("thon", "Thôn Quý Thạnh", 540),
        ("thon", "Thôn Triều Dương", 480),
        ("thon", "Thôn Đông Hải", None),
    ],
    COMMUNE_B: [("khu_pho", "Khu phố Hòa Thạnh", 700), ("khu_pho", "Khu phố Long Sơn", 650)],
    "22924": [("khu_pho", "Khu phố Phú Thủy 1", 500)],
}


def _households(
    session: Session, village: Place, author: User, rng: random.Random, count: int
) -> list[Household]:
    rows = []
    for n in range(count):
        name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        address = f"Số {n + 1}, xóm {rng.randint(1, 6)}"
        phone = f"09{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.7 else None
        household = Household(
            village_id=village.id,
            head_name=name,
            address=address,
            phone=phone,
            members=rng.randint(1, 7),
            smartphone_members=rng.randint(0, 3),
            consent=True,
            consent_by_id=author.id,
            consent_at=utcnow(),
            created_by_id=author.id,
            notes="Dữ liệu minh họa",
            search_key=search_key(f"{name} {address} {phone or ''}"),
            sort_key=sort_key(name),
        )
        session.add(household)
        rows.append(household)
    session.flush()
    return rows


def _visits(
    session: Session,
    households: list[Household],
    author: User,
    reviewer: User,
    skills: list[Skill],
    rng: random.Random,
) -> int:
    today = today_local()
    made = 0
    for household in households:
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            status = rng.choice(["submitted", "approved", "approved", "returned"])
            visit = Visit(
                household_id=household.id,
                village_id=household.village_id,
                volunteer_id=author.id,
                visited_on=today - timedelta(days=rng.randint(0, 45)),
                people_taught=rng.randint(1, max(1, household.members)),
                status=status,
                review_note="Thiếu số người được hướng dẫn" if status == "returned" else None,
                reviewed_by_id=reviewer.id if status != "submitted" else None,
            )
            session.add(visit)
            session.flush()
            for skill in rng.sample(skills, rng.randint(1, 3)):
                session.add(
                    VisitSkill(visit_id=visit.id, skill_id=skill.id, completed=rng.random() < 0.6)
                )
            session.add(
                VisitStatusChange(visit_id=visit.id, to_status="submitted", actor_id=author.id)
            )
            if status != "submitted":
                session.add(
                    VisitStatusChange(
                        visit_id=visit.id,
                        from_status="submitted",
                        to_status=status,
                        actor_id=reviewer.id,
                        reason=visit.review_note,
                    )
                )
            made += 1
    session.flush()
    return made


def load_small() -> str:
    """Load the small demo data set once; return a summary for the terminal."""
    with new_session() as session:
        if is_loaded(session):
            return ALREADY_LOADED
        import_real_places(session)
        rng = random.Random(2026)  # noqa: S311 (demo data, not security)
        villages: dict[str, list[Place]] = {}
        for commune_code, specs in VILLAGES.items():
            commune = place_by_code(session, commune_code)
            villages[commune_code] = [
                create_place(
                    session,
                    None,
                    PlaceInput(
                        name=name, kind=kind, parent_id=commune.id, target_households=target
                    ),
                )
                for kind, name, target in specs
            ]
        places = {code: place_by_code(session, code) for code in (PROVINCE, COMMUNE_A, COMMUNE_B)}
        places["village:A"], places["village:B"] = villages[COMMUNE_A][0], villages[COMMUNE_B][0]
        users = create_accounts(session, places)
        skills = list(session.scalars(select(Skill).order_by(Skill.sort_order)))
        total_households = total_visits = 0
        for commune_code, rows in villages.items():
            author = users["tinhnguyen2"] if commune_code == COMMUNE_B else users["tinhnguyen"]
            for village in rows:
                made = _households(session, village, author, rng, rng.randint(25, 40))
                total_households += len(made)
                total_visits += _visits(session, made, author, users["doan"], skills, rng)
        session.commit()
    lines = [
        f"Đã nạp dữ liệu minh họa: {total_households} hộ, {total_visits} lượt hướng dẫn.",
        accounts_line(),
    ]
    return "\n".join(lines)
