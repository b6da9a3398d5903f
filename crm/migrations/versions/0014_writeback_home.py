"""writeback home: the Home tab's state a write-back came from (``hubspot_writeback.home``), to republish
it once HubSpot answered; an index for a rep's latest write-backs (Home shows them)

Revision ID: 0014_writeback_home
Revises: 0013_channels
Create Date: 2026-12-03 12:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_writeback_home"
down_revision: str | None = "0013_channels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hubspot_writeback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("home", sa.Text(), nullable=True))
        batch_op.create_index("ix_hubspot_writeback_actor", ["actor_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("hubspot_writeback", schema=None) as batch_op:
        batch_op.drop_index("ix_hubspot_writeback_actor")
        batch_op.drop_column("home")
