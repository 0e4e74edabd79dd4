"""The demo data set of ``make run``: the real province of Lâm Đồng and its 124 communes, and
in five of them invented villages, teams, households and a month of visits (demo data).

Every team works in its own village. The communes are at different stages, so the province
and commune reports, charts and activity pages look like a real month of work: Đặc khu Phú
Quý has covered nearly every household, Phường Phú Thuỷ has just begun. The accounts of
DESIGN section 8 are among the people; ``tinhnguyen`` has a few visits returned to her to fix.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from ..db import new_session
from ..models import PLACE_KINDS, Place, User, utcnow
from ..places.services import PlaceInput, create_place
from ..users.services import UserInput, create_user
from .common import (
    ALREADY_LOADED,
    COMMUNE_A,
    COMMUNE_B,
    DEMO_PASSWORD,
    PROVINCE,
    accounts_line,
    create_accounts,
    import_real_places,
    is_loaded,
    person_name,
    place_by_code,
)
from .month import Clock, Tally, Team, VillagePlan, dated, use_clock, work_village

V = VillagePlan
#: commune code → its demo villages; the first village of communes A and B is "village:A"
#: and "village:B" of common.ACCOUNTS
PLAN: dict[str, list[VillagePlan]] = {
    COMMUNE_A: [  # Đặc khu Phú Quý: nearly every household reached
        V("Thôn Mỹ Khê", "thon", 64, 0.94, start=29),
        V("Thôn Quý Thạnh", "thon", 58, 0.9, start=29),
        V("Thôn Triều Dương", "thon", 52, 0.88, start=28),
        V("Thôn Đông Hải", "thon", None, 0.82, start=27, volunteers=0, households=48),
    ],
    COMMUNE_B: [  # Phường Mũi Né
        V("Khu phố Hòa Thạnh", "khu_pho", 72, 0.7, start=27),
        V("Khu phố Long Sơn", "khu_pho", 66, 0.6, start=25),
        V("Khu phố Thạnh Hải", "khu_pho", 60, 0.5, start=22, volunteers=0),
    ],
    "24781": [  # Phường Xuân Hương - Đà Lạt
        V("Tổ dân phố 1", "to_dan_pho", 60, 0.45, start=21),
        V("Tổ dân phố 2", "to_dan_pho", 56, 0.35, start=19, volunteers=0),
        V("Tổ dân phố 3", "to_dan_pho", 50, 0.25, start=16, volunteers=0),
    ],
    "25000": [  # Xã Di Linh: one team stopped two weeks ago, one village has no team yet
        V("Thôn Đồng Lạc", "thon", 70, 0.3, start=26),
        V("Thôn Tân Lạc", "thon", 60, 0.15, start=29, stop=17, volunteers=0),
        V("Thôn Lạc Xuân", "thon", 55, 0.0, start=0, volunteers=-1),
    ],
    "22924": [  # Phường Phú Thuỷ: just begun
        V("Khu phố Phú Thủy 1", "khu_pho", 80, 0.1, start=9),
        V("Khu phố Phú Thủy 2", "khu_pho", 70, 0.04, start=5, volunteers=0),
    ],
}
#: visits left returned for their author to fix (others: one per volunteer, none per lead)
OPEN_RETURNS = {"tinhnguyen": 4, "tinhnguyen2": 2}
SEED = 2026


def load_small() -> str:
    """Load the small demo data set once; return a summary for the terminal."""
    # demo data, not security (S311); each village draws its own numbers and times of day,
    # so that the data hardly depend on the hour the demo is loaded
    rng = random.Random(SEED)  # noqa: S311
    now = utcnow()
    clock = Clock(rng, now)
    tally = Tally()
    with new_session() as session:
        if is_loaded(session):
            return ALREADY_LOADED
        use_clock(session)
        with dated(session, clock.on(clock.today - timedelta(days=33))):
            import_real_places(session)
            villages = _villages(session)
            teams = _teams(session, villages, rng)
        for team in teams:
            seed = f"{SEED}:{team.village.name}"
            village_clock = Clock(random.Random(f"{seed}:clock"), now)  # noqa: S311
            work_village(session, team, village_clock, random.Random(seed), tally)  # noqa: S311
        session.commit()
        users = session.scalar(select(func.count()).select_from(User))
    lines = [
        f"Đã nạp dữ liệu minh họa: {sum(len(rows) for _commune, rows in villages)} thôn, khu "
        f"phố, {tally.households} hộ, {tally.visits} lượt hướng dẫn ({tally.submitted} chờ "
        f"duyệt, {tally.returned} bị trả lại chờ sửa), {users} tài khoản.",
        accounts_line(),
    ]
    return "\n".join(lines)


Villages = list[tuple[Place, list[tuple[Place, VillagePlan]]]]


def _villages(session: Session) -> Villages:
    """The demo villages of PLAN: (commune, [(village, plan)])."""
    villages = []
    for code, plans in PLAN.items():
        commune = place_by_code(session, code)
        villages.append((commune, [(_village(session, commune, plan), plan) for plan in plans]))
    return villages


def _village(session: Session, commune: Place, plan: VillagePlan) -> Place:
    data = PlaceInput(
        name=plan.name, kind=plan.kind, parent_id=commune.id, target_households=plan.target
    )
    return create_place(session, None, data)


def _teams(session: Session, villages: Villages, rng: random.Random) -> list[Team]:
    """The accounts of DESIGN section 8, and a team per village: its team lead and
    volunteers (invented people), with a coordinator per commune."""
    by_code = {commune.code: rows for commune, rows in villages}
    places = {code: place_by_code(session, code) for code in (PROVINCE, COMMUNE_A)}
    places["village:A"], places["village:B"] = by_code[COMMUNE_A][0][0], by_code[COMMUNE_B][0][0]
    accounts = create_accounts(session, places)
    teams = []
    for commune, rows in villages:
        coordinator = accounts["doan"] if commune.code == COMMUNE_A else None
        coordinator = coordinator or _person(session, "doan", "coordinator", commune, rng)
        for village, plan in rows:
            if plan.volunteers < 0:
                continue
            own = [user for user in accounts.values() if user.place_id == village.id]
            leads = [user for user in own if user.role == "team_lead"]
            lead = leads[0] if leads else _person(session, "tt", "team_lead", village, rng)
            volunteers = [user for user in own if user.role == "volunteer"]
            while len(volunteers) < plan.volunteers:
                prefix = f"tv{len(volunteers) + 1}" if volunteers else "tv"
                volunteers.append(_person(session, prefix, "volunteer", village, rng))
            returns = {user.username: OPEN_RETURNS.get(user.username, 1) for user in volunteers}
            teams.append(Team(village, plan, [lead, *volunteers], coordinator, returns))
    return teams


def _person(session: Session, prefix: str, role: str, place: Place, rng: random.Random) -> User:
    """An invented member of the teams, e.g. ``tt.quythanh``, with the demo password."""
    return create_user(
        session,
        None,
        UserInput(
            username=f"{prefix}.{_slug(place)}",
            display_name=person_name(rng),
            role=role,
            place_id=place.id,
            password=DEMO_PASSWORD,
        ),
    )


def _slug(place: Place) -> str:
    """The place's name without its kind and diacritics: "Thôn Quý Thạnh" → "quythanh"."""
    rest = place.name.removeprefix(PLACE_KINDS[place.kind][1]).strip()
    if not rest or rest[0].isdigit():
        rest = place.name
    folded = unicodedata.normalize("NFD", rest.lower().replace("đ", "d"))
    return "".join(ch for ch in folded if ch.isascii() and ch.isalnum())
