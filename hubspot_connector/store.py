"""Writing synced records: through the importer's writer (``crm.importer.writer``), the store's one upsert
path, so the rule engine's change tracking sees a sync as it sees an import; and deleting records HubSpot
archived, with what depends on them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, select, update

from crm.db import one_of
from crm.models import Base, HubSpotRecord

RECORDS = cast(Table, HubSpotRecord.__table__)


def delete_rows(connection: Connection, table: Table, ids: Iterable[str]) -> int:
    """Delete rows of ``table`` by id with everything that points at them: a nullable reference is cleared,
    a required one deletes its row too (recursively); ``ON DELETE CASCADE`` children go by themselves."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return 0
    for other in Base.metadata.sorted_tables:
        for fk in other.foreign_keys:
            if fk.column.table is not table or fk.ondelete == "CASCADE":
                continue
            column = fk.parent
            if column.nullable:
                connection.execute(update(other).where(column.in_(wanted)).values({column.name: None}))
            elif "id" in other.c and len(other.primary_key.columns) == 1:
                dependants = connection.execute(select(other.c.id).where(column.in_(wanted))).scalars().all()
                delete_rows(connection, other, dependants)
            else:
                connection.execute(delete(other).where(column.in_(wanted)))
    return connection.execute(delete(table).where(one_of(connection, table.c.id, wanted))).rowcount


def forget(connection: Connection, object_type: str, hubspot_ids: Iterable[str]) -> None:
    ids = list(hubspot_ids)
    if ids:
        connection.execute(
            delete(RECORDS).where(
                RECORDS.c.object_type == object_type, one_of(connection, RECORDS.c.hubspot_id, ids)
            )
        )


def table_of(model: Any) -> Table:
    return cast(Table, model.__table__)
