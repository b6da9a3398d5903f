"""``crm.db.make_engine`` on PostgreSQL: no server-side prepared statements (their generic plans, made once
with the statistics of a table still empty, stay in use as it grows: a first HubSpot sync's id look-ups)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from crm.db import make_engine
from tests.conftest import PG_URL


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set")
def test_a_query_run_many_times_is_never_prepared_on_the_server() -> None:
    assert PG_URL is not None
    engine = make_engine(PG_URL)
    try:
        with engine.connect() as connection:
            for n in range(12):  # psycopg prepares a query on the server from its fifth run by default
                connection.execute(text("SELECT :n + 1"), {"n": n}).scalar_one()
            prepared = connection.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()
            assert prepared == 0
    finally:
        engine.dispose()


@pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set")
def test_connect_arguments_given_are_kept_beside_it() -> None:
    assert PG_URL is not None
    engine = make_engine(PG_URL, connect_args={"application_name": "salesbot-test"})
    try:
        with engine.connect() as connection:
            name = connection.execute(text("SELECT current_setting('application_name')")).scalar_one()
            assert name == "salesbot-test"
            assert connection.connection.driver_connection.prepare_threshold is None  # type: ignore[union-attr]
    finally:
        engine.dispose()
