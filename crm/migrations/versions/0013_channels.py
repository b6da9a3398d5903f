"""channels: how record links unfurl (``org.unfurl``) and the record URL templates (``org.record_urls``)

Revision ID: 0013_channels
Revises: 0012_managers
Create Date: 2026-12-03 09:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_channels"
down_revision: str | None = "0012_managers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("org", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unfurl", sa.String(length=32), server_default="when_all_may_view", nullable=False)
        )
        batch_op.add_column(sa.Column("record_urls", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("org", schema=None) as batch_op:
        batch_op.drop_column("record_urls")
        batch_op.drop_column("unfurl")
