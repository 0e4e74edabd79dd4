"""the digital profile of a household: dated values, goals (issue 14)

``smartphone_members`` becomes ``smartphone_adults``; the profile fields are added to the
household; every existing household gets its members (and smartphone count when known) as
dated values of the day it was registered (Vietnam time).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 12:10:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VIETNAM = timedelta(hours=7)


def _day(created_at) -> object:
    if isinstance(created_at, str):  # SQLite without type information
        created_at = datetime.fromisoformat(created_at)
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    return (created_at.astimezone(UTC) + _VIETNAM).date()


def upgrade() -> None:
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.alter_column("smartphone_members", new_column_name="smartphone_adults")
        batch_op.add_column(sa.Column("adults", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("vneid_level2", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("payment_adults", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("health_record", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("broadband", sa.Boolean(), nullable=True))

    values = op.create_table(
        "household_profile_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.Column("valid_on", sa.Date(), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.ForeignKeyConstraint(["visit_id"], ["visit.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("household_profile_value", schema=None) as batch_op:
        batch_op.create_index(
            "ix_household_profile_value_lookup", ["household_id", "field", "valid_on"]
        )
        batch_op.create_index(batch_op.f("ix_household_profile_value_valid_on"), ["valid_on"])
        batch_op.create_index(batch_op.f("ix_household_profile_value_visit_id"), ["visit_id"])

    op.create_table(
        "indicator_goal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("percent", sa.Float(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["place_id"], ["place.id"]),
        sa.ForeignKeyConstraint(["updated_by_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("place_id", "indicator"),
    )
    with op.batch_alter_table("indicator_goal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_goal_place_id"), ["place_id"])

    # the values the households already have, dated the day they were registered
    conn = op.get_bind()
    household = sa.table(
        "household",
        sa.column("id", sa.Uuid()),
        sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.column("members", sa.Integer()),
        sa.column("smartphone_adults", sa.Integer()),
    )
    now = datetime.now(UTC)
    result = conn.execute(
        sa.select(
            household.c.id,
            household.c.created_at,
            household.c.members,
            household.c.smartphone_adults,
        ).order_by(household.c.created_at, household.c.id)
    )
    while rows := result.fetchmany(5000):
        batch = []
        for row in rows:
            day = _day(row.created_at)
            for field, value in (("members", row.members), ("smartphone_adults", row[3])):
                if value is not None:
                    batch.append(
                        {
                            "household_id": row.id,
                            "field": field,
                            "value": value,
                            "valid_on": day,
                            "visit_id": None,
                            "source": "migration",
                            "recorded_at": now,
                        }
                    )
        if batch:
            op.get_bind().execute(values.insert(), batch)


def downgrade() -> None:
    with op.batch_alter_table("indicator_goal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_goal_place_id"))
    op.drop_table("indicator_goal")
    with op.batch_alter_table("household_profile_value", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_household_profile_value_visit_id"))
        batch_op.drop_index(batch_op.f("ix_household_profile_value_valid_on"))
        batch_op.drop_index("ix_household_profile_value_lookup")
    op.drop_table("household_profile_value")
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.drop_column("broadband")
        batch_op.drop_column("health_record")
        batch_op.drop_column("payment_adults")
        batch_op.drop_column("vneid_level2")
        batch_op.drop_column("adults")
        batch_op.alter_column("smartphone_adults", new_column_name="smartphone_members")
