"""The province-scale data set of DESIGN section 9, loaded with bulk inserts.

The real province of Lâm Đồng and its 124 communes (cdt_app/data), with invented villages,
volunteers, households and visits (demo data): by default ~3,000 villages, ~15,000 volunteers,
~1,000,000 households and ~3,000,000 visits with ~2 skills each. Smaller sets for quick runs:

    CDT_SCALE_FACTOR=0.01 flask --app wsgi cdt demo --scale province       # 1 % of everything
    CDT_SCALE_VILLAGES=300 CDT_SCALE_HOUSEHOLDS=50000 CDT_SCALE_VISITS=150000 \
        CDT_SCALE_VOLUNTEERS=1500 flask --app wsgi cdt demo --scale province

Places and accounts go through the ORM (a few thousand rows); households, visits and their
skills are written with the driver's fastest path (executemany on SQLite, COPY on PostgreSQL)
in one transaction per commune, then the per-village coverage aggregates are rebuilt once.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select
from sqlmodel import Session

from ..db import new_session
from ..i18n import duplicate_key, search_key, sort_key, today_local
from ..models import Household, Place, Skill, User, utcnow
from ..reports.aggregates import rebuild_all
from .bulk import BulkWriter, analyze, fast_sqlite, writers
from .common import (
    ACCOUNTS,
    ALREADY_LOADED,
    COMMUNE_A,
    COMMUNE_B,
    PROVINCE,
    SKILL_WEIGHTS,
    accounts_line,
    create_accounts,
    import_real_places,
    is_loaded,
    person_name,
)

DEFAULTS = {"villages": 3_000, "households": 1_000_000, "visits": 3_000_000, "volunteers": 15_000}
FIRST_DAY = date(2025, 7, 1)  #: the new communes exist since 1/7/2025
RETURN_REASON = "Thiếu số người được hướng dẫn"


@dataclass(frozen=True)
class ScaleSizes:
    villages: int
    households: int
    visits: int
    volunteers: int
    seed: int = 2026

    @classmethod
    def from_environment(cls, env: dict[str, str] | None = None) -> ScaleSizes:
        """Sizes from CDT_SCALE_* variables (CDT_SCALE_FACTOR scales all of them)."""
        env = dict(os.environ if env is None else env)
        factor = float(env.get("CDT_SCALE_FACTOR", "1") or 1)
        values = {}
        for name, default in DEFAULTS.items():
            raw = env.get(f"CDT_SCALE_{name.upper()}")
            values[name] = int(raw) if raw else max(1, round(default * factor))
        return cls(seed=int(env.get("CDT_SCALE_SEED", "2026")), **values)


# --- invented people --------------------------------------------------------------------------

VILLAGE_WORDS = (
    "Phú Lạc Tân An Hòa Bình Thạnh Đông Tây Nam Bắc Long Hải Sơn Lâm Mỹ Xuân Quý Trung Hiệp"
).split()


class _Names:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.keys: dict[str, tuple[str, str, str]] = {}

    def person(self) -> tuple[str, str, str, str]:
        """(name, search key, duplicate key, sort key), keys computed once per distinct name."""
        rng = self.rng
        name = person_name(rng)
        if name not in self.keys:
            self.keys[name] = (search_key(name), duplicate_key(name), sort_key(name))
        return name, *self.keys[name]


# --- the loader -------------------------------------------------------------------------------


def load_province_scale(sizes: ScaleSizes | None = None, echo: Callable[[str], None] = print):
    """Load the province-scale demo data set; returns a summary (Vietnamese) for the terminal."""
    sizes = sizes or ScaleSizes.from_environment()
    rng = random.Random(sizes.seed)  # noqa: S311 (demo data, not security)
    started = time.perf_counter()
    with new_session() as session:
        if is_loaded(session):
            return ALREADY_LOADED
        if session.scalar(select(Household.id).limit(1)) is not None:
            return "Cơ sở dữ liệu đã có hộ gia đình: hãy dùng một cơ sở dữ liệu trống."
        import_real_places(session)
        communes = list(
            session.scalars(select(Place).where(Place.level == "commune").order_by(Place.code))
        )
        villages = _make_villages(session, communes, sizes, rng)
        session.commit()
        echo(
            f"{sum(len(rows) for rows in villages.values())} thôn, khu phố "
            f"({time.perf_counter() - started:.0f} s)"
        )
        places = _account_places(session, communes, villages)
        # the first account's password hash serves every volunteer (hashing is slow)
        first = create_accounts(session, places, ["tinhnguyen"])["tinhnguyen"]
        team = _make_volunteers(session, villages, sizes, first.password_hash, rng)
        session.commit()
        echo(f"{sum(len(t) for t in team.values())} tình nguyện viên")
        totals = _fill(session, communes, villages, team, sizes, rng, echo, started)
        _set_village_targets(session, villages, rng)
        create_accounts(session, places, [a[0] for a in ACCOUNTS if a[0] != "tinhnguyen"])
        session.commit()
        refreshed = rebuild_all(session)
        session.commit()
        analyze(session)
    seconds = time.perf_counter() - started
    return "\n".join(
        [
            f"Đã nạp dữ liệu quy mô tỉnh trong {seconds:.0f} giây: {refreshed} thôn, khu phố, "
            f"{sum(len(t) for t in team.values())} tình nguyện viên, {totals['households']} hộ, "
            f"{totals['visits']} lượt hướng dẫn, {totals['skills']} nội dung.",
            accounts_line(),
        ]
    )


def _fill(
    session: Session,
    communes: list[Place],
    villages: dict[int, list[Place]],
    team: dict[int, list[User]],
    sizes: ScaleSizes,
    rng: random.Random,
    echo: Callable[[str], None],
    started: float,
) -> dict[str, int]:
    """Households, visits and their skills, village by village; a commit every 10 communes."""
    skills = {s.code: s.id for s in session.scalars(select(Skill))}
    codes = [code for code in SKILL_WEIGHTS if code in skills]
    weights = [SKILL_WEIGHTS[code] for code in codes]
    reviewer = team[villages[communes[0].id][0].id][0]
    per_household = sizes.visits / max(1, sizes.households)
    village_count = sum(len(rows) for rows in villages.values())
    fast_sqlite(session, True)
    today = today_local()
    totals = {"households": 0, "visits": 0, "skills": 0}
    names = _Names(rng)
    out = writers(session)
    for index, commune in enumerate(communes):
        for village in villages[commune.id]:
            made = _fill_village(
                out,
                village,
                team[village.id],
                sizes.households / village_count,
                per_household,
                [skills[code] for code in codes],
                weights,
                reviewer,
                today,
                names,
                rng,
            )
            for key, value in made.items():
                totals[key] += value
        if index % 10 == 9 or index == len(communes) - 1:
            session.commit()
            out = writers(session)
            echo(
                f"{index + 1}/{len(communes)} xã: {totals['households']} hộ, "
                f"{totals['visits']} lượt ({time.perf_counter() - started:.0f} s)"
            )
    fast_sqlite(session, False)
    return totals


def _make_villages(
    session: Session, communes: list[Place], sizes: ScaleSizes, rng: random.Random
) -> dict[int, list[Place]]:
    """Villages spread over the communes (10 to 40 weight each), with paths and local codes."""
    weights = [rng.uniform(10, 40) for _ in communes]
    total = sum(weights)
    counts = [max(1, round(sizes.villages * w / total)) for w in weights]
    villages: dict[int, list[Place]] = {}
    for commune, count in zip(communes, counts, strict=True):
        kind = "khu_pho" if commune.kind == "phuong" else "thon"
        label = "Khu phố" if kind == "khu_pho" else "Thôn"
        rows = []
        for n in range(1, count + 1):
            name = (
                f"{label} {n}"
                if rng.random() < 0.6
                else (f"{label} {rng.choice(VILLAGE_WORDS)} {rng.choice(VILLAGE_WORDS)} {n}")
            )
            rows.append(
                Place(
                    name=name,
                    kind=kind,
                    level="village",
                    code=f"T{commune.code}-{n:03d}",
                    code_scheme="local",
                    parent_id=commune.id,
                    depth=commune.depth + 1,
                    sort_key=sort_key(name),
                )
            )
        session.add_all(rows)
        session.flush()
        for village in rows:
            village.path = f"{commune.path}{village.id}/"
        villages[commune.id] = rows
    session.flush()
    return villages


def _make_volunteers(
    session: Session,
    villages: dict[int, list[Place]],
    sizes: ScaleSizes,
    password_hash: str,
    rng: random.Random,
) -> dict[int, list[User]]:
    """A team per village: a team lead and volunteers (about volunteers ÷ villages people)."""
    all_villages = [v for rows in villages.values() for v in rows]
    per_village = sizes.volunteers / max(1, len(all_villages))
    names = _Names(rng)
    team: dict[int, list[User]] = {}
    now = utcnow()
    for village in all_villages:
        size = max(1, int(per_village) + (1 if rng.random() < per_village % 1 else 0))
        members = []
        for k in range(size):
            name, folded, _duplicate, key = names.person()
            members.append(
                User(
                    username=f"tnv{village.id}.{k + 1}",
                    display_name=name,
                    password_hash=password_hash,
                    role="team_lead" if k == 0 else "volunteer",
                    place_id=village.id,
                    created_at=now,
                    **_optional(User, {"search_key": folded, "sort_key": key}),
                )
            )
        session.add_all(members)
        team[village.id] = members
    session.flush()
    return team


def _optional(model, values: dict[str, Any]) -> dict[str, Any]:
    """Only the fields ``model`` has (other engineers may add or drop columns)."""
    return {k: v for k, v in values.items() if k in model.__table__.c}


def _fill_village(
    out: dict[str, BulkWriter],
    village: Place,
    team: list[User],
    households_per_village: float,
    visits_per_household: float,
    skill_ids: list[int],
    weights: list[int],
    reviewer: User,
    today: date,
    names: _Names,
    rng: random.Random,
) -> dict[str, int]:
    now = datetime.now(UTC).replace(microsecond=0)
    count = max(1, round(households_per_village * rng.uniform(0.6, 1.4)))
    households = []
    for n in range(1, count + 1):
        name, folded, duplicate, key = names.person()
        xom = rng.randint(1, 8)
        address = f"Số {n}, xóm {xom}"
        phone = (
            f"0{rng.choice('35789')}{rng.randint(10_000_000, 99_999_999)}"
            if (rng.random() < 0.7)
            else None
        )
        author = rng.choice(team)
        households.append(
            (
                uuid.UUID(int=rng.getrandbits(128), version=4),
                village.id,
                name,
                address,
                phone,
                rng.randint(1, 7),
                rng.randint(0, 4),
                True,
                author.id,
                now,
                "Dữ liệu minh họa",
                " ".join(p for p in (folded, f"so {n}, xom {xom}", phone) if p),
                duplicate,
                key,
                author.id,
                now,
                now,
            )
        )
    out["household"].write(households)

    # how far this village has come: coverage differs from village to village
    reach = rng.uniform(0.25, 0.98)
    stalled = rng.random() < 0.05  # no visit in the last 45 days
    last_day = today - timedelta(days=45) if stalled else today
    span = max(0, (last_day - FIRST_DAY).days)
    extra = max(0.0, visits_per_household / reach - 1)  # visits beyond the first, per reached
    visits, visit_skills = [], []
    for household in households:
        if rng.random() > reach:
            continue
        for _ in range(1 + _poisson(rng, extra)):
            roll = rng.random()
            status = "approved" if roll < 0.7 else "submitted" if roll < 0.9 else "returned"
            visit_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            visits.append(
                (
                    visit_id,
                    household[0],
                    village.id,
                    rng.choice(team).id,
                    FIRST_DAY + timedelta(days=rng.randint(0, span)),
                    rng.randint(1, min(3, household[5])),
                    "",
                    status,
                    RETURN_REASON if status == "returned" else None,
                    reviewer.id if status != "submitted" else None,
                    now if status != "submitted" else None,
                    now,
                    now,
                    now if rng.random() < 0.01 else None,
                )
            )
            for skill_id in set(rng.choices(skill_ids, weights, k=rng.randint(1, 3))):
                visit_skills.append((visit_id, skill_id, rng.random() < 0.6))
    out["visit"].write(visits)
    out["visit_skill"].write(visit_skills)
    return {"households": len(households), "visits": len(visits), "skills": len(visit_skills)}


def _poisson(rng: random.Random, mean: float) -> int:
    """A small Poisson draw (Knuth), enough for means of a few visits."""
    if mean <= 0:
        return 0
    limit, k, product = pow(2.718281828459045, -mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _set_village_targets(
    session: Session, villages: dict[int, list[Place]], rng: random.Random
) -> None:
    """Targets a little above the registered households; 8 % of villages have none yet."""
    registered = dict(
        session.execute(
            select(Household.village_id, sa.func.count()).group_by(Household.village_id)
        ).all()
    )
    for rows in villages.values():
        for village in rows:
            if rng.random() < 0.08:
                continue
            village.target_households = round(
                registered.get(village.id, 0) * rng.uniform(1.0, 1.25)
            )
    session.flush()


def _account_places(
    session: Session, communes: list[Place], villages: dict[int, list[Place]]
) -> dict[str, Place]:
    """Where the accounts of DESIGN section 8 live (see common.ACCOUNTS)."""
    by_code = {c.code: c for c in communes}
    commune_a = by_code.get(COMMUNE_A, communes[0])
    commune_b = by_code.get(COMMUNE_B, communes[-1])
    return {
        PROVINCE: session.scalar(select(Place).where(Place.level == "province")),
        COMMUNE_A: commune_a,
        "village:A": villages[commune_a.id][0],
        "village:B": villages[commune_b.id][0],
    }
