"""rules perf: a covering index for "the user emailed this address", and one for meetings by end time

Revision ID: 0005_rules_perf
Revises: 0004
Create Date: 2026-11-23 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_rules_perf"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MEETINGS = sa.text("type = 'meeting'")


def upgrade() -> None:
    with op.batch_alter_table("email_recipients", schema=None) as batch_op:
        # (address_lower, activity_id) serves every look-up the old (address_lower) index did.
        batch_op.create_index(
            "ix_email_recipients_address_activity", ["address_lower", "activity_id"], unique=False
        )
        batch_op.drop_index("ix_email_recipients_address_lower")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activities_meeting_ended",
            ["ended_at"],
            unique=False,
            sqlite_where=MEETINGS,
            postgresql_where=MEETINGS,
        )


def downgrade() -> None:
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_meeting_ended")
    with op.batch_alter_table("email_recipients", schema=None) as batch_op:
        batch_op.create_index("ix_email_recipients_address_lower", ["address_lower"], unique=False)
        batch_op.drop_index("ix_email_recipients_address_activity")
