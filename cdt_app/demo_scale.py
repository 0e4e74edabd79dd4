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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select
from sqlmodel import Session

from .db import new_session
from .demo import GIVEN as DEMO_GIVEN
from .demo import MIDDLE as DEMO_MIDDLE
from .i18n import search_key, sort_key, today_local
from .models import Household, Place, Skill, User, Visit, VisitSkill, utcnow

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


# --- bulk writing, per engine -----------------------------------------------------------------


class BulkWriter:
    """Append rows of Python values to a table on the session's own connection, fast."""

    def __init__(self, session: Session, table: sa.Table, columns: list[str]):
        self.connection = session.connection()
        self.dialect = self.connection.dialect.name
        self.table = table
        self.columns = columns
        names = ", ".join(columns)
        if self.dialect == "postgresql":
            self.sql = f"COPY {table.name} ({names}) FROM STDIN"  # noqa: S608  # nosec B608
        else:
            marks = ", ".join("?" for _ in columns)
            self.sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608  # nosec B608
            self.convert = [self._sqlite_converter(table.c[name].type) for name in columns]

    def _sqlite_converter(self, column_type) -> Callable[[Any], Any]:
        processor = column_type.bind_processor(self.connection.dialect)
        if isinstance(column_type, sa.Uuid):
            return lambda value: value.hex if value is not None else None
        if isinstance(column_type, sa.Date) and not isinstance(column_type, sa.DateTime):
            return lambda value: value.isoformat() if value is not None else None
        if processor is None:
            return lambda value: value
        cache: dict[Any, Any] = {}

        def convert(value):  # datetimes and booleans repeat: process each distinct value once
            if value not in cache:
                if len(cache) > 1000:
                    cache.clear()
                cache[value] = processor(value)
            return cache[value]

        return convert

    def write(self, rows: Iterable[tuple]) -> int:
        raw = self.connection.connection.driver_connection
        count = 0
        if self.dialect == "postgresql":
            with raw.cursor() as cursor, cursor.copy(self.sql) as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        converted = [
            tuple(convert(value) for convert, value in zip(self.convert, row, strict=True))
            for row in rows
        ]
        cursor = raw.cursor()
        cursor.executemany(self.sql, converted)
        cursor.close()
        return len(converted)


# --- invented people --------------------------------------------------------------------------

SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "K'",
    "Ka",
    "Bố",
    "Nai",
]
MIDDLE = [*DEMO_MIDDLE, "Thu", "Kim"]
GIVEN = [
    *DEMO_GIVEN,
    "Hạnh",
    "Khoa",
    "Lộc",
    "Nhung",
    "Oanh",
    "Sơn",
    "Tuấn",
    "Vy",
    "Xuân",
    "H'Hen",
]
VILLAGE_WORDS = [
    "Phú",
    "Lạc",
    "Tân",
    "An",
    "Hòa",
    "Bình",
    "Thạnh",
    "Đông",
    "Tây",
    "Nam",
    "Bắc",
    "Long",
    "Hải",
    "Sơn",
    "Lâm",
    "Mỹ",
    "Xuân",
    "Quý",
    "Trung",
    "Hiệp",
]
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


class _Names:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.keys: dict[str, tuple[str, str]] = {}

    def person(self) -> tuple[str, str, str]:
        """(name, search key, sort key), keys computed once per distinct name."""
        rng = self.rng
        name = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        if name not in self.keys:
            self.keys[name] = (search_key(name), sort_key(name))
        return name, *self.keys[name]


# --- the loader -------------------------------------------------------------------------------


def load_province_scale(sizes: ScaleSizes | None = None, echo: Callable[[str], None] = print):
    """Load the province-scale demo data set; returns a summary (Vietnamese) for the terminal."""
    from . import demo
    from .places.importer import import_places, read_rows
    from .reports.aggregates import SKIP, rebuild_all
    from .skills.seed import seed_skills
    from .users.services import UserInput, create_user

    sizes = sizes or ScaleSizes.from_environment()
    rng = random.Random(sizes.seed)  # noqa: S311 (demo data, not security)
    started = time.perf_counter()
    with new_session() as session:
        session.info[SKIP] = True
        seed_skills(session)
        if session.scalar(select(User.id).where(User.username == "admin")) is not None:
            return "Dữ liệu minh họa đã có sẵn."
        if session.scalar(select(Household.id).limit(1)) is not None:
            return "Cơ sở dữ liệu đã có hộ gia đình: hãy dùng một cơ sở dữ liệu trống."
        import_places(
            session, None, read_rows(demo.PLACES_FILE.name, demo.PLACES_FILE.read_bytes())
        )
        communes = list(
            session.scalars(select(Place).where(Place.level == "commune").order_by(Place.code))
        )
        province = session.scalar(select(Place).where(Place.level == "province"))
        villages = _make_villages(session, communes, sizes, rng)
        session.commit()
        echo(
            f"{sum(len(rows) for rows in villages.values())} thôn, khu phố "
            f"({time.perf_counter() - started:.0f} s)"
        )

        password_hash = create_user(
            session,
            None,
            UserInput(
                username="tinhnguyen",
                display_name="Nguyễn Thị Tình Nguyện",
                role="volunteer",
                place_id=villages[communes[0].id][0].id,
                password=demo.DEMO_PASSWORD,
            ),
        ).password_hash
        session.flush()
        team = _make_volunteers(session, villages, sizes, password_hash, rng)
        session.commit()
        echo(f"{sum(len(t) for t in team.values())} tình nguyện viên")

        skills = {s.code: s.id for s in session.scalars(select(Skill))}
        codes = [code for code in SKILL_WEIGHTS if code in skills]
        weights = [SKILL_WEIGHTS[code] for code in codes]
        reviewer = team[villages[communes[0].id][0].id][0]
        per_household = sizes.visits / max(1, sizes.households)
        village_count = sum(len(rows) for rows in villages.values())
        _fast_sqlite(session, True)
        today = today_local()
        totals = {"households": 0, "visits": 0, "skills": 0}
        names = _Names(rng)
        writers = _writers(session)
        for index, commune in enumerate(communes):
            for village in villages[commune.id]:
                made = _fill_village(
                    writers,
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
                writers = _writers(session)
                echo(
                    f"{index + 1}/{len(communes)} xã: {totals['households']} hộ, "
                    f"{totals['visits']} lượt ({time.perf_counter() - started:.0f} s)"
                )
        _fast_sqlite(session, False)
        _set_village_targets(session, villages, rng)
        session.commit()

        _demo_accounts(session, province, communes, villages, demo, create_user, UserInput)
        session.commit()

        session.info.pop(SKIP, None)
        refreshed = rebuild_all(session)
        session.commit()
        _analyze(session)
    seconds = time.perf_counter() - started
    return "\n".join(
        [
            f"Đã nạp dữ liệu quy mô tỉnh trong {seconds:.0f} giây: {refreshed} thôn, khu phố, "
            f"{sum(len(t) for t in team.values())} tình nguyện viên, {totals['households']} hộ, "
            f"{totals['visits']} lượt hướng dẫn, {totals['skills']} nội dung.",
            f"Tài khoản (mật khẩu {demo.DEMO_PASSWORD}): "
            + ", ".join(account[0] for account in demo.ACCOUNTS),
        ]
    )


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
            name, folded, key = names.person()
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


def _fast_sqlite(session: Session, on: bool) -> None:
    """SQLite: no fsync while loading (a crash means loading again), normal afterwards."""
    session.commit()
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        # the level cannot change inside a transaction: step out of the one just begun
        raw.execute("COMMIT")
        raw.execute(f"PRAGMA synchronous={'OFF' if on else 'FULL'}")
        raw.execute(f"PRAGMA cache_size={-400_000 if on else -2000}")
        raw.execute("BEGIN IMMEDIATE")


def _optional(model, values: dict[str, Any]) -> dict[str, Any]:
    """Only the fields ``model`` has (other engineers may add or drop columns)."""
    return {k: v for k, v in values.items() if k in model.__table__.c}


def _writers(session: Session) -> dict[str, BulkWriter]:
    return {
        "household": BulkWriter(session, Household.__table__, HOUSEHOLD_COLUMNS),
        "visit": BulkWriter(session, Visit.__table__, VISIT_COLUMNS),
        "visit_skill": BulkWriter(
            session, VisitSkill.__table__, ["visit_id", "skill_id", "completed"]
        ),
    }


HOUSEHOLD_COLUMNS = [
    "id",
    "village_id",
    "head_name",
    "address",
    "phone",
    "members",
    "smartphone_members",
    "consent",
    "consent_by_id",
    "consent_at",
    "notes",
    "search_key",
    "sort_key",
    "created_by_id",
    "created_at",
    "updated_at",
]
VISIT_COLUMNS = [
    "id",
    "household_id",
    "village_id",
    "volunteer_id",
    "visited_on",
    "people_taught",
    "notes",
    "status",
    "review_note",
    "reviewed_by_id",
    "reviewed_at",
    "created_at",
    "updated_at",
    "deleted_at",
]


def _fill_village(
    writers: dict[str, BulkWriter],
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
        name, folded, key = names.person()
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
                key,
                author.id,
                now,
                now,
            )
        )
    writers["household"].write(households)

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
    writers["visit"].write(visits)
    writers["visit_skill"].write(visit_skills)
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


def _demo_accounts(session, province, communes, villages, demo, create_user, UserInput) -> None:
    """The accounts of DESIGN section 8 (tinhnguyen exists already)."""
    by_code = {c.code: c for c in communes}
    commune_a = by_code.get(demo.COMMUNE_A, communes[0])
    commune_b = by_code.get(demo.COMMUNE_B, communes[-1])
    village_a = villages[commune_a.id][0]
    village_b = villages[commune_b.id][0]
    tinhnguyen = session.scalar(select(User).where(User.username == "tinhnguyen"))
    tinhnguyen.place_id = village_a.id
    places = {
        "68": province,
        demo.COMMUNE_A: commune_a,
        "village:A": village_a,
        "village:B": village_b,
    }
    for username, name, role, where in demo.ACCOUNTS:
        if username == "tinhnguyen":
            continue
        create_user(
            session,
            None,
            UserInput(
                username=username,
                display_name=name,
                role=role,
                place_id=places.get(where, province).id,
                password=demo.DEMO_PASSWORD,
            ),
        )
    session.flush()


def _analyze(session: Session) -> None:
    """Fresh planner statistics after the bulk load."""
    engine = session.get_bind()
    session.commit()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
