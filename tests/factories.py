"""Plain factory functions for tests. They use the services, then commit."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from cdt_app.i18n import duplicate_key, search_key, sort_key, today_local
from cdt_app.models import (
    Household,
    Place,
    Skill,
    User,
    Visit,
    VisitSkill,
    VisitStatusChange,
    utcnow,
)
from cdt_app.places.services import PlaceInput, create_place
from cdt_app.users.services import UserInput, create_user

PASSWORD = "demo-cds-2026"
_counter = itertools.count(1)


def make_place(
    session: Session,
    name: str | None = None,
    kind: str = "tinh",
    parent: Place | None = None,
    code: str = "",
    target: int | None = None,
) -> Place:
    n = next(_counter)
    place = create_place(
        session,
        None,
        PlaceInput(
            name=name or f"Nơi {n}",
            kind=kind,
            code=code or ("" if kind in _VILLAGE else f"P{n}"),
            parent_id=parent.id if parent else None,
            target_households=target,
        ),
    )
    session.commit()
    return place


_VILLAGE = {
    "thon",
    "khu_pho",
    "to_dan_pho",
    "ap",
    "ban",
    "buon",
    "lang",
    "bon",
    "phum",
    "soc",
    "khoi_pho",
    "khom",
    "tieu_khu",
}


def make_user(
    session: Session,
    role: str,
    place: Place | None,
    username: str | None = None,
    password: str = PASSWORD,
    name: str = "",
) -> User:
    n = next(_counter)
    user = create_user(
        session,
        None,
        UserInput(
            username=username or f"{role}{n}",
            display_name=name or f"Người {n}",
            role=role,
            place_id=place.id if place else None,
            password=password,
        ),
    )
    session.commit()
    return user


def make_village(session: Session, name: str = "Thôn A") -> Place:
    """A village under a commune under a province: the place of a volunteer or a team lead
    (DESIGN section 1: their place must be a village)."""
    province = make_place(session, kind="tinh")
    return make_place(session, name, "thon", make_place(session, kind="xa", parent=province))


def make_tree(session: Session) -> dict[str, Place]:
    """A province with two communes, each with two villages."""
    province = make_place(session, "Tỉnh Thử Nghiệm", "tinh")
    commune_a = make_place(session, "Xã An Bình", "xa", province)
    commune_b = make_place(session, "Phường Bình An", "phuong", province)
    return {
        "province": province,
        "commune_a": commune_a,
        "commune_b": commune_b,
        "village_a1": make_place(session, "Thôn Một", "thon", commune_a, target=100),
        "village_a2": make_place(session, "Thôn Hai", "thon", commune_a, target=50),
        "village_b1": make_place(session, "Khu phố Ba", "khu_pho", commune_b, target=80),
        "village_b2": make_place(session, "Khu phố Bốn", "khu_pho", commune_b),
    }


def make_household(
    session: Session,
    village: Place,
    creator: User | None = None,
    head_name: str = "Nguyễn Văn An",
    address: str = "",
    phone: str | None = None,
    members: int = 4,
    **fields,
) -> Household:
    """A household inserted directly (consent given), with its search and sort keys."""
    household = Household(
        village_id=village.id,
        head_name=head_name,
        address=address,
        phone=phone,
        members=members,
        consent=True,
        consent_by_id=creator.id if creator else None,
        consent_at=utcnow(),
        created_by_id=creator.id if creator else None,
        search_key=search_key(f"{head_name} {address} {phone or ''}"),
        duplicate_key=duplicate_key(head_name),
        sort_key=sort_key(head_name),
        **fields,
    )
    session.add(household)
    session.commit()
    return household


def make_visit(
    session: Session,
    household: Household,
    volunteer: User,
    visited_on: date | None = None,
    skills: dict[str, bool] | None = None,
    status: str = "submitted",
    people_taught: int = 1,
    **fields,
) -> Visit:
    """A visit inserted directly; ``skills`` maps skill code → completed."""
    visit = Visit(
        household_id=household.id,
        village_id=household.village_id,
        volunteer_id=volunteer.id,
        visited_on=visited_on or today_local(),
        people_taught=people_taught,
        status=status,
        **fields,
    )
    session.add(visit)
    session.flush()
    codes = skills if skills is not None else {"vneid": True}
    by_code = {s.code: s for s in session.scalars(select(Skill).where(Skill.code.in_(codes)))}
    for code, completed in codes.items():
        session.add(VisitSkill(visit_id=visit.id, skill_id=by_code[code].id, completed=completed))
    session.add(VisitStatusChange(visit_id=visit.id, to_status="submitted", actor_id=volunteer.id))
    session.commit()
    return visit


@dataclass
class World:
    """What ``build_world`` made, each by its key. ``world[key]`` is a field (``tree``,
    ``people``…) or the one place, person, household or visit of the world with that key."""

    tree: dict[str, Place]  #: make_tree's places
    people: dict[str, User] = field(default_factory=dict)
    households: dict[str, Household] = field(default_factory=dict)
    visits: dict[str, Visit] = field(default_factory=dict)
    today: date = field(default_factory=today_local)  #: the day the world was built

    @property
    def province(self) -> Place:
        return self.tree["province"]

    @property
    def communes(self) -> list[Place]:
        return [self.tree["commune_a"], self.tree["commune_b"]]

    @property
    def villages(self) -> list[Place]:
        return [place for key, place in self.tree.items() if key.startswith("village_")]

    def __getitem__(self, key: str) -> Any:
        if key in self.__dataclass_fields__:
            return getattr(self, key)
        found = [g[key] for g in (self.tree, self.people, self.households, self.visits) if key in g]
        if len(found) != 1:
            raise KeyError(f"{key!r} names {len(found)} things of the world")
        return found[0]


Spec = tuple  #: positional arguments, then optionally a dict of keyword arguments


def _split(spec: Spec) -> tuple[list, dict]:
    if spec and isinstance(spec[-1], dict):
        return list(spec[:-1]), spec[-1]
    return list(spec), {}


def build_world(
    session: Session,
    people: dict[str, Spec] | None = None,
    households: dict[str, Spec] | None = None,
    visits: dict[str, Spec] | None = None,
) -> World:
    """make_tree's province, then the people, households and visits asked for, in that order.

    Each spec holds the arguments of make_user, make_household or make_visit after the session,
    with the place, the creator, the household and the volunteer named by their key in the
    world (None for none), and may end with a dict of keyword arguments (a dict at the end is
    always taken for them: make_visit's skills, when last, go by name):
    ``people={"tn": ("volunteer", "village_a1", "tn", {"name": "Lê Thị Hoa"})}``,
    ``households={"an": ("village_a1", "tn", "Nguyễn Văn An", {"members": 4})}``,
    ``visits={"v1": ("an", "tn", {"status": "approved"})}``.
    """
    world = World(make_tree(session))
    for key, spec in (people or {}).items():
        (role, place, *rest), kwargs = _split(spec)
        world.people[key] = make_user(session, role, _get(world.tree, place), *rest, **kwargs)
    for key, spec in (households or {}).items():
        (village, creator, *rest), kwargs = _split(spec)
        world.households[key] = make_household(
            session, world.tree[village], _get(world.people, creator), *rest, **kwargs
        )
    for key, spec in (visits or {}).items():
        (household, volunteer, *rest), kwargs = _split(spec)
        world.visits[key] = make_visit(
            session, world.households[household], world.people[volunteer], *rest, **kwargs
        )
    return world


def _get(group: dict, key: str | None):
    return group[key] if key is not None else None
