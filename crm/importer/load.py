"""``import_dataset``: validate the whole file, then write it all in one transaction, or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from crm.importer.reader import DatasetReader
from crm.importer.validate import DatasetInvalid, validate_dataset
from crm.importer.writer import write_dataset


@dataclass
class ImportResult:
    counts: dict[str, int] = field(default_factory=dict)


def import_dataset(
    engine: Engine,
    path: Path | str,
    *,
    progress: Callable[[str, int], None] | None = None,
) -> ImportResult:
    """Import ``path``. Raises ``DatasetInvalid`` (with every error) or ``DatasetUnreadable``; the database
    is unchanged unless the whole file is valid and written."""
    reader = DatasetReader(path)
    validation = validate_dataset(engine, reader)
    if validation.errors:
        raise DatasetInvalid(validation.errors, validation.truncated)
    present = [key for key, _ in reader.outline().keys]
    with engine.begin() as connection:
        write_dataset(connection, reader, present, progress)
    return ImportResult(counts=dict(validation.counts))
