"""Alembic environment: runs against the engine handed over by ``crm.db.upgrade`` or ``DATABASE_URL``."""

from __future__ import annotations

from alembic import context

import crm.models  # noqa: F401  (registers every table on the metadata)
from crm.config import get_settings
from crm.db import make_engine
from crm.models.base import Base

config = context.config
engine = config.attributes.get("engine") or make_engine(get_settings().database_url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
