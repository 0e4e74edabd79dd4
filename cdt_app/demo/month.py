"""A month of door-to-door work in one demo village, written through the real services.

Households are registered with ``save_household``, visits logged and fixed with
``save_visit`` and reviewed with ``review_visit``: the status history, the reviewer, the
review date, the reason and the audit log are those of the real path. Each step happens on a
day of the past month (Asia/Ho_Chi_Minh working hours, never after now): ``dated`` gives the
rows a step writes that moment as their time.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import event, inspect
from sqlmodel import Session

from ..households.services import save_household
from ..i18n import TZ
from ..models import Household, Place, User, Visit
from ..review.services import review_visit
from ..visits.services import save_visit
from .common import SKILL_WEIGHTS, person_name
from .profiles import date_registration, registration_profile, visit_profile

DEMO_NOTE = "Dữ liệu minh họa"
RETURN_REASONS = [
    "Thiếu số người được hướng dẫn, đề nghị bổ sung.",
    "Chưa ghi rõ hộ đã tự làm được nội dung nào.",
    "Ngày hướng dẫn chưa khớp với lịch của tổ, đề nghị kiểm tra lại.",
    "Đề nghị ghi rõ kết quả kích hoạt VNeID mức 2 của hộ.",
]
VISIT_NOTES = [
    "Hộ hẹn hướng dẫn thêm vào cuối tuần.",
    "Con cháu trong nhà cùng học để hướng dẫn lại ông bà.",
    "Điện thoại của hộ đã cũ, chỉ cài được một số ứng dụng.",
    "Hộ đã tự đăng ký một dịch vụ công ngay trong buổi hướng dẫn.",
]
FIX_NOTE = "Đã bổ sung theo góp ý của người duyệt."
#: share of the reached households visited a second time
REPEAT_SHARE = 0.25
#: share of the visits returned and then fixed by their author
RETURN_SHARE = 0.07
_CLOCK = "cdt_demo_clock"
#: the time columns the services fill with "now"
_STAMPED = ("created_at", "updated_at", "consent_at", "reviewed_at", "at")


def _stamp(session: Session, _context, _instances) -> None:
    moment = session.info.get(_CLOCK)
    if moment is None:
        return
    for obj in session.new:
        for name in _STAMPED:
            if getattr(obj, name, None) is not None:
                setattr(obj, name, moment)
    for obj in session.dirty:
        attrs = inspect(obj).attrs
        for name in _STAMPED:
            if name in attrs and attrs[name].history.added:
                setattr(obj, name, moment)


def use_clock(session: Session) -> None:
    """Let ``dated`` blocks on ``session`` date what they write (this session only)."""
    event.listen(session, "before_flush", _stamp)


@contextmanager
def dated(session: Session, moment: datetime) -> Iterator[None]:
    """What the services write inside the block is dated ``moment`` (flushed at the end)."""
    session.info[_CLOCK] = moment
    try:
        yield
        session.flush()
    finally:
        session.info.pop(_CLOCK, None)


@dataclass(frozen=True)
class VillagePlan:
    """How far one demo village has come: its target and its team's month."""

    name: str
    kind: str
    target: int | None  #: None: no official figure yet (households registered count instead)
    reach: float  #: share of the target (or of ``households``) reached by now
    start: int  #: the team's first visit, in days before today
    stop: int = 0  #: its last visit, in days before today (0: still at work)
    volunteers: int = 1  #: members besides the team lead (-1: no team yet)
    households: int = 0  #: registered households when there is no target


@dataclass
class Team:
    village: Place
    plan: VillagePlan
    members: list[User]  #: the team lead first
    coordinator: User  #: of the commune: reviews the team lead's visits, and some others
    #: username → visits of that member left returned, waiting for their fix
    open_returns: dict[str, int] = field(default_factory=dict)


@dataclass
class Tally:
    """What the loader wrote, for its summary."""

    households: int = 0
    visits: int = 0
    returned: int = 0  #: left returned, waiting for their author's fix
    submitted: int = 0  #: waiting for review


class Clock:
    """Moments of the past month, in working hours, never after ``now``."""

    def __init__(self, rng: random.Random, now: datetime):
        self.rng, self.now = rng, now
        self.today = now.astimezone(TZ).date()

    def on(self, day: date, after: datetime | None = None) -> datetime:
        """A moment of ``day`` (after ``after`` if given, on the same day or not)."""
        # as many draws whatever the hour, so that the data do not depend on it
        minutes = self.rng.randint(7 * 60 + 30, 17 * 60 + 30)
        gap, share = timedelta(minutes=self.rng.randint(20, 90)), self.rng.random()
        local = datetime.combine(day, time(minutes // 60, minutes % 60), TZ)
        moment = local.astimezone(UTC)
        if after is not None and moment <= after:
            moment = after + gap
        latest = self.now - timedelta(minutes=2)
        if moment <= latest:
            return moment
        # later today than now: some time between the start of the day (or ``after``) and now
        floor = datetime.combine(day, time(0), TZ).astimezone(UTC)
        floor = max(floor, after) if after is not None else floor
        return floor + (latest - floor) * share if latest > floor else latest

    def later(self, moment: datetime, days: tuple[int, int]) -> datetime | None:
        """A moment ``days`` later (a random number in the range), or None if not yet come."""
        day = moment.astimezone(TZ).date() + timedelta(days=self.rng.randint(*days))
        if day > self.today:
            return None
        candidate = self.on(day, after=moment)
        return candidate if candidate > moment else None


def _household_data(village: Place, number: int, rng: random.Random) -> dict:
    members = rng.randint(1, 7)
    lane = "xóm" if village.kind == "thon" else "hẻm"
    phone = f"0{rng.choice('3789')}{rng.randint(10_000_000, 99_999_999)}"
    return {
        "village_id": village.id,
        "head_name": person_name(rng),
        "address": f"Số {number}, {lane} {rng.randint(1, 6)}",
        "phone": phone if rng.random() < 0.7 else None,
        "members": members,
        **registration_profile(members, rng),
        "consent": True,
        "notes": DEMO_NOTE,
    }


def _visit_data(household: Household, day: date, rng: random.Random) -> dict:
    codes = list(SKILL_WEIGHTS)
    chosen = set(rng.choices(codes, list(SKILL_WEIGHTS.values()), k=rng.randint(1, 3)))
    return {
        "household_id": household.id,
        "visited_on": day,
        "skills": [{"code": code, "completed": rng.random() < 0.6} for code in sorted(chosen)],
        "people_taught": rng.randint(1, min(3, household.members)),
        "notes": rng.choice(VISIT_NOTES) if rng.random() < 0.15 else "",
        "profile": visit_profile(household, rng),
    }


#: (household number in the village, day, author) of each visit
Schedule = list[tuple[int, date, User]]


def _schedule(team: Team, clock: Clock, rng: random.Random) -> Schedule:
    """Every visit of the month, oldest first. The pace grows as the team gets going, so
    coverage climbs slowly at first; a quarter of the households are visited twice."""
    plan, today = team.plan, clock.today
    first_day, last_day = today - timedelta(days=plan.start), today - timedelta(days=plan.stop)
    span = (last_day - first_day).days
    reached = round((plan.target or plan.households) * plan.reach)
    visits = []
    lead, *others = team.members
    for number in range(1, reached + 1):
        day = first_day + timedelta(days=round(span * rng.random() ** (1 / 1.6)))
        author = lead if not others or rng.random() < 0.35 else rng.choice(others)
        visits.append((number, day, author))
        again = day + timedelta(days=rng.randint(3, 10))
        if rng.random() < REPEAT_SHARE and again <= last_day:
            visits.append((number, again, author))
    return sorted(visits, key=lambda v: (v[1], v[0]))


def _reviewer(team: Team, author: User, rng: random.Random) -> User:
    lead = team.members[0]
    if author.id == lead.id or rng.random() < 0.35:
        return team.coordinator
    return lead


def _pick_open_returns(team: Team, schedule: Schedule, today: date, rng: random.Random) -> set[int]:
    """Indexes in ``schedule`` of the visits left returned: recent ones, reviewed already."""
    chosen: set[int] = set()
    for username, count in team.open_returns.items():
        recent = [
            index
            for index, (_number, day, author) in enumerate(schedule)
            if author.username == username and 3 <= (today - day).days <= 14
        ]
        chosen.update(rng.sample(recent, min(count, len(recent))))
    return chosen


def work_village(
    session: Session, team: Team, clock: Clock, rng: random.Random, tally: Tally
) -> None:
    """Register, visit and review one village's month (see the module docstring)."""
    schedule = _schedule(team, clock, rng)
    left_open = _pick_open_returns(team, schedule, clock.today, rng)
    households: dict[int, Household] = {}
    for index, (number, day, author) in enumerate(schedule):
        logged = clock.on(day)
        if number not in households:
            with dated(session, logged - timedelta(minutes=10)):
                data = _household_data(team.village, number, rng)
                households[number] = save_household(session, author, data)
                date_registration(session, households[number], day)
        data = _visit_data(households[number], day, rng)
        with dated(session, logged):
            visit = save_visit(session, author, data)
        _review(session, team, visit, data, author, index in left_open, clock, rng, tally)
    tally.households += len(households)
    tally.households += _register_unvisited(session, team, len(households), clock, rng)
    tally.visits += len(schedule)


def _review(
    session: Session,
    team: Team,
    visit: Visit,
    data: dict,
    author: User,
    leave_open: bool,
    clock: Clock,
    rng: random.Random,
    tally: Tally,
) -> None:
    """The reviewer's decision a few days later. A returned visit is fixed by its author and
    approved, unless it is one of those left for the author to fix (``leave_open``)."""
    reviewer = _reviewer(team, author, rng)
    reviewed = clock.later(visit.created_at, (1, 2) if leave_open else (0, 3))
    if reviewed is None:
        tally.submitted += 1
        return
    fixed = None
    if not leave_open and rng.random() < RETURN_SHARE:
        fixed = clock.later(reviewed, (0, 2))  # too recent for a fix: approved instead
    with dated(session, reviewed):
        if leave_open or fixed is not None:
            review_visit(session, reviewer, visit, "return", rng.choice(RETURN_REASONS))
        else:
            review_visit(session, reviewer, visit, "approve")
    if leave_open:
        tally.returned += 1
    if fixed is None:
        return
    household = session.get(Household, visit.household_id)
    data = {**data, "notes": FIX_NOTE}
    data["people_taught"] = min(household.members, data["people_taught"] + 1)
    with dated(session, fixed):
        save_visit(session, author, data, visit=visit)
    approved = clock.later(fixed, (0, 2))
    if approved is None:
        tally.submitted += 1
        return
    with dated(session, approved):
        review_visit(session, reviewer, visit, "approve")


def _register_unvisited(
    session: Session, team: Team, visited: int, clock: Clock, rng: random.Random
) -> int:
    """A few households registered but not visited yet (the visit was put off)."""
    plan = team.plan
    size = plan.target or plan.households
    extra = max(0, size - visited)
    if plan.target is not None:
        extra = min(extra, round(size * rng.uniform(0.03, 0.08)))
    first = clock.today - timedelta(days=plan.start)
    span = max(0, plan.start - plan.stop)
    for number in range(visited + 1, visited + extra + 1):
        day = first + timedelta(days=rng.randint(0, span))
        with dated(session, clock.on(day)):
            author = rng.choice(team.members)
            household = save_household(session, author, _household_data(team.village, number, rng))
            date_registration(session, household, day)
    return extra
