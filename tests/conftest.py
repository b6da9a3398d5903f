"""Shared fixtures: a migrated, empty database per test on SQLite and, with TEST_DATABASE_URL, PostgreSQL.

SQLite tests copy a database file migrated once per run (fast and isolated); PostgreSQL tests share one
migrated database and empty every table before each test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from crm.db import make_engine, upgrade
from crm.models import Base

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

# A fixed instant for tests that need "now"; nothing reads the wall clock.
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _worker_database(url: str) -> str:
    """With pytest-xdist, each worker gets a database of its own (``<name>_gw0``...), made on first use:
    workers sharing one would empty each other's tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if exists is None:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _pg_engine() -> Iterator[Engine | None]:
    if not PG_URL:
        yield None
        return
    engine = make_engine(_worker_database(PG_URL))
    # Start from an empty schema so the run proves the migrations, not whatever an earlier run left.
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


def empty_pg(engine: Engine) -> None:
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} CASCADE"))


@pytest.fixture(params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, tmp_path: Path, _sqlite_template: Path, _pg_engine: Engine | None
) -> Iterator[Engine]:
    """A migrated, empty database; the test is run once per backend."""
    if request.param == "sqlite":
        path = tmp_path / "crm.db"
        shutil.copyfile(_sqlite_template, path)
        eng = make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
    else:
        assert _pg_engine is not None
        empty_pg(_pg_engine)
        yield _pg_engine


@pytest.fixture
def db_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session for arranging and asserting; the test commits what it arranges."""
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture(autouse=True)
def _block_kit_guard() -> Iterator[None]:
    """Fail a test whose app sent a fake Slack a payload Block Kit's JSON Schema rejects (the fake answers
    it with ``invalid_blocks``, as Slack would; an app may swallow that answer, this guard does not)."""
    from tests.fakes import slack_api

    before = {id(fake): len(fake.schema_rejections) for fake in list(slack_api.STARTED)}
    yield
    refused = [
        (method, errors)
        for fake in list(slack_api.STARTED)
        if not fake.expect_invalid_blocks
        for method, errors in fake.schema_rejections[before.get(id(fake), 0) :]
    ]
    assert not refused, f"payloads Block Kit's schema rejects: {refused[:3]}"
