"""``crm.db.one_of``: ``column IN values`` with the values as one parameter, on SQLite (``json_each``) and
PostgreSQL (an array); the same rows as SQLAlchemy's expanded ``IN``, whatever the values and however many."""

from __future__ import annotations

import random
from typing import cast

import pytest
from sqlalchemy import Engine, Table, insert, select

from crm.db import one_of
from crm.models import HubSpotRecord

RECORDS = cast(Table, HubSpotRecord.__table__)
ODD = ["01", "007", "a'b", 'a"b', "a\\b", "[1]", "null", "é", "日本", "x" * 60, " ", "", "%", "_"]


@pytest.fixture
def stored(engine: Engine) -> list[str]:
    ids = [str(n) for n in range(1, 2_500)] + ODD
    with engine.begin() as connection:
        connection.execute(
            insert(RECORDS),
            [{"object_type": "contacts", "hubspot_id": i, "salesbot_id": f"c-{i}"} for i in ids],
        )
    return ids


def _found(engine: Engine, values: list[str]) -> list[str]:
    with engine.connect() as connection:
        one = connection.execute(
            select(RECORDS.c.hubspot_id).where(one_of(connection, RECORDS.c.hubspot_id, values))
        ).scalars()
        found = sorted(one)
        expanded = sorted(
            connection.execute(
                select(RECORDS.c.hubspot_id).where(RECORDS.c.hubspot_id.in_(values[:900]))
            ).scalars()
        )
        if len(values) <= 900:  # the expanded IN, the reference, within SQLite's limit on parameters
            assert found == expanded
        return found


def test_the_rows_whose_value_is_among_them(engine: Engine, stored: list[str]) -> None:
    rng = random.Random(7)
    for n in (0, 1, 5, 900):
        wanted = rng.sample(stored, n) + [f"missing-{k}" for k in range(n // 3)]
        assert _found(engine, wanted) == sorted(set(wanted) & set(stored))


def test_values_that_would_need_quoting_or_escaping_match_only_themselves(
    engine: Engine, stored: list[str]
) -> None:
    assert _found(engine, ODD) == sorted(ODD)
    assert _found(engine, ["a", "b", "'", '"', "\\", "1 ", "E", "1.0"]) == []


def test_more_values_than_sqlite_takes_parameters(engine: Engine, stored: list[str]) -> None:
    assert _found(engine, stored + stored[:10]) == sorted(stored)  # duplicates too
