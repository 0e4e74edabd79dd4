"""Reviewing visits: who may review which visit, and approve / return with a reason.

Who reviews (DESIGN sections 1 and 6):

- coordinators: the visits whose village lies inside their area;
- team leads: the visits of their own village (their team), never their own;
- administrators: like coordinators, inside their area (they may do everything);
- staff read coverage and exports but do not judge the teams' work: they do not review;
- volunteers never review.

Nobody reviews a visit they wrote, and nobody approves a visit whose content they wrote or
changed (the visits service lets only the author change it; the audit log's content entries,
which erasure keeps, tell who did before that rule). Services flush, never commit.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlmodel import Session

from ..audit import diff, record, snapshot
from ..errors import ValidationError
from ..models import IllegalTransition, User, Visit
from ..permissions import can_review
from ..scope import place_id_in_area
from ..values import BadValue, parse_uuid
from ..visits.services import content_writers
from .queries import reviewable_condition

#: review action → the status it leads to
ACTIONS = {"approve": "approved", "return": "returned"}
REASON_MAX = 500
#: the most visits approved by one "approve the selection" request
BATCH_MAX = 100
_AUDITED = ("status", "review_note", "reviewed_by_id")


class ReviewNotAllowed(Exception):
    """The actor may not review this visit (HTTP 403)."""


class ReviewConflict(Exception):
    """The visit's status does not allow the action, e.g. it is already approved (HTTP 409)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def in_review_area(session: Session, user: User, visit: Visit) -> bool:
    """Is the (live) visit inside the part of the area ``user`` reviews? Outside: 404."""
    if not can_review(user) or visit.deleted_at is not None:
        return False
    if user.role == "team_lead":
        return visit.village_id == user.place_id
    return place_id_in_area(session, user, visit.village_id)


def can_review_visit(session: Session, actor: User, visit: Visit) -> bool:
    """May ``actor`` approve or return ``visit`` (whatever its current status)?"""
    return in_review_area(session, actor, visit) and visit.volunteer_id != actor.id


def load_visit_for_review(
    session: Session, actor: User, visit_id: uuid.UUID, *, lock: bool = False
) -> Visit | None:
    """The visit if it is inside ``actor``'s review area, else None (the caller answers 404).

    ``lock`` reads it FOR UPDATE (PostgreSQL) so that two reviewers cannot both move it; on
    SQLite writing requests already hold the database's write lock.
    """
    query = select(Visit).where(Visit.id == visit_id)
    if lock:
        query = query.with_for_update()
    visit = session.scalars(query).first()
    if visit is None or not in_review_area(session, actor, visit):
        return None
    return visit


def clean_reason(value: object) -> str:
    """The reviewer's reason as one NFC line without control characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({"reason": _("The reason must be text.")})
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cs") else ch for ch in value)
    return " ".join(unicodedata.normalize("NFC", text).split())


def _conflict_message(visit: Visit, to_status: str) -> str:
    if visit.status == "approved":
        return _("This visit has already been approved.")
    if visit.status == to_status == "returned":
        return _("This visit has already been returned to its author.")
    return _("This visit cannot be reviewed in its current state.")


def review_visit(
    session: Session,
    actor: User,
    visit: Visit,
    action: str,
    reason: object = None,
    *,
    writers: set[int] | None = None,
) -> Visit:
    """Approve or return ``visit`` (a reason is required to return), with history and audit.

    ``writers``: who wrote its content, when the caller has read it (``content_writers``).
    Raises ReviewNotAllowed (403: not a visit of the actor's to review, or an approval of
    content the actor wrote), ValidationError (400: bad action or reason) or ReviewConflict
    (409: the status does not allow it, e.g. already approved).
    """
    if not can_review_visit(session, actor, visit):
        raise ReviewNotAllowed()
    if not isinstance(action, str) or action not in ACTIONS:
        raise ValidationError({"action": _("Choose whether to approve or return the visit.")})
    if action == "approve":
        if writers is None:
            writers = content_writers(session, [visit])[visit.id]
        if actor.id in writers:
            raise ReviewNotAllowed()
    text = clean_reason(reason)
    if action == "return" and not text:
        raise ValidationError({"reason": _("Please write the reason for returning the visit.")})
    if len(text) > REASON_MAX:
        raise ValidationError(
            {"reason": _("The reason is too long (at most %(n)d characters).", n=REASON_MAX)}
        )
    to_status = ACTIONS[action]
    before = snapshot(visit, _AUDITED)
    try:
        change = visit.change_status(to_status, actor.id, text or None)
    except IllegalTransition as error:
        raise ReviewConflict(_conflict_message(visit, to_status)) from error
    session.add(change)
    record(
        session,
        actor,
        "review",
        visit,
        diff(before, snapshot(visit, _AUDITED)),
        place_id=visit.village_id,
    )
    session.flush()
    return visit


@dataclass
class BatchResult:
    approved: list[Visit] = field(default_factory=list)
    #: selected visits that could not be approved (already approved, not reviewable, gone)
    skipped: int = 0


def parse_visit_ids(raw_ids: list[str]) -> list[uuid.UUID]:
    """The valid, distinct UUIDs among ``raw_ids`` (at most BATCH_MAX), in order."""
    seen: dict[uuid.UUID, None] = {}
    for raw in raw_ids[: BATCH_MAX * 2]:
        try:
            seen.setdefault(parse_uuid(raw), None)
        except BadValue:
            continue
    return list(seen)[:BATCH_MAX]


def approve_many(session: Session, actor: User, raw_ids: list[str]) -> BatchResult:
    """Approve the selected visits that ``actor`` may approve; count the others as skipped."""
    ids = parse_visit_ids(raw_ids)
    if not ids:
        raise ValidationError({"visit_ids": _("Select at least one visit.")})
    visits = session.scalars(
        select(Visit)
        .where(Visit.id.in_(ids), reviewable_condition(session, actor))
        .order_by(Visit.visited_on.desc(), Visit.id)
        .with_for_update()
    ).all()
    result = BatchResult(skipped=len(ids) - len(visits))
    writers = content_writers(session, list(visits))
    for visit in visits:
        try:
            review_visit(session, actor, visit, "approve", writers=writers[visit.id])
        except (ReviewConflict, ReviewNotAllowed):
            result.skipped += 1
        else:
            result.approved.append(visit)
    return result
