"""activity index: the activity page at province scale reads the window's visits from an index

Two indexes on ``visit`` (issue 18): ``ix_visit_activity_village`` (village, deleted, date,
volunteer, household) covers the activity page's counts of the last 30 days and each
village's last visit; ``ix_visit_activity_volunteer`` (volunteer, deleted, date) gives each
member's last visit by one seek. Before them the page read every visit of the province
(35 s on SQLite at 3 million visits).

This revision only adds indexes. It follows 0001 on this branch; merged after 0002 (period
rows), its ``down_revision`` becomes "0002".

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-01 13:05:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index(
            "ix_visit_activity_village",
            ["village_id", "deleted_at", "visited_on", "volunteer_id", "household_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_visit_activity_volunteer",
            ["volunteer_id", "deleted_at", "visited_on"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_activity_volunteer")
        batch_op.drop_index("ix_visit_activity_village")
