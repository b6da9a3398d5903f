"""Where a rep's change stands in HubSpot, read from the write-back queue (``hubspot_writeback``), so every
redraw (another click, the next Home open) shows the state the store holds, not what a process remembers.

``saved_states(session, object_type, record_ids, since)``: per record, its latest entry made since a time
(a digest line's record since the message was posted). ``home_states(session, actor_id, since)``: the
actor's latest changes made from the Home tab (or a modal opened from it). Each is a :class:`Saved`: plain
data for the builders. No entry, no ``Saved``: without HubSpot nothing is ever queued, so nothing shows.
The callers pass ids already read through the permission filter, or the actor's own entries; a URL is not
CRM data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import HubSpotPortal, WritebackEntry
from crm.record_links import connected_portal, portal_record_url


@dataclass(frozen=True)
class Saved:
    """A change's state in HubSpot: ``pending`` (saving), ``sent`` (saved), ``conflict`` (HubSpot's value
    kept; ``outcome`` says which in one line) or ``failed`` (not saved; the rep has the reason and Retry
    privately). ``url``: the record in HubSpot, once HubSpot has it."""

    entry_id: int
    kind: str  # the entry's kind: "complete_task", "set_deal_stage", ...
    state: str
    url: str | None
    outcome: str | None


def _saved(entries: Sequence[WritebackEntry], portal: HubSpotPortal | None) -> list[Saved]:
    out = []
    for e in entries:
        url = None
        if portal is not None and e.hubspot_id is not None and e.state in ("sent", "conflict"):
            url = portal_record_url(portal, e.object_type, e.hubspot_id)
        out.append(Saved(e.id, e.kind, e.state, url, e.outcome))
    return out


def _portal(session: Session, entries: Sequence[WritebackEntry]) -> HubSpotPortal | None:
    if not any(e.hubspot_id for e in entries):
        return None
    return connected_portal(session)


def saved_states(
    session: Session, object_type: str, record_ids: Sequence[str], since: datetime | None = None
) -> dict[str, Saved]:
    """Each record's latest entry (made at or after ``since``), by Salesbot record id."""
    if not record_ids:
        return {}
    stmt = select(WritebackEntry).where(
        WritebackEntry.object_type == object_type, WritebackEntry.record_id.in_(list(set(record_ids)))
    )
    if since is not None:
        stmt = stmt.where(WritebackEntry.created_at >= since)
    entries = list(session.scalars(stmt.order_by(WritebackEntry.id)))
    latest = {e.record_id: e for e in entries}  # ordered by id: the last one wins
    states = _saved(list(latest.values()), _portal(session, list(latest.values())))
    return {e.record_id: s for e, s in zip(latest.values(), states, strict=True)}


def home_states(session: Session, actor_id: str, since: datetime, limit: int = 3) -> list[Saved]:
    """The actor's latest ``limit`` changes made from Home since ``since``, newest first."""
    stmt = (
        select(WritebackEntry)
        .where(
            WritebackEntry.actor_id == actor_id,
            WritebackEntry.home.is_not(None),
            WritebackEntry.created_at >= since,
        )
        .order_by(WritebackEntry.id.desc())
        .limit(limit)
    )
    entries = list(session.scalars(stmt))
    return _saved(entries, _portal(session, entries))
