"""insights index: a deal's activity links by deal, covering the activity id

Replaces ``ix_activity_deals_deal_id`` (deal_id alone), whose every use the new index serves too.

Revision ID: 0008_insights_index
Revises: 0007
Create Date: 2026-11-30 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008_insights_index"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("activity_deals", schema=None) as batch_op:
        batch_op.create_index("ix_activity_deals_deal_activity", ["deal_id", "activity_id"], unique=False)
        batch_op.drop_index("ix_activity_deals_deal_id")


def downgrade() -> None:
    with op.batch_alter_table("activity_deals", schema=None) as batch_op:
        batch_op.create_index("ix_activity_deals_deal_id", ["deal_id"], unique=False)
        batch_op.drop_index("ix_activity_deals_deal_activity")
