"""hubspot: what the HubSpot connector keeps besides the CRM records (crm/models/hubspot.py)

Sync cursors per object type, the map of HubSpot records to Salesbot ids, the portal's roles and their
mapping, HubSpot users' role ids, the shared rate budget (recent requests, daily usage), OAuth tokens, the
portal, and the records webhooks marked to read at once.

Revision ID: 0010_hubspot
Revises: 0009_rule_inputs
Create Date: 2026-12-03 09:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm.models.base

revision: str = "0010_hubspot"
down_revision: str | None = "0009_rule_inputs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hubspot_cursors",
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("modified_through", crm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("full_started_at", crm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("full_after", sa.String(length=255), nullable=True),
        sa.Column("incremental_since", crm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("incremental_after_id", sa.BigInteger(), nullable=True),
        sa.Column("last_sync_at", crm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_full_at", crm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("records", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("object_type", name=op.f("pk_hubspot_cursors")),
    )
    op.create_table(
        "hubspot_daily_usage",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("daily_max", sa.BigInteger(), nullable=True),
        sa.Column("daily_remaining", sa.BigInteger(), nullable=True),
        sa.Column("remaining_at", crm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_hubspot_daily_usage")),
    )
    op.create_table(
        "hubspot_oauth_tokens",
        sa.Column("portal_id", sa.String(length=32), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column("expires_at", crm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("hub_domain", sa.String(length=255), nullable=True),
        sa.Column("installed_at", crm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refreshed_at", crm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("portal_id", name=op.f("pk_hubspot_oauth_tokens")),
    )
    op.create_table(
        "hubspot_pending_reads",
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("hubspot_id", sa.String(length=64), nullable=False),
        sa.Column("marked_at", crm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("object_type", "hubspot_id", name=op.f("pk_hubspot_pending_reads")),
    )
    op.create_table(
        "hubspot_portal",
        sa.Column("portal_id", sa.String(length=32), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("ui_domain", sa.String(length=255), nullable=True),
        sa.Column("checked_at", crm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("portal_id", name=op.f("pk_hubspot_portal")),
    )
    op.create_table(
        "hubspot_records",
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("hubspot_id", sa.String(length=64), nullable=False),
        sa.Column("salesbot_id", sa.String(length=255), nullable=False),
        sa.Column("modified_at", crm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("object_type", "hubspot_id", name=op.f("pk_hubspot_records")),
    )
    op.create_index(
        "ix_hubspot_records_salesbot", "hubspot_records", ["salesbot_id", "object_type"], unique=True
    )
    op.create_table(
        "hubspot_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", crm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("search", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubspot_requests")),
    )
    op.create_index("ix_hubspot_requests_at", "hubspot_requests", ["at"], unique=False)
    op.create_table(
        "hubspot_roles",
        sa.Column("role_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=True),
        sa.Column("access_contacts", sa.String(length=8), nullable=True),
        sa.Column("access_companies", sa.String(length=8), nullable=True),
        sa.Column("access_deals", sa.String(length=8), nullable=True),
        sa.Column("access_leads", sa.String(length=8), nullable=True),
        sa.Column("access_activities", sa.String(length=8), nullable=True),
        sa.Column("mapped_at", crm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("seen_at", crm.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("role_id", name=op.f("pk_hubspot_roles")),
    )
    op.create_table(
        "hubspot_users",
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("hubspot_user_id", sa.String(length=64), nullable=True),
        sa.Column("role_ids", sa.JSON(), nullable=False),
        sa.Column("super_admin", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_hubspot_users_user_id_users"),
            ondelete="CASCADE",
            initially="IMMEDIATE",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_hubspot_users")),
        sa.UniqueConstraint("owner_id", name=op.f("uq_hubspot_users_owner_id")),
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_index("ix_hubspot_records_salesbot", table_name="hubspot_records")
    op.drop_index("ix_hubspot_requests_at", table_name="hubspot_requests")
    op.drop_table("hubspot_users")
    op.drop_table("hubspot_roles")
    op.drop_table("hubspot_requests")
    op.drop_table("hubspot_records")
    op.drop_table("hubspot_portal")
    op.drop_table("hubspot_pending_reads")
    op.drop_table("hubspot_oauth_tokens")
    op.drop_table("hubspot_daily_usage")
    op.drop_table("hubspot_cursors")
