"""The rules' inputs besides the CRM, as bind parameters: ``now`` and instants relative to it, the org's final
lifecycle stages, each user's address, domain and local today.

Statements are built from a ``RuleContext`` once per set of time zones in use (building SQLAlchemy statements
costs more than running them on a small CRM) and run with each evaluation's ``parameters(now, ...)``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

from sqlalchemy import (
    BindParameter,
    Select,
    String,
    Subquery,
    bindparam,
    false,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from crm.localtime import day_bounds, local_date
from crm.models import Org, User
from crm.models.base import UTCDateTime
from crm.models.org import DEFAULT_FINAL_LIFECYCLE_STAGES, ORG_ROW_ID
from rules.sql import email_domain

log = logging.getLogger(__name__)


class RuleContext:
    """What every rule may read besides the CRM, as SQL bind parameters.

    ``users()`` is a fresh subquery (safe to use twice in one statement) of one row per user: ``user_id``,
    ``email_lower``, ``domain`` and the user's local today as ``local_date`` (``YYYY-MM-DD``), ``day_start``
    and ``day_end`` (UTC instants, ``day_start <= t < day_end``).
    """

    def __init__(self, zones: Sequence[str]) -> None:
        self.zones = tuple(zones)
        self._offsets: dict[str, timedelta] = {}
        self._lock = threading.Lock()
        self._users = _users_select(self.zones)

    @property
    def now(self) -> BindParameter[datetime]:
        return bindparam("now", type_=UTCDateTime())

    def ago(self, **delta: float) -> BindParameter[datetime]:
        """``now - timedelta(**delta)``."""
        return self._relative(-timedelta(**delta))

    def ahead(self, **delta: float) -> BindParameter[datetime]:
        """``now + timedelta(**delta)``."""
        return self._relative(timedelta(**delta))

    def _relative(self, delta: timedelta) -> BindParameter[datetime]:
        seconds = int(delta.total_seconds())
        name = f"now_{'plus' if seconds >= 0 else 'minus'}_{abs(seconds)}s"
        with self._lock:
            self._offsets[name] = delta
        return bindparam(name, type_=UTCDateTime())

    @property
    def final_lifecycle_stages(self) -> BindParameter[Any]:
        """The org's final lifecycle stages, lower-cased, for ``IN`` / ``NOT IN``."""
        return bindparam("final_lifecycle_stages", type_=String(), expanding=True)

    def users(self) -> Subquery:
        return self._users.subquery()

    def parameters(self, now: datetime, final_lifecycle_stages: Sequence[str]) -> dict[str, Any]:
        """The values of every parameter the rules' statements use, for an evaluation at ``now``."""
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        values: dict[str, Any] = {
            "now": now,
            "final_lifecycle_stages": [str(stage).lower() for stage in final_lifecycle_stages],
        }
        with self._lock:
            values.update({name: now + delta for name, delta in self._offsets.items()})
        for i, zone in enumerate(self.zones):
            day, start, end = _zone_day(now, zone)
            values.update({f"zone_{i}_date": day, f"zone_{i}_start": start, f"zone_{i}_end": end})
        return values


def read_settings(session: Session) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The time zones in use (sorted) and the org's final lifecycle stages."""
    org = session.get(Org, ORG_ROW_ID)
    stages = org.final_lifecycle_stages if org is not None else DEFAULT_FINAL_LIFECYCLE_STAGES
    zones = session.scalars(select(User.timezone).distinct().order_by(User.timezone)).all()
    return tuple(zones), tuple(str(stage) for stage in stages)


def _zone_day(now: datetime, zone: str) -> tuple[str, datetime, datetime]:
    try:
        today = local_date(now, zone)
        start, end = day_bounds(today, zone)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r: using UTC for its users' local day", zone)
        today = local_date(now, "UTC")
        start, end = day_bounds(today, "UTC")
    return today.isoformat(), start, end


def _users_select(zones: tuple[str, ...]) -> Select[Any]:
    """Users joined to their zone's local today: one row per zone in use, computed in Python."""
    rows = [
        select(
            literal(zone, String()).label("timezone"),
            bindparam(f"zone_{i}_date", type_=String()).label("local_date"),
            bindparam(f"zone_{i}_start", type_=UTCDateTime()).label("day_start"),
            bindparam(f"zone_{i}_end", type_=UTCDateTime()).label("day_end"),
        )
        for i, zone in enumerate(zones)
    ] or [
        select(
            literal(None, String()).label("timezone"),
            literal(None, String()).label("local_date"),
            literal(None, UTCDateTime()).label("day_start"),
            literal(None, UTCDateTime()).label("day_end"),
        ).where(false())
    ]
    zone_days = (rows[0] if len(rows) == 1 else union_all(*rows)).subquery("zone_days")
    user = aliased(User)
    email = func.lower(user.email)
    return select(
        user.id.label("user_id"),
        email.label("email_lower"),
        email_domain(email).label("domain"),
        zone_days.c.local_date,
        zone_days.c.day_start,
        zone_days.c.day_end,
    ).join_from(user, zone_days, zone_days.c.timezone == user.timezone)
