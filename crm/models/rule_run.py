"""What the rule engine needs to evaluate incrementally (rules/incremental.py).

``rule_input_versions``: how many times each table the rules read has changed, kept by database triggers
(migration 0009), so no writer can forget to say so. On SQLite one row per name holds a counter; on
PostgreSQL each changing statement appends a row (no row is ever updated, so concurrent writers never wait on
one another) and the engine sums them, folding them into one row per name from time to time. Either way a
name's version is ``SUM(version)`` over its rows, counted in the reader's snapshot: a change committed later
is seen by the next evaluation. Names are table names, and ``actions:<rule>`` for a rule's actions (changes
that can let the rule create again: an action ending other than by expiring, deleted, or its identity
changed), ``actions:*`` for a TRUNCATE of all actions.

``rule_runs``: per rule, the ``now`` of its last evaluation, the versions of its inputs it saw, and the
fingerprint of everything else its result depends on (its statements, the org's settings, the local days).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Connection, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, UTCDateTime


class RuleInputVersion(Base):
    __tablename__ = "rule_input_versions"
    __table_args__ = (Index("ix_rule_input_versions_name", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(BigInteger)

    def __repr__(self) -> str:
        return f"RuleInputVersion(name={self.name!r}, version={self.version!r})"


class RuleInputsPaused(Base):
    """A row here pauses the SQLite change triggers (migration 0015): a bulk write inserts it, writes, deletes
    it and counts one change of everything, all in its one transaction, so no other connection ever sees it
    (a rollback or a crash takes it away with the writes). PostgreSQL's triggers count once per transaction
    anyway and ignore it."""

    __tablename__ = "rule_inputs_paused"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class RuleRun(Base):
    __tablename__ = "rule_runs"

    rule: Mapped[str] = mapped_column(String(3), primary_key=True)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fingerprint: Mapped[str] = mapped_column(String(64))
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"RuleRun(rule={self.rule!r}, evaluated_at={self.evaluated_at!r})"


EVERYTHING = "*"


def pause_change_counting(connection: Connection) -> bool:
    """SQLite: the change triggers stop counting for the rest of this transaction (until
    ``resume_change_counting``, which must come before its commit). Returns whether they were paused (not
    already, and not PostgreSQL)."""
    if connection.dialect.name == "postgresql":
        return False
    return bool(connection.execute(text("INSERT OR IGNORE INTO rule_inputs_paused (id) VALUES (1)")).rowcount)


def clear_stale_pause(connection: Connection) -> bool:
    """A pause another transaction committed (a bulk write that never called ``resume_change_counting``: a
    bug) would leave every change uncounted from then on: taken away here, counted as a change of
    everything. For the rule engine, which reads the versions holding the write lock (a pause of a bulk write
    in progress is not visible then). Returns whether there was one."""
    if connection.dialect.name == "postgresql":
        return False
    if connection.execute(text("SELECT 1 FROM rule_inputs_paused LIMIT 1")).first() is None:
        return False  # (a read first: no write, no write lock, when there is nothing to clear)
    resume_change_counting(connection)
    return True


def resume_change_counting(connection: Connection) -> None:
    """The triggers count again; what was written while they were paused counts as one change of
    everything."""
    connection.execute(text("DELETE FROM rule_inputs_paused"))
    count_everything_changed(connection)


def count_everything_changed(connection: Connection) -> None:
    """Say that anything may have changed: every rule depends on ``*``, so each runs in full next time."""
    if connection.dialect.name != "postgresql":
        updated = connection.execute(
            text("UPDATE rule_input_versions SET version = version + 1 WHERE name = :name"),
            {"name": EVERYTHING},
        )
        if updated.rowcount:
            return
    connection.execute(
        text("INSERT INTO rule_input_versions (name, version) VALUES (:name, 1)"), {"name": EVERYTHING}
    )
