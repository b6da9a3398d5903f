"""writeback: the HubSpot write-back queue and the webhook events already handled (crm/models/writeback.py)

Revision ID: 0011_writeback
Revises: 0010c_hubspot_admin
Create Date: 2026-12-03 09:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm.models.base

revision: str = "0011_writeback"
down_revision: str | None = "0010c_hubspot_admin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hubspot_writeback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("operation", sa.String(length=8), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=255), nullable=False),
        sa.Column("change", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", crm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lease_until", crm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hubspot_id", sa.String(length=64), nullable=True),
        sa.Column("written", sa.JSON(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.String(length=255), nullable=True),
        sa.Column("slack_user", sa.String(length=32), nullable=True),
        sa.Column("slack_team", sa.String(length=32), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("created_at", crm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", crm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubspot_writeback")),
        sa.UniqueConstraint("ref", name=op.f("uq_hubspot_writeback_ref")),
    )
    op.create_index(
        "ix_hubspot_writeback_state_next", "hubspot_writeback", ["state", "next_attempt_at"], unique=False
    )
    op.create_index(
        "ix_hubspot_writeback_record", "hubspot_writeback", ["object_type", "record_id"], unique=False
    )
    op.create_table(
        "hubspot_webhook_events",
        sa.Column("event_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("received_at", crm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_hubspot_webhook_events")),
    )
    op.create_index(
        "ix_hubspot_webhook_events_received", "hubspot_webhook_events", ["received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_hubspot_webhook_events_received", table_name="hubspot_webhook_events")
    op.drop_table("hubspot_webhook_events")
    op.drop_index("ix_hubspot_writeback_record", table_name="hubspot_writeback")
    op.drop_index("ix_hubspot_writeback_state_next", table_name="hubspot_writeback")
    op.drop_table("hubspot_writeback")
