"""``salesbot hubspot status``: what the connector knows, read from the database only (it answers even when
HubSpot is down): the connected portal, the last sync per object type with its cursor, the records synced,
the write-back queue and the requests used in the last 10 seconds and today (the shared rate budget).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, select

from crm.config import Settings
from crm.models import HubSpotCursor, HubSpotOAuthToken, HubSpotPortal
from hubspot_connector.api import names
from hubspot_connector.budget import RateBudget

CURSORS = cast(Table, HubSpotCursor.__table__)
PORTALS = cast(Table, HubSpotPortal.__table__)
TOKENS = cast(Table, HubSpotOAuthToken.__table__)


@dataclass
class WriteBackCounts:
    pending: int = 0
    failed: int = 0


def write_back_counts(connection: Connection) -> WriteBackCounts:
    """The write-back queue's pending and failed entries (docs/hubspot.md, "Writing back")."""
    from hubspot_connector.writeback import queue_counts

    counts = queue_counts(connection)
    return WriteBackCounts(pending=counts["pending"], failed=counts["failed"])


@dataclass
class TypeStatus:
    object_type: str
    records: int  # records of this type in the store, as the sync counts them (``hubspot_cursors.records``)
    last_sync_at: datetime | None
    last_full_at: datetime | None
    modified_through: datetime | None  # the cursor: everything modified up to then is stored
    resuming: str | None  # a sync stopped half way: where it resumes


@dataclass
class Status:
    connection: str  # "private app" | "oauth" | "not connected"
    portal_id: str | None
    time_zone: str | None
    hub_domain: str | None
    token_expires_at: datetime | None
    types: list[TypeStatus] = field(default_factory=list)
    records: int = 0
    write_back: WriteBackCounts = field(default_factory=WriteBackCounts)
    requests_last_10s: int = 0
    requests_today: int = 0
    daily_max: int | None = None
    daily_remaining: int | None = None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        return _iso(data)


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value


def _resuming(cursor: Any) -> str | None:
    if cursor is None:
        return None
    if cursor.full_after is not None:
        return f"full sync, after {cursor.full_after}"
    after_id = getattr(cursor, "incremental_after_id", None)
    if after_id is not None:
        return f"incremental sync, after id {after_id}"
    return None


def status(engine: Engine, settings: Settings, now: datetime) -> Status:
    with engine.connect() as connection:
        portal = connection.execute(select(PORTALS).order_by(PORTALS.c.checked_at.desc()).limit(1)).first()
        token = connection.execute(select(TOKENS).order_by(TOKENS.c.portal_id).limit(1)).first()
        cursors = {row.object_type: row for row in connection.execute(select(CURSORS))}
        write_back = write_back_counts(connection)
    if settings.hubspot_access_token is not None:
        mode = "private app"
    elif token is not None:
        mode = "oauth"
    else:
        mode = "not connected"
    types = []
    for object_type in names.OBJECT_TYPES:
        cursor = cursors.get(object_type)
        types.append(
            TypeStatus(
                object_type,
                int(cursor.records or 0) if cursor is not None else 0,
                cursor.last_sync_at if cursor is not None else None,
                cursor.last_full_at if cursor is not None else None,
                cursor.modified_through if cursor is not None else None,
                _resuming(cursor),
            )
        )
    usage = RateBudget(engine, settings.hubspot_rate_per_10s, settings.hubspot_search_per_s).usage(now)
    oauth = token if mode == "oauth" else None
    portal_id = portal.portal_id if portal is not None else None
    if portal_id is None and token is not None:
        portal_id = token.portal_id
    return Status(
        connection=mode,
        portal_id=portal_id,
        time_zone=portal.time_zone if portal is not None else None,
        hub_domain=oauth.hub_domain if oauth is not None else None,
        token_expires_at=oauth.expires_at if oauth is not None else None,
        types=types,
        records=sum(t.records for t in types),
        write_back=write_back,
        requests_last_10s=usage.last_10s,
        requests_today=usage.today,
        daily_max=usage.daily_max,
        daily_remaining=usage.daily_remaining,
    )
