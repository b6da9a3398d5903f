"""Alembic environment: runs against the engine handed over by ``crm.db.upgrade`` or ``DATABASE_URL``."""

from __future__ import annotations

from alembic import context

from crm.db import make_engine
from crm.models import Base  # with every model loaded: the metadata holds every table
from crm.quick_settings import database_url

config = context.config
engine = config.attributes.get("engine") or make_engine(database_url())

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
