"""Engines, sessions and schema upgrades.

Callers own their session: ``with session_scope(engine) as session:`` commits once at the end or rolls back
on error. Query functions in ``crm.queries`` take a session and never commit.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Connection,
    Engine,
    String,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)


def _normalise_url(url: str) -> str:
    # Heroku-style "postgres://" URLs and bare "postgresql://" both mean psycopg 3 here.
    parsed = make_url(
        url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url
    )
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


SQLITE_MMAP_BYTES = 2**31


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin (SQLAlchemy's documented
    # recipe): reads and writes of one session then share one real SQLite transaction, and per-transaction
    # pragmas such as defer_foreign_keys hold for the whole of it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Read pages straight from the OS's file cache instead of copying each into SQLite's small page cache:
    # the rule engine's look-ups touch pages all over a large CRM (bench/rules.py: about a quarter less CPU
    # for a re-run on the large profile). SQLite caps the size at its build's limit (2 GB by default).
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # "BEGIN IMMEDIATE" for sessions that will write (``session_scope(write=True)``): a deferred
    # transaction that reads first and writes later fails at once with "database is locked" when another
    # writer committed meanwhile (WAL snapshots cannot be upgraded), whatever the busy timeout.
    mode = connection.get_execution_options().get("sqlite_begin", "")
    connection.exec_driver_sql(f"BEGIN {mode}".strip())


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the pragmas Salesbot relies on (SQLite foreign keys, WAL, busy timeout)."""
    url = _normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql+psycopg:"):
        # No server-side prepared statements (psycopg prepares a query after its fifth run): PostgreSQL
        # then plans it once, generically, with the statistics of that moment, and keeps that plan. A
        # HubSpot sync into empty tables had its id look-ups planned as scans of a table then empty, run
        # against tens of thousands of rows later (bench/hubspot_sync.py on PostgreSQL: 13.5 s, 6.4 s
        # without). Also what PgBouncer's transaction pooling needs.
        kwargs["connect_args"] = {"prepare_threshold": None, **kwargs.get("connect_args", {})}
    return create_engine(url, pool_pre_ping=True, **kwargs)


@lru_cache(maxsize=16)
def _sessionmaker(engine: Engine, write: bool = False) -> sessionmaker[Session]:
    if write and engine.dialect.name == "sqlite":
        return sessionmaker(bind=engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False)
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """A session that commits once when the block ends and rolls back if it raises.

    ``write=True`` for a short transaction that reads then writes while others may write concurrently: on
    SQLite it takes the write lock up front (waiting for it under the busy timeout) instead of failing at
    its first write.
    """
    session = _sessionmaker(engine, write)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# The newest migration. Checking a database against it needs no Alembic (whose import costs a command most of
# a second); tests/crm/test_migrations.py checks it is Alembic's head.
SCHEMA_HEAD = "0015_rule_inputs_pause"


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("crm") / "migrations"))
    config.attributes["engine"] = engine
    return config


def schema_is_current(engine: Engine) -> bool:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == SCHEMA_HEAD


def upgrade(engine: Engine) -> None:
    """Apply every pending migration (a no-op when the schema is at head)."""
    if schema_is_current(engine):
        return
    log.info("upgrading database schema", extra={"url": engine.url.render_as_string(hide_password=True)})
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


def one_of(bind: Connection, column: Any, values: Sequence[str]) -> Any:
    """``column IN values`` with the values as one bound parameter (a JSON array read by ``json_each`` on
    SQLite, an array on PostgreSQL), not one each: a thousand ids are one statement compiled once, its
    plan cached, instead of 900-at-a-time statements that SQLAlchemy expands and renders per execution (the
    HubSpot sync's id look-ups, per chunk)."""
    if bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(bindparam(None, list(values), type_=ARRAY(String)))
    array = func.json_each(bindparam(None, json.dumps(list(values)), type_=String)).table_valued("value")
    return column.in_(select(array.c.value))


def insert_on_conflict(
    bind: Session | Connection,
    table: Any,
    *,
    keys: Sequence[str] | None = None,
    update: Iterable[str] = (),
) -> Any:
    """``INSERT ... ON CONFLICT`` on PostgreSQL and SQLite (the same syntax, a dialect's own construct each):
    with ``update``, those columns take the new row's values (an upsert on ``keys``); without, a row that
    conflicts is skipped (insert-if-absent; ``keys`` name the constraint, by default any). Add ``.values()``
    and ``.returning()`` as with ``insert()``."""
    dialect = (bind.get_bind() if isinstance(bind, Session) else bind).dialect.name
    # The dialect's own module, imported here: a command never pays for the other database's.
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql as module
    else:
        from sqlalchemy.dialects import sqlite as module  # type: ignore[no-redef]
    stmt = module.insert(table)
    updates = {name: stmt.excluded[name] for name in update}
    if updates:
        return stmt.on_conflict_do_update(index_elements=keys, set_=updates)
    return stmt.on_conflict_do_nothing(index_elements=keys)
