"""``import_dataset``: one streaming pass that validates and writes inside a single transaction, committed
only when the whole file proved valid; any error rolls everything back, so the database is unchanged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from crm.importer.reader import DatasetReader, Item
from crm.importer.replace import clear_store
from crm.importer.validate import Checker, DatasetInvalid
from crm.importer.writer import Writer, prepare_for_bulk_load


@dataclass
class ImportResult:
    counts: dict[str, int] = field(default_factory=dict)


def import_dataset(
    engine: Engine,
    path: Path | str,
    *,
    progress: Callable[[str, int], None] | None = None,
    replace: bool = False,
) -> ImportResult:
    """Import ``path``, merged into the store (records with the same id replaced, others kept), or with
    ``replace`` into an emptied store, in the same transaction. Raises ``DatasetInvalid`` (with every
    error) or ``DatasetUnreadable``."""
    with engine.connect() as connection, connection.begin() as transaction:
        prepare_for_bulk_load(connection)
        if replace:
            clear_store(connection)
        checker = Checker(connection)
        writer = Writer(connection, progress)
        for event in DatasetReader(path).stream():
            if isinstance(event, Item):
                record = checker.record(event.key, event.index, event.record)
                if record is not None and not checker.failed:
                    writer.add(event.key, record)
            else:
                org = checker.top_level(event.key, event.kind, event.value)
                if org is not None and not checker.failed:
                    writer.org(org)
        validation = checker.finish()
        if validation.errors:
            transaction.rollback()
            raise DatasetInvalid(validation.errors, validation.truncated)
        writer.finish()
        # Fresh planner statistics: the rule engine's statements, planned without them (or with those of the
        # database before the import), can take minutes instead of seconds on a large CRM.
        connection.exec_driver_sql("ANALYZE")
        return ImportResult(counts=dict(validation.counts))
