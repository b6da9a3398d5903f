"""``import_dataset``: one streaming pass that validates and writes inside a single transaction, committed
only when the whole file proved valid; any error rolls everything back, so the database is unchanged."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, text

from crm.importer.reader import DatasetReader, Item
from crm.importer.replace import clear_store
from crm.importer.validate import Checker, DatasetInvalid
from crm.importer.writer import Writer, prepare_for_bulk_load


@dataclass
class ImportResult:
    counts: dict[str, int] = field(default_factory=dict)


@contextmanager
def _few_collections() -> Iterator[None]:
    """The cyclic garbage collector, run as often as by default, costs a fifth of an import's CPU: each run
    walks every object the process holds (modules, SQLAlchemy and pydantic schemas) while the records
    themselves die by reference counting. During the import it skips those long-lived objects (``freeze``)
    and runs less often; both are restored afterwards."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, thresholds[1], thresholds[2])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def import_dataset(
    engine: Engine,
    path: Path | str,
    *,
    progress: Callable[[str, int], None] | None = None,
    replace: bool = False,
) -> ImportResult:
    """Import ``path``, merged into the store (records with the same id replaced, others kept), or with
    ``replace`` into an emptied store, in the same transaction. Raises ``DatasetInvalid`` (with every
    error) or ``DatasetUnreadable``. On PostgreSQL, ``progress`` is called from the writer's thread."""
    with _few_collections(), engine.connect() as connection, connection.begin() as transaction:
        prepare_for_bulk_load(connection)
        if replace:
            clear_store(connection)
            if connection.dialect.name == "postgresql":
                # The deletes' deferred checks (they pass: every table is empty) run now, not at commit:
                # PostgreSQL alters no table with checks pending, and the load drops and adds keys.
                connection.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
                connection.execute(text("SET CONSTRAINTS ALL DEFERRED"))
        checker = Checker(connection)
        with Writer(connection, progress, background=True, references_met=checker.references_met) as writer:
            for event in DatasetReader(path).stream():
                if isinstance(event, Item):
                    record = checker.record(event.key, event.index, event.record)
                    if record is not None and not checker.failed:
                        writer.add(event.key, record)
                else:
                    org = checker.top_level(event.key, event.kind, event.value)
                    if org is not None and not checker.failed:
                        writer.org(org)
            writer.drain()
            validation = checker.finish()
            if validation.errors:
                transaction.rollback()
                raise DatasetInvalid(validation.errors, validation.truncated)
            writer.finish()
        # Fresh planner statistics: the rule engine's statements, planned without them (or with those of the
        # database before the import), can take minutes instead of seconds on a large CRM.
        connection.exec_driver_sql("ANALYZE")
        return ImportResult(counts=dict(validation.counts))
