"""rules indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 16:25:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activities_type_direction_occurred", ["type", "direction", "occurred_at"], unique=False
        )
        batch_op.create_index("ix_activities_from_occurred", ["from_lower", "occurred_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_from_occurred")
        batch_op.drop_index("ix_activities_type_direction_occurred")
