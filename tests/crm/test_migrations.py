"""Migrations: an empty database upgrades to exactly the schema the models describe, on both engines."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url

from crm.db import make_engine, schema_is_current, upgrade
from crm.models import Base
from tests.conftest import PG_URL


def _fresh_sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    yield engine
    engine.dispose()


def _fresh_postgres() -> Iterator[Engine]:
    assert PG_URL is not None
    name = f"salesbot_migrate_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "postgresql" and not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    yield from (_fresh_sqlite(tmp_path) if request.param == "sqlite" else _fresh_postgres())


def test_upgrade_creates_every_table_of_the_models_on_an_empty_database(empty_engine: Engine) -> None:
    assert not schema_is_current(empty_engine)
    upgrade(empty_engine)
    assert set(inspect(empty_engine).get_table_names()) >= set(Base.metadata.tables)
    assert schema_is_current(empty_engine)


def test_migrations_and_models_do_not_drift(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    with empty_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_twice_is_a_no_op(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    upgrade(empty_engine)
    assert schema_is_current(empty_engine)


def test_schema_head_is_alembics_head(tmp_path: Path) -> None:
    """``crm.db.SCHEMA_HEAD`` (how a command checks the schema without importing Alembic) names the newest
    migration: a migration added without moving it fails here."""
    from alembic.script import ScriptDirectory

    from crm.db import SCHEMA_HEAD, alembic_config

    engine = make_engine(f"sqlite:///{tmp_path / 'head.db'}")
    try:
        assert ScriptDirectory.from_config(alembic_config(engine)).get_current_head() == SCHEMA_HEAD
        assert not schema_is_current(engine)  # no alembic_version table yet
        upgrade(engine)
        assert schema_is_current(engine)
    finally:
        engine.dispose()
