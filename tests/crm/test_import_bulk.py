"""A bulk load (into empty tables: plain inserts, indexes and, on PostgreSQL, foreign keys dropped while
loading) gives the same CRM as any import, whatever the order of the collections, and leaves the schema as
it found it, also when the file is refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from crm.importer.load import import_dataset
from crm.importer.validate import DatasetInvalid
from tests.crm.test_import import EXAMPLE, example, snapshot, write


def _schema(engine: Engine) -> list[tuple[str, ...]]:
    """Every index and foreign key, as the database describes them."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            keys = connection.execute(
                text(
                    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE contype = 'f' AND connamespace = current_schema()::regnamespace"
                )
            ).all()
            indexes = connection.execute(
                text(
                    "SELECT tablename, indexname, indexdef FROM pg_indexes "
                    "WHERE schemaname = current_schema()"
                )
            ).all()
        else:
            indexes = connection.execute(
                text("SELECT tbl_name, name, coalesce(sql, '') FROM sqlite_master WHERE type = 'index'")
            ).all()
            tables = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars()
            keys = [
                (table, *(str(value) for value in key))
                for table in list(tables)
                for key in connection.execute(text(f'PRAGMA foreign_key_list("{table}")'))
            ]
    return sorted(tuple(str(value) for value in row) for row in [*keys, *indexes])


def _reversed(data: dict[str, Any]) -> dict[str, Any]:
    """The collections in reverse order: every reference points forward."""
    return dict(reversed(list(data.items())))


def test_collections_in_any_order_load_the_same_crm(engine: Engine, tmp_path: Path) -> None:
    before = _schema(engine)
    import_dataset(engine, write(tmp_path, _reversed(example())))
    loaded = snapshot(engine)
    assert _schema(engine) == before
    import_dataset(engine, EXAMPLE, replace=True)
    assert snapshot(engine) == loaded
    assert _schema(engine) == before


@pytest.mark.parametrize("order", ["file", "reversed"])
def test_a_refused_bulk_load_leaves_the_empty_store_and_its_schema(
    engine: Engine, tmp_path: Path, order: str
) -> None:
    before = _schema(engine)
    data = example()
    data["activities"][0]["associations"]["contacts"].append("c9")
    with pytest.raises(DatasetInvalid) as raised:
        import_dataset(engine, write(tmp_path, data if order == "file" else _reversed(data)))
    assert any('no contact "c9"' in message for message in raised.value.errors), raised.value.errors
    assert snapshot(engine) == []
    assert _schema(engine) == before


def test_a_replace_bulk_loads_over_a_full_store(engine: Engine, tmp_path: Path) -> None:
    import_dataset(engine, EXAMPLE)
    before = _schema(engine)
    loaded = snapshot(engine)
    data = example()
    data["deals"][0]["name"] = "Renamed"
    import_dataset(engine, write(tmp_path, _reversed(data)), replace=True)
    assert _schema(engine) == before
    names = [record["name"] for collection, record in snapshot(engine) if collection == "deals"]
    assert "Renamed" in names
    import_dataset(engine, EXAMPLE, replace=True)
    assert snapshot(engine) == loaded


def test_the_example_file_names_collections_in_dependency_order() -> None:
    """The reversed files above only test forward references if the example's come backwards."""
    keys = list(json.loads(EXAMPLE.read_text()))
    assert keys.index("teams") < keys.index("users") < keys.index("activities")
