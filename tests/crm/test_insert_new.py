"""``insert_new``: rows that should all be new go in by a plain insert (COPY on PostgreSQL); when another
connection stored one meanwhile, they are upserted instead, in the same transaction, nothing lost."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import pytest
from sqlalchemy import Engine, Table, select, text

from crm.importer.writer import COPY_FROM, Values, insert_new
from crm.models import HubSpotRecord

RECORDS = cast(Table, HubSpotRecord.__table__)
AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _rows(ids: range, prefix: str) -> Values:
    return Values(
        ["object_type", "hubspot_id", "salesbot_id", "modified_at"],
        [["emails", str(i), f"{prefix}-{i}", AT] for i in ids],
    )


def _stored(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        return dict(connection.execute(select(RECORDS.c.hubspot_id, RECORDS.c.salesbot_id)).all())


@pytest.mark.parametrize("n", [3, COPY_FROM + 8])  # row by row, and by COPY on PostgreSQL
def test_new_rows_go_in_and_one_stored_meanwhile_is_updated_not_refused(engine: Engine, n: int) -> None:
    with engine.begin() as connection:
        insert_new(connection, RECORDS, _rows(range(n), "first"))
    assert _stored(engine) == {str(i): f"first-{i}" for i in range(n)}
    with engine.begin() as connection:
        # Another connection wrote row 1 since the caller looked: the batch is upserted instead.
        insert_new(connection, RECORDS, _rows(range(1, n + 5), "second"))
        # The transaction goes on (the failed insert was rolled back to its savepoint only).
        connection.execute(text("INSERT INTO hubspot_cursors (object_type, records) VALUES ('emails', 1)"))
    assert _stored(engine) == {"0": "first-0", **{str(i): f"second-{i}" for i in range(1, n + 5)}}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT records FROM hubspot_cursors")).scalar_one() == 1
