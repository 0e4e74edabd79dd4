"""period previous visit: per-visit rows with the previous visit's date, for any period

Two tables, ``coverage_visit`` and ``coverage_visit_skill`` (cdt_app.models.coverage_period):
one row per counted visit (and per counted visit and skill) with the date of the previous
counted visit of the household in its village, per skill, completed, approved. They are
filled here from the existing visits by INSERT … SELECT with window functions, 200 villages
at a time (the same computation as cdt_app.reports.period_rows, written out so that this
revision does not change when the app does), then kept by the app in the same transaction as
every write.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTED = """
    FROM visit v JOIN household h ON h.id = v.household_id
    WHERE v.deleted_at IS NULL AND h.deleted_at IS NULL
"""
_ORDER = "ORDER BY v.visited_on, v.id"
_VISITS = f"""
INSERT INTO coverage_visit (village_id, visited_on, visit_id, volunteer_id, people_taught,
                            approved, previous_on, previous_approved_on)
SELECT v.village_id, v.visited_on, v.id, v.volunteer_id, v.people_taught,
       v.status = 'approved',
       lag(v.visited_on) OVER (PARTITION BY v.village_id, v.household_id {_ORDER}),
       CASE WHEN v.status = 'approved' THEN
            lag(v.visited_on) OVER (PARTITION BY v.village_id, v.household_id,
                                    v.status = 'approved' {_ORDER}) END
{_COUNTED}
"""
_SKILL_CHAIN = "PARTITION BY v.village_id, v.household_id, s.skill_id"
_SKILLS = f"""
INSERT INTO coverage_visit_skill (village_id, visited_on, skill_id, visit_id, completed,
                                  approved, previous_on, previous_done_on,
                                  previous_approved_on, previous_done_approved_on)
SELECT v.village_id, v.visited_on, s.skill_id, v.id, s.completed, v.status = 'approved',
       lag(v.visited_on) OVER ({_SKILL_CHAIN} {_ORDER}),
       CASE WHEN s.completed THEN
            lag(v.visited_on) OVER ({_SKILL_CHAIN}, s.completed {_ORDER}) END,
       CASE WHEN v.status = 'approved' THEN
            lag(v.visited_on) OVER ({_SKILL_CHAIN}, v.status = 'approved' {_ORDER}) END,
       CASE WHEN s.completed AND v.status = 'approved' THEN
            lag(v.visited_on) OVER ({_SKILL_CHAIN}, s.completed, v.status = 'approved'
                                    {_ORDER}) END
FROM visit_skill s JOIN visit v ON v.id = s.visit_id JOIN household h ON h.id = v.household_id
WHERE v.deleted_at IS NULL AND h.deleted_at IS NULL
"""


_CHUNK = 200  #: villages per statement: the window sorts stay small and in memory


def backfill(connection) -> None:
    """Fill both tables from the visits, some villages at a time (each household's visits are
    in one village per chain, so chunks by village compute the same rows as one statement)."""
    villages = list(
        connection.execute(sa.text("SELECT DISTINCT village_id FROM visit ORDER BY 1")).scalars()
    )
    ids = sa.bindparam("ids", expanding=True)
    statements = [
        sa.text(sql + " AND v.village_id IN :ids").bindparams(ids) for sql in (_VISITS, _SKILLS)
    ]
    for start in range(0, len(villages), _CHUNK):
        for statement in statements:
            connection.execute(statement, {"ids": villages[start : start + _CHUNK]})


def upgrade() -> None:
    op.create_table(
        "coverage_visit",
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("people_taught", sa.Integer(), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("previous_on", sa.Date(), nullable=True),
        sa.Column("previous_approved_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["village_id"], ["place.id"]),
        sa.PrimaryKeyConstraint("village_id", "visited_on", "visit_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "coverage_visit_skill",
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("previous_on", sa.Date(), nullable=True),
        sa.Column("previous_done_on", sa.Date(), nullable=True),
        sa.Column("previous_approved_on", sa.Date(), nullable=True),
        sa.Column("previous_done_approved_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["village_id"], ["place.id"]),
        sa.PrimaryKeyConstraint("village_id", "skill_id", "visited_on", "visit_id"),
        sqlite_with_rowid=False,
    )
    backfill(op.get_bind())
    op.execute("ANALYZE coverage_visit")
    op.execute("ANALYZE coverage_visit_skill")


def downgrade() -> None:
    op.drop_table("coverage_visit_skill")
    op.drop_table("coverage_visit")
