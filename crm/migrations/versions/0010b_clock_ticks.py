"""clock ticks: when each job of ``salesbot clock`` last finished, reported by ``/healthz``

Revision ID: 0010b_clock_ticks
Revises: 0010_hubspot
Create Date: 2026-12-03 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010b_clock_ticks"
down_revision: str | None = "0010_hubspot"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clock_ticks",
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("job", name=op.f("pk_clock_ticks")),
    )


def downgrade() -> None:
    op.drop_table("clock_ticks")
