"""Applying the items of a sync batch (DESIGN section 8). Services flush, never commit.

Each item is idempotent by its client-made UUID, the primary key of its table. A replay of the
same payload answers ``unchanged`` (told apart by ``payload_hash``); a new payload updates the
record while its author may still edit it, and is a ``conflict`` (with the server's copy)
otherwise. Validation is the households and visits services' own: this module never checks a
field itself.

Every item runs in its own SAVEPOINT. Two requests carrying the same new item at the same time
both try to INSERT the same primary key: the loser's INSERT fails with an IntegrityError (on
PostgreSQL after waiting for the winner to commit; on SQLite the write transactions are
serialised anyway), its savepoint is rolled back and the item is read again, now finding the
winner's row: one row, and the loser answers ``unchanged``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ..errors import ValidationError
from ..households.services import household_payload, save_household
from ..models import Household, Place, User, Visit
from ..reports.aggregates import SKIP as COVERAGE_SKIP
from ..scope import place_in_area
from ..visits.services import VisitLocked, can_edit, save_visit, visit_payload

log = logging.getLogger(__name__)

#: the most items one request may carry (more: 413)
MAX_ITEMS = 200
KINDS = ("household", "visit")
STATUSES = ("created", "unchanged", "updated", "conflict", "rejected")


def payload_hash(payload: Mapping[str, Any]) -> str:
    """SHA-256 of the payload as canonical JSON (sorted keys), to recognise a replay."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _result(
    item_id: Any, status: str, errors: dict[str, str] | None = None, server: dict | None = None
) -> dict[str, Any]:
    result: dict[str, Any] = {"id": item_id, "status": status, "errors": errors or {}}
    if server is not None:
        result["server"] = server
    return result


def _not_yours(item_id: str) -> dict[str, Any]:
    """An id that exists outside the actor's area: refused without telling what it is."""
    return _result(item_id, "rejected", {"id": _("This id is already used by another record.")})


# --- households ------------------------------------------------------------------------------


def _household_server_copy(household: Household) -> dict[str, Any]:
    return {**household_payload(household), "deleted": household.deleted_at is not None}


def _sync_household(
    session: Session, actor: User, key: uuid.UUID, payload: Mapping[str, Any], digest: str
) -> dict[str, Any]:
    item_id = str(key)
    household = session.get(Household, key, populate_existing=True)
    if household is None:
        household = save_household(session, actor, payload, household_id=key)
        household.payload_hash = digest
        return _result(item_id, "created")
    if not place_in_area(session, actor, session.get(Place, household.village_id)):
        return _not_yours(item_id)
    if household.payload_hash == digest:
        return _result(item_id, "unchanged")
    if household.deleted_at is not None or household.anonymised_at is not None:
        return _result(item_id, "conflict", server=_household_server_copy(household))
    save_household(session, actor, payload, household=household)
    household.payload_hash = digest
    return _result(item_id, "updated")


# --- visits ----------------------------------------------------------------------------------


def _visit_server_copy(session: Session, visit: Visit) -> dict[str, Any]:
    return {
        **visit_payload(session, visit),
        "status": visit.status,
        "review_note": visit.review_note,
        "deleted": visit.deleted_at is not None,
    }


def _sync_visit(
    session: Session, actor: User, key: uuid.UUID, payload: Mapping[str, Any], digest: str
) -> dict[str, Any]:
    item_id = str(key)
    visit = session.get(Visit, key, populate_existing=True)
    if visit is None:
        visit = save_visit(session, actor, payload, visit_id=key)
        visit.payload_hash = digest
        return _result(item_id, "created")
    if not place_in_area(session, actor, session.get(Place, visit.village_id)):
        return _not_yours(item_id)
    if visit.payload_hash == digest:
        return _result(item_id, "unchanged")
    if not can_edit(actor, visit):
        raise VisitLocked(visit.id)
    save_visit(session, actor, payload, visit=visit)
    visit.payload_hash = digest
    return _result(item_id, "updated")


_HANDLERS: dict[str, Callable[..., dict[str, Any]]] = {
    "household": _sync_household,
    "visit": _sync_visit,
}


# --- one item, a batch -------------------------------------------------------------------------


def _parse_item(item: Any) -> tuple[str, uuid.UUID, Mapping[str, Any]] | dict[str, Any]:
    """(kind, key, payload), or the ``rejected`` result telling what is wrong with the item."""
    if not isinstance(item, Mapping):
        return _result(None, "rejected", {"item": _("Each item must be a JSON object.")})
    raw_id = item.get("id")
    echo_id = raw_id if isinstance(raw_id, str) and len(raw_id) <= 64 else None
    errors: dict[str, str] = {}
    key = None
    try:
        if not isinstance(raw_id, str):
            raise ValueError(raw_id)
        key = uuid.UUID(raw_id.strip())
    except ValueError:
        errors["id"] = _("The id must be a UUID.")
    kind = item.get("kind")
    if kind not in KINDS:
        errors["kind"] = _("The kind must be “household” or “visit”.")
    payload = item.get("payload")
    if not isinstance(payload, Mapping):
        errors["payload"] = _("The payload must be a JSON object.")
    if errors or key is None:
        return _result(echo_id, "rejected", errors)
    return kind, key, payload


def _in_savepoint(session: Session, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``work`` in a SAVEPOINT: released when it returns, rolled back when it raises.

    SQLAlchemy fires ``before_commit`` when a savepoint is released too. The coverage
    aggregates refresh their villages in that hook, which would lock and recompute a village
    once per item; it is told to wait (its documented SKIP switch) until the request's own
    commit, where it refreshes every village of the batch once.
    """
    savepoint = session.begin_nested()
    try:
        result = work()
        session.flush()
    except BaseException:
        savepoint.rollback()
        raise
    session.info[COVERAGE_SKIP] = True
    try:
        savepoint.commit()
    finally:
        session.info.pop(COVERAGE_SKIP, None)
    return result


def sync_item(session: Session, actor: User, item: Any) -> dict[str, Any]:
    """Apply one item inside a SAVEPOINT and say what became of it."""
    parsed = _parse_item(item)
    if isinstance(parsed, dict):
        return parsed
    kind, key, payload = parsed
    handler = _HANDLERS[kind]
    digest = payload_hash(payload)
    for attempt in (1, 2):
        try:
            return _in_savepoint(session, lambda: handler(session, actor, key, payload, digest))
        except ValidationError as error:
            return _result(str(key), "rejected", error.errors)
        except VisitLocked:
            visit = session.get(Visit, key, populate_existing=True)
            return _result(str(key), "conflict", server=_visit_server_copy(session, visit))
        except IntegrityError:
            # The same id was stored by a concurrent request after our read: read it again.
            log.info("sync: %s %s stored concurrently (attempt %d)", kind, key, attempt)
    return _result(str(key), "rejected", {"id": _("This item could not be saved; try again.")})


def sync_items(session: Session, actor: User, items: list[Any]) -> list[dict[str, Any]]:
    """Apply ``items`` in order (a visit may name a household created earlier in the batch)."""
    results = [sync_item(session, actor, item) for item in items]
    counts: dict[str, int] = {}
    for result in results:
        counts[result["status"]] = counts.get(result["status"], 0) + 1
    log.info("sync by user %s: %s", actor.id, counts)
    return results
