"""Named leases in the database: a process holds one for a while, so two processes (two ``salesbot clock``
started by accident) never do the same long job at once. Taking one is a single conditional write: the row
is claimed when it is free, expired, or already ours; a holder that dies simply lets it expire. The holder
renews it while working (``renew``) and releases it when done."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Engine, Table, delete, insert, or_, update
from sqlalchemy.exc import IntegrityError

from crm.models import HubSpotLease

LEASES = cast(Table, HubSpotLease.__table__)


def new_holder() -> str:
    """A name for this process's claims: host, pid and a random part (unique even across restarts)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _write_engine(engine: Engine) -> Engine:
    return engine.execution_options(sqlite_begin="IMMEDIATE") if engine.dialect.name == "sqlite" else engine


def acquire(engine: Engine, name: str, holder: str, now: datetime, duration: timedelta) -> bool:
    """Take (or renew) the lease ``name`` until ``now + duration``; False when another holder has it."""
    with _write_engine(engine).begin() as connection:
        taken = connection.execute(
            update(LEASES)
            .where(LEASES.c.name == name)
            .where(or_(LEASES.c.expires_at <= now, LEASES.c.holder == holder))
            .values(holder=holder, expires_at=now + duration)
        ).rowcount
        if taken:
            return True
    try:
        with _write_engine(engine).begin() as connection:
            connection.execute(insert(LEASES).values(name=name, holder=holder, expires_at=now + duration))
    except IntegrityError:  # the row exists: another holder has it (or just took it)
        return False
    return True


def renew(engine: Engine, name: str, holder: str, now: datetime, duration: timedelta) -> bool:
    """Extend a lease still held; False when it was lost (expired and taken by another)."""
    with _write_engine(engine).begin() as connection:
        return bool(
            connection.execute(
                update(LEASES)
                .where(LEASES.c.name == name, LEASES.c.holder == holder)
                .values(expires_at=now + duration)
            ).rowcount
        )


def release(engine: Engine, name: str, holder: str) -> None:
    with _write_engine(engine).begin() as connection:
        connection.execute(delete(LEASES).where(LEASES.c.name == name, LEASES.c.holder == holder))
