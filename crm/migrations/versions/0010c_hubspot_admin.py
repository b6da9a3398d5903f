"""hubspot admin: OAuth install states and leases (crm/models/hubspot_admin.py)

Revision ID: 0010c_hubspot_admin
Revises: 0010b_clock_ticks
Create Date: 2026-12-03 09:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm.models.base

revision: str = "0010c_hubspot_admin"
down_revision: str | None = "0010b_clock_ticks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hubspot_oauth_states",
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("expires_at", crm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state", name=op.f("pk_hubspot_oauth_states")),
    )
    op.create_table(
        "hubspot_leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("expires_at", crm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_hubspot_leases")),
    )


def downgrade() -> None:
    op.drop_table("hubspot_leases")
    op.drop_table("hubspot_oauth_states")
