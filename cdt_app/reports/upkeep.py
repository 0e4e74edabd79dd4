"""Keep the per-village coverage aggregates in step with every ORM write, in the same transaction.

``register_aggregate_upkeep(Session)``, called by the app factory (``register_database``),
attaches four session events:

* ``before_flush``: a unit-of-work write to ``visit``, ``visit_skill`` or ``household`` that
  can change the figures marks its villages (old and new, from the attribute history);
* ``do_orm_execute``: an ORM-enabled bulk INSERT, UPDATE or DELETE on those tables marks the
  villages of the rows it matches, read before it runs; the rows an UPDATE matched are marked
  too, and their village is read again at the commit (the UPDATE may have moved them);
* ``before_commit``: the marked villages are recomputed (``aggregates.refresh_villages``) just
  before the outermost transaction commits, in id order (no deadlocks between writers). A
  SAVEPOINT released (one sync item) recomputes nothing: a request, however many savepoints
  it releases, recomputes each of its villages once, at its commit;
* ``after_transaction_end``: the outermost transaction ended: the marks are forgotten.

A write that cannot be attributed (an INSERT without the village, an UPDATE of ``visit_skill``
with a WHERE clause, which may move rows to another visit) recomputes every village. Writes
made with plain Core on a connection or a DBAPI cursor are not seen: call
``aggregates.refresh_villages`` or ``aggregates.rebuild_all`` after them (the province-scale
loader does).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, attributes
from sqlalchemy.orm import Session as OrmSession

from ..models import Household, Visit, VisitSkill
from .aggregates import rebuild_all, refresh_villages

_VILLAGES = "cdt_coverage_villages"  #: session.info key: village ids to recompute at commit
_VISITS = "cdt_coverage_visits"  #: visit ids whose village is looked up at commit
_HOUSEHOLDS = "cdt_coverage_households"  #: household ids whose village is looked up at commit
_ALL = "cdt_coverage_all"  #: a write that could not be attributed: recompute every village
_KEYS = (_VILLAGES, _VISITS, _HOUSEHOLDS, _ALL)
_CHUNK = 500

_visit = Visit.__table__
_vs = VisitSkill.__table__
_hh = Household.__table__
#: for each watched table: the column naming what its rows count for, and the session.info key
#: of the ids whose village is read at the commit
_WATCHED = {
    _visit.name: ("village_id", _VISITS),
    _hh.name: ("village_id", _HOUSEHOLDS),
    _vs.name: ("visit_id", _VISITS),
}
#: the fields a change of which can change the figures (notes, names, addresses cannot)
_COUNTED_FIELDS = {
    Visit: (
        "village_id",
        "household_id",
        "volunteer_id",
        "visited_on",
        "people_taught",
        "status",
        "deleted_at",
    ),
    Household: ("village_id", "deleted_at"),
    VisitSkill: ("visit_id", "skill_id", "completed"),
}


def _mark(session: OrmSession, key: str, values: Iterable) -> None:
    session.info.setdefault(key, set()).update(v for v in values if v is not None)


def _history_values(obj, attr: str) -> list:
    history = attributes.get_history(obj, attr)
    return [*history.added, *history.unchanged, *history.deleted]


def _collect_unit_of_work(session: OrmSession, _context, _instances) -> None:
    """before_flush: mark the villages (or visits) of the new, deleted and changed objects."""
    changed = [
        obj
        for obj in session.dirty
        if type(obj) in _COUNTED_FIELDS
        and any(attributes.get_history(obj, f).has_changes() for f in _COUNTED_FIELDS[type(obj)])
    ]
    for obj in (*session.new, *session.deleted, *changed):
        if isinstance(obj, (Visit, Household)):
            _mark(session, _VILLAGES, _history_values(obj, "village_id"))
        elif isinstance(obj, VisitSkill):
            _mark(session, _VISITS, _history_values(obj, "visit_id"))


def _params_list(parameters) -> list[dict]:
    if isinstance(parameters, dict):
        return [parameters]
    if isinstance(parameters, (list, tuple)):
        return [p for p in parameters if isinstance(p, dict)]
    return []


def _matched(table: sa.Table, statement, params: list[dict]):
    """The WHERE clause of the rows an UPDATE or DELETE touches; None when it cannot be told.

    Without a WHERE clause, an ORM bulk UPDATE by primary key names its rows in the
    parameters."""
    if statement.whereclause is not None:
        return statement.whereclause
    keys = [column.name for column in table.primary_key]
    rows = [tuple(p.get(k) for k in keys) for p in params]
    if not rows or any(None in row for row in rows):
        return None
    if len(keys) == 1:
        return table.c[keys[0]].in_([row[0] for row in rows])
    return sa.tuple_(*(table.c[k] for k in keys)).in_(rows)


def _collect_bulk(state: ORMExecuteState) -> None:
    """do_orm_execute: ORM-enabled INSERT/UPDATE/DELETE on the watched tables."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if not isinstance(table, sa.Table) or table.name not in _WATCHED:
        return
    session = state.session
    key, looked_up = _WATCHED[table.name]
    marked = _VISITS if key == "visit_id" else _VILLAGES
    params = _params_list(state.parameters)
    if state.is_insert:
        values = [p.get(key) for p in params]
        if values and None not in values:
            _mark(session, marked, values)
        else:
            session.info[_ALL] = True
        return
    where = _matched(table, state.statement, params)
    moves_skills = table is _vs and state.is_update and state.statement.whereclause is not None
    if where is None or moves_skills:
        session.info[_ALL] = True
        return
    if key == "visit_id":  # DELETE, or UPDATE by primary key: the rows stay with their visits
        _mark(session, marked, session.scalars(select(table.c.visit_id).where(where).distinct()))
        return
    rows = session.execute(select(table.c.id, table.c.village_id).where(where)).all()
    _mark(session, marked, (village_id for _id, village_id in rows))
    if state.is_update:
        _mark(session, looked_up, (row_id for row_id, _village in rows))


def _current_villages(session: OrmSession, model, ids: set) -> set[int]:
    """The villages that the rows ``ids`` of ``model`` belong to now."""
    listed = sorted(ids, key=str)
    villages: set[int] = set()
    for start in range(0, len(listed), _CHUNK):
        villages |= set(
            session.scalars(
                select(model.village_id).where(model.id.in_(listed[start : start + _CHUNK]))
            )
        )
    return villages


def _refresh_before_commit(session: OrmSession) -> None:
    """before_commit: recompute the marked villages (SQLAlchemy also fires it when a SAVEPOINT
    is released: they wait for the real commit)."""
    if session.in_nested_transaction():
        return
    if not any(session.info.get(key) for key in _KEYS):
        if not (session.new or session.dirty or session.deleted):
            return
    session.flush()
    rebuild = session.info.pop(_ALL, False)
    villages = session.info.pop(_VILLAGES, set())
    visits = session.info.pop(_VISITS, set())
    households = session.info.pop(_HOUSEHOLDS, set())
    if rebuild:
        rebuild_all(session)
        return
    villages |= _current_villages(session, Visit, visits)
    villages |= _current_villages(session, Household, households)
    if villages:
        refresh_villages(session, villages)


def _forget_at_end(session: OrmSession, transaction) -> None:
    """after_transaction_end: the outermost transaction ended (committed, rolled back or
    closed): start afresh."""
    if transaction.parent is None:
        for key in _KEYS:
            session.info.pop(key, None)


_LISTENERS = (
    ("before_flush", _collect_unit_of_work),
    ("do_orm_execute", _collect_bulk),
    ("before_commit", _refresh_before_commit),
    ("after_transaction_end", _forget_at_end),
)


def register_aggregate_upkeep(session_class: type[OrmSession]) -> None:
    """Keep the coverage aggregates in step in every session of ``session_class`` (once)."""
    for name, listener in _LISTENERS:
        if not event.contains(session_class, name, listener):
            event.listen(session_class, name, listener)
