"""``import --replace``: the store emptied inside the import's own transaction, so a failed import (an
invalid file) leaves the previous CRM exactly as it was."""

from __future__ import annotations

from sqlalchemy import Connection

from crm.models import Base, ClockTick

# Not CRM data: the clock's health record survives a replace.
KEPT = frozenset({ClockTick.__tablename__})


def clear_store(connection: Connection) -> None:
    """Delete every row of every CRM table (children first), on ``connection``'s open transaction."""
    for table in reversed(Base.metadata.sorted_tables):
        if table.name not in KEPT:
            connection.execute(table.delete())
