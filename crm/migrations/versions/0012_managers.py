"""managers and admins: team digests, digest kinds and states, rule switches, the Slack workspace of a user

Revision ID: 0012_managers
Revises: 0011_writeback
Create Date: 2026-12-03 09:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_managers"
down_revision: str | None = "0011_writeback"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, not batch mode: on SQLite a batch copy of ``users`` would drop the rule engine's change
    # triggers on it (0009_rule_inputs). ``digest_deliveries`` has none, so its constraint change may copy it.
    op.add_column("users", sa.Column("digest_team", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("org", sa.Column("rules_off", sa.JSON(), nullable=True))
    op.add_column("user_preferences", sa.Column("rules_off", sa.JSON(), nullable=True))
    op.add_column("slack_identities", sa.Column("team_id", sa.String(length=32), nullable=True))
    with op.batch_alter_table("digest_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=8), server_default="own", nullable=False))
        batch_op.alter_column(
            "state", existing_type=sa.String(length=8), type_=sa.String(length=12), existing_nullable=False
        )
        batch_op.drop_constraint("uq_digest_deliveries_user_id_local_date", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_digest_deliveries_user_id_local_date_kind"), ["user_id", "local_date", "kind"]
        )


def downgrade() -> None:
    with op.batch_alter_table("digest_deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_digest_deliveries_user_id_local_date_kind"), type_="unique")
    op.execute("DELETE FROM digest_deliveries WHERE kind <> 'own'")
    with op.batch_alter_table("digest_deliveries", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_digest_deliveries_user_id_local_date", ["user_id", "local_date"]
        )
        batch_op.alter_column(
            "state", existing_type=sa.String(length=12), type_=sa.String(length=8), existing_nullable=False
        )
        batch_op.drop_column("kind")
    op.drop_column("slack_identities", "team_id")
    op.drop_column("user_preferences", "rules_off")
    op.drop_column("org", "rules_off")
    op.drop_column("users", "digest_team")
