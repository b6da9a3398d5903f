"""rule inputs pause: the SQLite change triggers of 0009 skip their counting while ``rule_inputs_paused`` has
a row

A bulk write (an import, a HubSpot sync's page of a full listing) inserts that row, writes, deletes it and
counts one change of everything, in one transaction (``crm.models.rule_run.pause_change_counting``): before,
it dropped the triggers of the tables it wrote and created them again, a dozen DDL statements per page (each
also making SQLite prepare every statement again). PostgreSQL's triggers count once per transaction and are
left as they are.

Revision ID: 0015_rule_inputs_pause
Revises: 0014_writeback_home
Create Date: 2026-12-03 19:05:00
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_rule_inputs_pause"
down_revision: str | None = "0014_writeback_home"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_PAUSED = "NOT EXISTS (SELECT 1 FROM rule_inputs_paused)"
# The triggers 0009 created on the CRM's tables (not those on ``actions``, which bulk writes never touch).
_TRIGGERS = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rule_inputs_%' AND tbl_name != 'actions'"


def upgrade() -> None:
    op.create_table(
        "rule_inputs_paused",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        return
    for name, sql in op.get_bind().execute(sa.text(_TRIGGERS)).all():
        op.execute(f'DROP TRIGGER "{name}"')
        op.execute(_paused(sql))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for name, sql in op.get_bind().execute(sa.text(_TRIGGERS)).all():
            op.execute(f'DROP TRIGGER "{name}"')
            op.execute(_unpaused(sql))
    op.drop_table("rule_inputs_paused")


def _paused(sql: str) -> str:
    """``... ON t [WHEN cond]\\nBEGIN`` -> ``... ON t WHEN [cond AND ]NOT EXISTS (...)\\nBEGIN``."""
    head, begin, body = sql.partition("\nBEGIN\n")
    if not begin:
        raise RuntimeError(f"unexpected trigger SQL: {sql[:80]!r}")
    when = re.search(r"\nWHEN (.*)$", head, re.S)
    if when:
        head = f"{head[: when.start()]}\nWHEN {when.group(1)} AND {NOT_PAUSED}"
    else:
        head = f"{head}\nWHEN {NOT_PAUSED}"
    return head + begin + body


def _unpaused(sql: str) -> str:
    head, begin, body = sql.partition("\nBEGIN\n")
    head = head.replace(f" AND {NOT_PAUSED}", "").replace(f"\nWHEN {NOT_PAUSED}", "")
    return head + begin + body
