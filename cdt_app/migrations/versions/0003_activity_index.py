"""activity and review indexes: the activity page and the review queue at province scale

Three indexes on ``visit`` (issue 18): ``ix_visit_activity_village`` (village, deleted, date,
volunteer, household) covers the activity page's counts of the last 30 days and each
village's last visit; ``ix_visit_activity_volunteer`` (volunteer, deleted, date) gives each
member's last visit by one seek; ``ix_visit_review_queue`` (status, deleted, village, date,
created, id, volunteer) covers the review queue's counts and finds its page of visits without
reading the table. Before them, at 3 million visits on SQLite, the province's activity page
took 35 s and a province reviewer's queue 137 s.

This revision only adds indexes. It follows 0001 on this branch; merged after 0002 (period
rows), its ``down_revision`` becomes "0002".

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 13:05:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
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
        batch_op.create_index(
            "ix_visit_review_queue",
            ["status", "deleted_at", "village_id", "visited_on", "created_at", "id", "volunteer_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_review_queue")
        batch_op.drop_index("ix_visit_activity_volunteer")
        batch_op.drop_index("ix_visit_activity_village")
