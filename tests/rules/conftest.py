"""Rule tests share one engine per backend and empty it before each test.

The engine's compiled-statement cache is what makes an evaluation fast (the rules' statements are compiled
once per engine), so a fresh engine per test, as tests/conftest.py gives, would spend most of each test
compiling. This ``engine`` overrides that fixture for tests/rules only.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from crm.db import make_engine
from crm.models import Base
from tests.conftest import BACKENDS


@pytest.fixture(scope="session")
def _rules_sqlite_engine(
    tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path
) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("rules") / "crm.db"
    shutil.copyfile(_sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


def empty(engine: Engine) -> None:
    """Delete every row: on a small database much faster than TRUNCATE (PostgreSQL) or a new file."""
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture(params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, _rules_sqlite_engine: Engine, _pg_engine: Engine | None
) -> Iterator[Engine]:
    """A migrated, empty database, shared by the rule tests of one backend."""
    if request.param == "sqlite":
        empty(_rules_sqlite_engine)
        yield _rules_sqlite_engine
    else:
        assert _pg_engine is not None
        empty(_pg_engine)
        yield _pg_engine
