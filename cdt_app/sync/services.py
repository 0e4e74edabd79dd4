"""Applying the items of a sync batch (DESIGN section 8). Services flush, never commit.

Each item is idempotent by its client-made UUID, the primary key of its table. A replay of the
same payload answers ``unchanged`` (told apart by ``payload_hash``); a new payload updates the
record while its author may still edit it, and is a ``conflict`` (with the server's copy)
otherwise. Validation is the households and visits services' own: this module never checks a
field itself.

A batch is applied in one go: the rows it names are read in three queries, the services add
each item's rows to the session (validating first, so a rejected item adds nothing) and one
flush writes them all, a multi-row INSERT per table. The whole batch runs in one SAVEPOINT.

Two requests carrying the same new item at the same time both try to INSERT the same primary
key (on PostgreSQL one user's requests are serialised by an advisory lock, so this takes two
people sending the same item). The loser's flush fails with an IntegrityError, on PostgreSQL
after waiting for the winner to commit; its savepoint is rolled back and the batch is applied
again item by item, each in its own SAVEPOINT, reading the rows afresh: the winner's row is
found, one row is stored and the loser answers ``unchanged``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ..errors import ValidationError
from ..households.services import household_payload, save_household
from ..models import Household, Place, User, Visit
from ..scope import place_in_area
from ..values import BadValue, parse_uuid
from ..visits.services import VisitLocked, can_edit, save_visit, visit_payload

log = logging.getLogger(__name__)

#: the most items one request may carry (more: 413)
MAX_ITEMS = 200
KINDS = ("household", "visit")
STATUSES = ("created", "unchanged", "updated", "conflict", "rejected")
#: first key of the PostgreSQL advisory locks taken by sync (the second is the user id)
_LOCK_SPACE = 0x53594E43


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
    """An id that exists outside the actor's area, or names a record of the other kind:
    refused without telling what it is (the rest of the batch goes on)."""
    return _result(item_id, "rejected", {"id": _("This id is already used by another record.")})


# --- the batch: prefetched rows --------------------------------------------------------------


class _Batch:
    """One request's items, with the rows they name loaded up front in three queries.

    SQLAlchemy's identity map holds its objects weakly: ``keep`` holds them strongly so that
    the services' ``session.get`` calls find them without a query. Ids found missing need no
    lookup either; if a concurrent request inserts one meanwhile, the INSERT fails and the
    batch is applied again, item by item, reading every row afresh.
    """

    def __init__(self, session: Session, actor: User, parsed: list[tuple]) -> None:
        self.session, self.actor = session, actor
        self.keep: list[Any] = []
        self.created: dict[uuid.UUID, Any] = {}
        self.unwritten_households: set[uuid.UUID] = set()
        self.missing: dict[type, set[uuid.UUID]] = {Household: set(), Visit: set()}
        wanted: dict[type, set[uuid.UUID]] = {Household: set(), Visit: set()}
        for kind, key, payload in parsed:
            # both kinds: an id may be taken by a record of the other kind (taken_by_other)
            wanted[Household].add(key)
            wanted[Visit].add(key)
            if kind == "visit":
                try:
                    wanted[Household].add(parse_uuid(payload.get("household_id")))
                except BadValue:
                    pass
        village_ids: set[int] = set()
        for model, keys in wanted.items():
            found = self._load(model, keys)
            self.missing[model] = keys - {row.id for row in found}
            village_ids.update(row.village_id for row in found)
        if village_ids:
            self._load(Place, village_ids)

    def _load(self, model: type, keys: set) -> list[Any]:
        rows: list[Any] = []
        listed = list(keys)
        for start in range(0, len(listed), 500):
            chunk = listed[start : start + 500]
            rows.extend(self.session.scalars(select(model).where(model.id.in_(chunk))))
        self.keep.extend(rows)
        return rows

    def get(self, model: type, key: uuid.UUID, fresh: bool) -> Any:
        """The row with ``key`` or None; ``fresh`` reads the database again."""
        if not fresh:
            if key in self.created:
                row = self.created[key]
                return row if isinstance(row, model) else None
            if key in self.missing[model]:
                return None
        row = self.session.get(model, key, populate_existing=fresh)
        if row is not None:
            self.keep.append(row)
        return row

    def taken_by_other(self, model: type, key: uuid.UUID, fresh: bool) -> bool:
        """Whether ``key`` is the id of a record of the other kind (stored, or made earlier in
        this batch): one id names one record."""
        return self.get(Visit if model is Household else Household, key, fresh) is not None

    def stored(self, row: Any) -> None:
        """A row this batch created (not written until the batch's flush)."""
        self.missing[type(row)].discard(row.id)
        self.created[row.id] = row
        if isinstance(row, Household):
            self.unwritten_households.add(row.id)

    def write_household(self, raw_id: Any) -> None:
        """Flush if the visit's household ``raw_id`` is new in this batch and not yet written.

        The visits service looks its household up with ``session.get``, which finds only
        written rows.
        """
        try:
            key = parse_uuid(raw_id)
        except BadValue:
            return
        if key in self.unwritten_households:
            self.session.flush()
            self.unwritten_households.clear()

    def in_area(self, village_id: int) -> bool:
        return place_in_area(self.session, self.actor, self.session.get(Place, village_id))


# --- households ------------------------------------------------------------------------------


def _household_server_copy(household: Household) -> dict[str, Any]:
    return {**household_payload(household), "deleted": household.deleted_at is not None}


def _sync_household(
    batch: _Batch, key: uuid.UUID, payload: Mapping[str, Any], digest: str, fresh: bool
) -> dict[str, Any]:
    session, actor, item_id = batch.session, batch.actor, str(key)
    household = batch.get(Household, key, fresh)
    if household is None and batch.taken_by_other(Household, key, fresh):
        return _not_yours(item_id)
    if household is None:
        household = save_household(session, actor, payload, household_id=key)
        household.payload_hash = digest
        batch.stored(household)
        return _result(item_id, "created")
    if not batch.in_area(household.village_id):
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
    batch: _Batch, key: uuid.UUID, payload: Mapping[str, Any], digest: str, fresh: bool
) -> dict[str, Any]:
    session, actor, item_id = batch.session, batch.actor, str(key)
    visit = batch.get(Visit, key, fresh)
    if visit is None and batch.taken_by_other(Visit, key, fresh):
        return _not_yours(item_id)
    if visit is None:
        batch.write_household(payload.get("household_id"))
        visit = save_visit(session, actor, payload, visit_id=key)
        visit.payload_hash = digest
        batch.stored(visit)
        return _result(item_id, "created")
    if not batch.in_area(visit.village_id):
        return _not_yours(item_id)
    if visit.payload_hash == digest:
        return _result(item_id, "unchanged")
    if not can_edit(actor, visit):
        raise VisitLocked(visit.id)
    batch.write_household(payload.get("household_id"))
    save_visit(session, actor, payload, visit=visit)
    visit.payload_hash = digest
    return _result(item_id, "updated")


_MODELS: dict[str, type] = {"household": Household, "visit": Visit}
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
        key = parse_uuid(raw_id)
    except BadValue:
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


def _in_savepoint(session: Session, work: Callable[[], Any]) -> Any:
    """Run ``work`` in a SAVEPOINT: released when it returns, rolled back when it raises.

    Releasing it recomputes no coverage aggregates: they wait for the request's own commit,
    which recomputes every village of the batch once (cdt_app.reports.upkeep).
    """
    savepoint = session.begin_nested()
    try:
        result = work()
        session.flush()
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    return result


def _apply(batch: _Batch, kind: str, key: uuid.UUID, payload: Mapping[str, Any], fresh: bool):
    """Apply one parsed item and say what became of it (the caller flushes)."""
    digest = payload_hash(payload)
    try:
        return _HANDLERS[kind](batch, key, payload, digest, fresh)
    except ValidationError as error:  # raised before the service added anything
        return _result(str(key), "rejected", error.errors)
    except VisitLocked:
        visit = batch.get(Visit, key, fresh=True)
        return _result(str(key), "conflict", server=_visit_server_copy(batch.session, visit))


def _apply_together(session: Session, actor: User, parsed: list) -> list[dict[str, Any]]:
    """Every item, written by one flush at the end (the usual case)."""
    batch = _Batch(session, actor, [p for p in parsed if isinstance(p, tuple)])
    return [p if isinstance(p, dict) else _apply(batch, *p, fresh=False) for p in parsed]


def _apply_one_by_one(session: Session, actor: User, parsed: list) -> list[dict[str, Any]]:
    """Every item in its own SAVEPOINT, after a concurrent request stored one of them."""
    batch = _Batch(session, actor, [p for p in parsed if isinstance(p, tuple)])
    return [p if isinstance(p, dict) else _apply_alone(batch, *p) for p in parsed]


def _apply_alone(batch: _Batch, kind: str, key: uuid.UUID, payload: Mapping[str, Any]) -> dict:
    """One item in its own SAVEPOINT; if its write fails on a row stored meanwhile, again."""
    for fresh in (False, True):
        try:
            return _in_savepoint(
                batch.session, lambda fresh=fresh: _apply(batch, kind, key, payload, fresh)
            )
        except IntegrityError:
            # The same id was stored by a concurrent request after our read: read it again.
            log.info("sync: %s %s stored concurrently (fresh=%s)", kind, key, fresh)
    return _result(str(key), "rejected", {"id": _("This item could not be saved; try again.")})


def _one_sync_per_user(session: Session, actor: User) -> None:
    """Serialise the sync transactions of one user (PostgreSQL; SQLite serialises all writes).

    A phone that retries while its first request is still being processed sends the same
    items again: the retry waits for the first to commit and then answers ``unchanged``
    instead of racing it row by row (and deadlocking when the orders differ).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :user_id)"),
            {"space": _LOCK_SPACE, "user_id": actor.id},
        )


def sync_items(session: Session, actor: User, items: list[Any]) -> list[dict[str, Any]]:
    """Apply ``items`` in order (a visit may name a household created earlier in the batch)."""
    _one_sync_per_user(session, actor)
    parsed = [_parse_item(item) for item in items]
    try:
        results = _in_savepoint(session, lambda: _apply_together(session, actor, parsed))
    except IntegrityError:
        log.info("sync: an item was stored concurrently; applying the batch item by item")
        results = _apply_one_by_one(session, actor, parsed)
    counts: dict[str, int] = {}
    for result in results:
        counts[result["status"]] = counts.get(result["status"], 0) + 1
    log.info("sync by user %s: %s", actor.id, counts)
    return results
