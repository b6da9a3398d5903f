"""The OAuth tables written out in crm.models.slack are the ones slack_sdk's SQLAlchemy stores build (and
read and write at run time), so the migrations that create them from our metadata stay right."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, Table

from crm.models import Base
from crm.models.slack import BOTS_TABLE, INSTALLATIONS_TABLE, OAUTH_STATES_TABLE


def shape(table: Table) -> dict[str, Any]:
    def default(column: Any) -> str | None:
        if column.default is None:
            return None
        arg = column.default.arg
        return type(arg).__name__ if not isinstance(arg, bool | int | str) else repr(arg)

    return {
        "columns": [
            (
                c.name,
                type(c.type).__name__,
                getattr(c.type, "length", None),
                c.nullable,
                c.primary_key,
                c.autoincrement,
                default(c),
            )
            for c in table.columns
        ],
        "indexes": sorted((i.name, tuple(c.name for c in i.columns), i.unique) for i in table.indexes),
    }


@pytest.mark.parametrize(
    ("name", "build"),
    [
        (INSTALLATIONS_TABLE, SQLAlchemyInstallationStore.build_installations_table),
        (BOTS_TABLE, SQLAlchemyInstallationStore.build_bots_table),
        (OAUTH_STATES_TABLE, SQLAlchemyOAuthStateStore.build_oauth_states_table),
    ],
)
def test_our_oauth_table_is_the_one_slack_sdk_builds(name: str, build: Any) -> None:
    theirs = build(MetaData(), name)
    assert shape(Base.metadata.tables[name]) == shape(theirs)
