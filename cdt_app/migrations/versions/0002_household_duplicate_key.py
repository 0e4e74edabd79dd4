"""household duplicate key: the folded head name the duplicate guard looks up by index

``household.duplicate_key`` is the head's name with case, diacritics, punctuation and spacing
folded away (``cdt_app.i18n.duplicate_key``, DESIGN section 3), indexed with the village so
that the guard finds its few candidates without scanning the village. Existing households are
filled here, a thousand at a time; anonymised households keep an empty key (the guard never
matches them). If the fold ever changes, a later revision must refill the column.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cdt_app.i18n import duplicate_key

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000


def upgrade() -> None:
    key_type = sa.String(length=200).with_variant(
        sa.String(length=200, collation="C"), "postgresql"
    )
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.add_column(sa.Column("duplicate_key", key_type, server_default="", nullable=False))
    connection = op.get_bind()
    household = sa.table(
        "household",
        sa.column("id"),
        sa.column("head_name"),
        sa.column("anonymised_at"),
        sa.column("duplicate_key"),
    )
    last_id = None
    while True:
        query = (
            sa.select(household.c.id, household.c.head_name)
            .where(household.c.anonymised_at.is_(None))
            .order_by(household.c.id)
            .limit(_BATCH)
        )
        if last_id is not None:
            query = query.where(household.c.id > last_id)
        rows = connection.execute(query).all()
        if not rows:
            break
        connection.execute(
            household.update()
            .where(household.c.id == sa.bindparam("row_id"))
            .values(duplicate_key=sa.bindparam("key")),
            [{"row_id": row.id, "key": duplicate_key(row.head_name)} for row in rows],
        )
        last_id = rows[-1].id
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.create_index(
            "ix_household_village_duplicate", ["village_id", "duplicate_key"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.drop_index("ix_household_village_duplicate")
        batch_op.drop_column("duplicate_key")
