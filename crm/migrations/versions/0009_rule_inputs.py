"""rule inputs: change counters kept by triggers on the tables the rules read, and each rule's last run

The rule engine evaluates a rule again in full only when one of its inputs changed since its last run
(rules/incremental.py); these triggers are how it knows, whoever the writer. Inserts and deletes count for a
table (``activities``), updates for each column they change (``activities.status``): completing a task
concerns the rules that read tasks' status, not every rule reading activities.

Revision ID: 0009_rule_inputs
Revises: 0008_insights_index
Create Date: 2026-11-29 20:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm.models.base

revision: str = "0009_rule_inputs"
down_revision: str | None = "0008_insights_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table of the CRM dataset (the rules read most of them; a table they start reading later is covered).
TRACKED = (
    "users",
    "teams",
    "companies",
    "contacts",
    "pipelines",
    "stages",
    "sequences",
    "enrollments",
    "leads",
    "deals",
    "deal_contacts",
    "activities",
    "email_recipients",
    "activity_contacts",
    "activity_companies",
    "activity_deals",
    "activity_leads",
    "engagement_events",
)

# An update of an action that can let its rule create again or must be checked again: it stops being live
# other than by expiring (the engine's own expirations are seen by the run that makes them), becomes live
# again, or its identity or association snapshot changes. Snoozing and un-snoozing keep it live.
ACTION_CHANGED = """
    (OLD.state IN ('open', 'snoozed') AND NEW.state NOT IN ('open', 'snoozed', 'expired'))
    OR (OLD.state NOT IN ('open', 'snoozed') AND NEW.state IN ('open', 'snoozed'))
    OR OLD.rule IS DISTINCT FROM NEW.rule OR OLD.key IS DISTINCT FROM NEW.key
    OR OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.subject_type IS DISTINCT FROM NEW.subject_type
    OR OLD.subject_id IS DISTINCT FROM NEW.subject_id OR OLD.contact_id IS DISTINCT FROM NEW.contact_id
    OR OLD.company_id IS DISTINCT FROM NEW.company_id OR OLD.created_at IS DISTINCT FROM NEW.created_at
"""


def upgrade() -> None:
    op.create_table(
        "rule_input_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rule_input_versions_name", "rule_input_versions", ["name"], unique=False)
    op.create_table(
        "rule_runs",
        sa.Column("rule", sa.String(length=3), nullable=False),
        sa.Column("evaluated_at", crm.models.base.UTCDateTime(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("rule"),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TRACKED:
            op.execute(f"DROP TRIGGER IF EXISTS rule_inputs_changed ON {table}")
            for column in _columns(table):
                op.execute(f"DROP TRIGGER IF EXISTS rule_inputs_update_{column} ON {table}")
        for name in ("rule_inputs_update", "rule_inputs_delete", "rule_inputs_truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON actions")
        op.execute("DROP FUNCTION IF EXISTS rule_inputs_table_changed()")
        op.execute("DROP FUNCTION IF EXISTS rule_inputs_action_changed()")
        op.execute("DROP FUNCTION IF EXISTS rule_inputs_actions_truncated()")
        op.execute("DROP FUNCTION IF EXISTS rule_inputs_count_change(text)")
    else:
        for table in TRACKED:
            for event in ("insert", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS rule_inputs_{table}_{event}")
            for column in _columns(table):
                op.execute(f"DROP TRIGGER IF EXISTS rule_inputs_{table}_update_{column}")
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS rule_inputs_actions_{event}")
    op.drop_table("rule_runs")
    op.drop_index("ix_rule_input_versions_name", table_name="rule_input_versions")
    op.drop_table("rule_input_versions")


def _sqlite_bump(name: str, when: str = "1") -> str:
    """Add one to ``name``'s counter row when ``when`` holds, creating it at 1 (SQLite: one row per name)."""
    return (
        f"UPDATE rule_input_versions SET version = version + 1 WHERE name = {name} AND {when};\n"
        f"INSERT INTO rule_input_versions (name, version) SELECT {name}, 1\n"
        f"    WHERE {when} AND NOT EXISTS (SELECT 1 FROM rule_input_versions WHERE name = {name});"
    )


def _columns(table: str) -> list[str]:
    return [column["name"] for column in sa.inspect(op.get_bind()).get_columns(table)]


def _sqlite_triggers() -> None:
    # SQLite has no statement-level triggers: a row trigger bumps a counter (one writer at a time, no waits).
    for table in TRACKED:
        for event in ("INSERT", "DELETE"):
            op.execute(
                f"CREATE TRIGGER rule_inputs_{table}_{event.lower()} AFTER {event} ON {table}\n"
                f"BEGIN\n{_sqlite_bump(repr(table))}\nEND"
            )
        for column in _columns(table):
            op.execute(
                f'CREATE TRIGGER rule_inputs_{table}_update_{column} AFTER UPDATE OF "{column}" ON {table}\n'
                f'WHEN OLD."{column}" IS NOT NEW."{column}"\n'
                f"BEGIN\n{_sqlite_bump(repr(f'{table}.{column}'))}\nEND"
            )
    changed = ACTION_CHANGED.replace("IS DISTINCT FROM", "IS NOT")
    old_rule = _sqlite_bump("'actions:' || OLD.rule")
    new_rule = _sqlite_bump("'actions:' || NEW.rule", "NEW.rule IS NOT OLD.rule")
    op.execute(
        f"CREATE TRIGGER rule_inputs_actions_update AFTER UPDATE ON actions WHEN {changed}\n"
        f"BEGIN\n{old_rule}\n{new_rule}\nEND"
    )
    op.execute(f"CREATE TRIGGER rule_inputs_actions_delete AFTER DELETE ON actions\nBEGIN\n{old_rule}\nEND")


# PostgreSQL: appends one row per (transaction, name), remembered in a transaction-local setting (undone with
# the writes if a savepoint rolls back): a bulk import of millions of single-row statements adds one row, not
# millions. ``count_change(name)`` does it.
COUNT_CHANGE = """
CREATE FUNCTION rule_inputs_count_change(changed text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    setting text := 'salesbot_rule_inputs.n' || md5(changed);
BEGIN
    IF coalesce(current_setting(setting, true), '') = '' THEN
        INSERT INTO rule_input_versions (name, version) VALUES (changed, 1);
        PERFORM set_config(setting, 'counted', true);
    END IF;
END $$
"""


def _postgresql_triggers() -> None:
    op.execute(COUNT_CHANGE)
    # Statement-level: an update counts for every column in its SET list (it does not compare values).
    op.execute(
        """
        CREATE FUNCTION rule_inputs_table_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM rule_inputs_count_change(COALESCE(TG_ARGV[0], TG_TABLE_NAME));
            RETURN NULL;
        END $$
        """
    )
    for table in TRACKED:
        op.execute(
            f"CREATE TRIGGER rule_inputs_changed AFTER INSERT OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION rule_inputs_table_changed()"
        )
        for column in _columns(table):
            op.execute(
                f'CREATE TRIGGER rule_inputs_update_{column} AFTER UPDATE OF "{column}" ON {table} '
                f"FOR EACH STATEMENT EXECUTE FUNCTION rule_inputs_table_changed('{table}.{column}')"
            )
    op.execute(
        """
        CREATE FUNCTION rule_inputs_action_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM rule_inputs_count_change('actions:' || OLD.rule);
            IF TG_OP = 'UPDATE' AND NEW.rule IS DISTINCT FROM OLD.rule THEN
                PERFORM rule_inputs_count_change('actions:' || NEW.rule);
            END IF;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        f"CREATE TRIGGER rule_inputs_update AFTER UPDATE ON actions FOR EACH ROW WHEN ({ACTION_CHANGED}) "
        "EXECUTE FUNCTION rule_inputs_action_changed()"
    )
    op.execute(
        "CREATE TRIGGER rule_inputs_delete AFTER DELETE ON actions FOR EACH ROW "
        "EXECUTE FUNCTION rule_inputs_action_changed()"
    )
    op.execute(
        """
        CREATE FUNCTION rule_inputs_actions_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM rule_inputs_count_change('actions:*');
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER rule_inputs_truncate AFTER TRUNCATE ON actions FOR EACH STATEMENT "
        "EXECUTE FUNCTION rule_inputs_actions_truncated()"
    )
