"""Reads for review: the queue page, a visit's review sheet, its status history, the home
figures. Each function runs a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import g
from flask_babel import get_locale
from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from ..i18n import mask_phone
from ..models import Household, Place, Skill, User, Visit, VisitSkill
from ..permissions import FIELD_ROLES, can_review, is_field_member
from ..scope import subtree_condition, user_place, village_ids_in_area

PER_PAGE = 25
PER_PAGE_MAX = 100
#: tabs of the queue
QUEUE_STATUSES = ("submitted", "returned")
#: the most people offered in the queue's volunteer filter (choose a place to narrow it)
VOLUNTEER_OPTIONS_MAX = 200


def reviewable_condition(session: Session, user: User) -> ColumnElement[bool]:
    """A WHERE condition on Visit: the live visits ``user`` may review (see the module doc)."""
    if not can_review(user):
        return false()
    not_own = Visit.volunteer_id != user.id
    live = Visit.deleted_at.is_(None)
    if user.role == "team_lead":
        return and_(Visit.village_id == user.place_id, not_own, live)
    return and_(Visit.village_id.in_(village_ids_in_area(session, user)), not_own, live)


def skill_name(name_vi: str, name_en: str) -> str:
    """The skill's name in the page's language."""
    try:
        english = str(get_locale() or "vi") == "en"
    except (RuntimeError, AttributeError):
        english = False
    return name_en if english and name_en else name_vi


# --- the queue ------------------------------------------------------------------------------


@dataclass
class QueueFilters:
    status: str = "submitted"
    place: Place | None = None  #: inside the reviewer's area (checked by the caller)
    volunteer_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    skill_id: int | None = None
    page: int = 1
    per_page: int = PER_PAGE


@dataclass
class QueueRow:
    id: uuid.UUID
    visited_on: date
    status: str
    people_taught: int
    review_note: str | None
    head_name: str
    village_name: str
    volunteer_name: str
    skills: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class QueuePage:
    rows: list[QueueRow]
    #: status → number of visits matching the filters (the tabs' counts)
    counts: dict[str, int]
    status: str
    page: int
    per_page: int

    @property
    def total(self) -> int:
        return self.counts.get(self.status, 0)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _filter_conditions(session: Session, user: User, filters: QueueFilters) -> list:
    conditions = [reviewable_condition(session, user)]
    if filters.place is not None:
        conditions.append(
            Visit.village_id.in_(
                select(Place.id).where(subtree_condition(Place.path, filters.place.path))
            )
        )
    if filters.volunteer_id is not None:
        conditions.append(Visit.volunteer_id == filters.volunteer_id)
    if filters.date_from is not None:
        conditions.append(Visit.visited_on >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(Visit.visited_on <= filters.date_to)
    if filters.skill_id is not None:
        conditions.append(
            exists().where(VisitSkill.visit_id == Visit.id, VisitSkill.skill_id == filters.skill_id)
        )
    return conditions


def skills_of(session: Session, visit_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict]]:
    """The skills taught in each of ``visit_ids``, in catalogue order: one query."""
    by_visit: dict[uuid.UUID, list[dict]] = {visit_id: [] for visit_id in visit_ids}
    if not visit_ids:
        return by_visit
    rows = session.execute(
        select(VisitSkill.visit_id, VisitSkill.completed, Skill.code, Skill.name_vi, Skill.name_en)
        .join(Skill, Skill.id == VisitSkill.skill_id)
        .where(VisitSkill.visit_id.in_(visit_ids))
        .order_by(Skill.sort_order, Skill.id)
    ).all()
    for row in rows:
        by_visit[row.visit_id].append(
            {
                "code": row.code,
                "name": skill_name(row.name_vi, row.name_en),
                "completed": row.completed,
            }
        )
    return by_visit


def review_queue(session: Session, user: User, filters: QueueFilters) -> QueuePage:
    """One page of the queue, newest first, with the tab counts: three queries."""
    conditions = _filter_conditions(session, user, filters)
    counts = dict.fromkeys(QUEUE_STATUSES, 0)
    for status, count in session.execute(
        select(Visit.status, func.count())
        .where(*conditions, Visit.status.in_(QUEUE_STATUSES))
        .group_by(Visit.status)
    ).all():
        counts[status] = count
    pages = max(1, -(-counts.get(filters.status, 0) // filters.per_page))
    filters.page = min(max(1, filters.page), pages)
    newest_first = (Visit.visited_on.desc(), Visit.created_at.desc(), Visit.id)
    # the page's visits first, from the index alone (ix_visit_review_queue), then their names:
    # a province's reviewer would otherwise join every waiting visit before sorting
    page_ids = (
        select(Visit.id)
        .where(*conditions, Visit.status == filters.status)
        .order_by(*newest_first)
        .limit(filters.per_page)
        .offset((filters.page - 1) * filters.per_page)
        .subquery("page_ids")
    )
    page_rows = session.execute(
        select(
            Visit.id,
            Visit.visited_on,
            Visit.status,
            Visit.people_taught,
            Visit.review_note,
            Household.head_name,
            Place.name.label("village_name"),
            User.display_name,
            User.username,
        )
        .select_from(page_ids)
        .join(Visit, Visit.id == page_ids.c.id)
        .join(Household, Household.id == Visit.household_id)
        .join(Place, Place.id == Visit.village_id)
        .join(User, User.id == Visit.volunteer_id)
        .order_by(*newest_first)
    ).all()
    rows = [
        QueueRow(
            id=row.id,
            visited_on=row.visited_on,
            status=row.status,
            people_taught=row.people_taught,
            review_note=row.review_note,
            head_name=row.head_name,
            village_name=row.village_name,
            volunteer_name=row.display_name or row.username,
        )
        for row in page_rows
    ]
    skills = skills_of(session, [row.id for row in rows])
    for row in rows:
        row.skills = skills[row.id]
    return QueuePage(
        rows=rows,
        counts=counts,
        status=filters.status,
        page=filters.page,
        per_page=filters.per_page,
    )


# --- the queue's filter choices ---------------------------------------------------------------


def place_options(session: Session, root: Place, selected: Place | None) -> list[dict[str, Any]]:
    """The places offered in a place filter, as a drill-down: the root and its children, the
    chosen place's ancestors and its children; one query, a bounded number of rows."""
    parents = {root.id} | ({selected.id} if selected else set())
    chain = {root.id} | set(selected.ancestor_ids() if selected else [])
    places = session.scalars(
        select(Place)
        .where(
            subtree_condition(Place.path, root.path),
            or_(Place.parent_id.in_(parents), Place.id.in_(chain)),
        )
        .order_by(Place.sort_key, Place.id)
    ).all()
    children: dict[int | None, list[Place]] = {}
    for place in places:
        children.setdefault(place.parent_id, []).append(place)
    ordered: list[dict[str, Any]] = []

    def walk(place: Place) -> None:
        ordered.append({"id": place.id, "label": place.name, "level": place.depth - root.depth})
        for child in children.get(place.id, []):
            walk(child)

    walk(root)
    return ordered


def volunteer_options(
    session: Session, user: User, place: Place
) -> tuple[list[tuple[int, str]], bool]:
    """Team members under ``place`` (not ``user``), Vietnamese order; True when cut short."""
    from ..i18n import vi_sorted

    rows = session.execute(
        select(User.id, User.display_name, User.username)
        .join(Place, Place.id == User.place_id)
        .where(
            subtree_condition(Place.path, place.path),
            User.role.in_(FIELD_ROLES),
            User.id != user.id,
        )
        .order_by(User.display_name, User.id)
        .limit(VOLUNTEER_OPTIONS_MAX + 1)
    ).all()
    options = [(row.id, row.display_name or row.username) for row in rows]
    truncated = len(options) > VOLUNTEER_OPTIONS_MAX
    return vi_sorted(options[:VOLUNTEER_OPTIONS_MAX], key=lambda option: option[1]), truncated


def skill_options(session: Session) -> list[tuple[int, str]]:
    """Every skill of the catalogue (retired ones too: they stay in history)."""
    return [
        (skill.id, skill_name(skill.name_vi, skill.name_en))
        for skill in session.scalars(select(Skill).order_by(Skill.sort_order, Skill.id))
    ]


# --- one visit ------------------------------------------------------------------------------


@dataclass
class VisitSheet:
    """What a reviewer sees of a visit: only the personal data needed to judge it."""

    visit: Visit
    head_name: str
    phone_masked: str
    village_name: str
    volunteer_name: str
    reviewer_name: str
    skills: list[dict[str, Any]]


def visit_sheet(session: Session, visit: Visit) -> VisitSheet:
    """The review sheet of ``visit``: two queries."""
    volunteer, reviewer = aliased(User), aliased(User)
    row = session.execute(
        select(
            Household.head_name,
            Household.phone,
            Place.name.label("village_name"),
            volunteer.display_name.label("volunteer_name"),
            volunteer.username.label("volunteer_username"),
            reviewer.display_name.label("reviewer_name"),
            reviewer.username.label("reviewer_username"),
        )
        .select_from(Visit)
        .join(Household, Household.id == Visit.household_id)
        .join(Place, Place.id == Visit.village_id)
        .join(volunteer, volunteer.id == Visit.volunteer_id)
        .outerjoin(reviewer, reviewer.id == Visit.reviewed_by_id)
        .where(Visit.id == visit.id)
    ).one()
    return VisitSheet(
        visit=visit,
        head_name=row.head_name,
        phone_masked=mask_phone(row.phone),
        village_name=row.village_name,
        volunteer_name=row.volunteer_name or row.volunteer_username,
        reviewer_name=row.reviewer_name or row.reviewer_username or "",
        skills=skills_of(session, [visit.id])[visit.id],
    )


# --- home page ------------------------------------------------------------------------------

#: the returned visits shown on the home page (with their number and a link to all)
RETURNED_ON_HOME = 3


def returned_for_user(session: Session, user: User, limit: int = RETURNED_ON_HOME) -> dict:
    """``user``'s own returned visits, most recently returned first, with the reason: one
    query. ``{"items": [...], "total": n}``."""
    reviewer = aliased(User)
    rows = session.execute(
        select(
            Visit.id,
            Visit.visited_on,
            Visit.review_note,
            Visit.reviewed_at,
            Household.head_name,
            Place.name.label("village_name"),
            reviewer.display_name.label("reviewer_name"),
            reviewer.username.label("reviewer_username"),
            func.count().over().label("total"),
        )
        .join(Household, Household.id == Visit.household_id)
        .join(Place, Place.id == Visit.village_id)
        .outerjoin(reviewer, reviewer.id == Visit.reviewed_by_id)
        .where(
            Visit.volunteer_id == user.id,
            Visit.status == "returned",
            Visit.deleted_at.is_(None),
        )
        .order_by(Visit.reviewed_at.desc(), Visit.visited_on.desc(), Visit.id)
        .limit(limit)
    ).all()
    items = [
        {
            "id": row.id,
            "visited_on": row.visited_on,
            "reason": row.review_note or "",
            "reviewed_at": row.reviewed_at,
            "head_name": row.head_name,
            "village_name": row.village_name,
            "reviewer_name": row.reviewer_name or row.reviewer_username or "",
        }
        for row in rows
    ]
    return {"items": items, "total": rows[0].total if rows else 0}


def waiting_count(session: Session, user: User) -> int:
    """Submitted visits ``user`` may review: one query."""
    return session.scalar(
        select(func.count())
        .select_from(Visit)
        .where(reviewable_condition(session, user), Visit.status == "submitted")
    )


def waiting_for_review(session: Session, user: User) -> int | None:
    """``waiting_count`` once per request (the home page and the navigation both show it);
    None for a user who does not review."""
    if not can_review(user) or user_place(session, user) is None:
        return None
    counted = g.setdefault("_review_waiting", {})
    if user.id not in counted:
        counted[user.id] = waiting_count(session, user)
    return counted[user.id]


def review_home_figures(session: Session, user: User) -> dict[str, Any]:
    """The home page's review figures: the user's returned visits (authors: the number and
    the latest ``RETURNED_ON_HOME``) and the number of visits waiting for their review."""
    figures: dict[str, Any] = {}
    if is_field_member(user):
        figures["returned_for_me"] = returned_for_user(session, user)
    waiting = waiting_for_review(session, user)
    if waiting is not None:
        figures["review_waiting"] = waiting
    return figures
