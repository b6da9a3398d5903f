"""Salesbot ids of synced HubSpot records (docs/hubspot.md, "Ids").

HubSpot ids are unique within an object type only, so a record first seen in HubSpot gets
``hs-<type>-<HubSpot id>`` with the type in the singular (``hs-contact-51``, ``hs-call-51``): ids of different
types never collide, even in the one ``activities`` table. Owners become users ``hs-owner-<owner id>``, teams
``hs-team-<id>``, pipelines ``hs-pipeline-<deals|leads>-<id>`` (stage ids are HubSpot's own: a stage is
identified within its pipeline). ``hubspot_records`` maps every synced record (object type, HubSpot id) to its
Salesbot id, so a record created in Salesbot and then written to HubSpot keeps the id it was created with,
and an owner whose email matches a user imported earlier keeps that user.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from sqlalchemy import Connection, Table, select, tuple_

from crm.db import one_of
from crm.models import HubSpotRecord

SINGULAR = {
    "companies": "company",
    "contacts": "contact",
    "deals": "deal",
    "leads": "lead",
    "tasks": "task",
    "calls": "call",
    "meetings": "meeting",
    "notes": "note",
    "emails": "email",
    "owners": "owner",
    "teams": "team",
}
RECORDS = cast(Table, HubSpotRecord.__table__)


def default_id(object_type: str, hubspot_id: str) -> str:
    return f"hs-{SINGULAR[object_type]}-{hubspot_id}"


def pipeline_id(object_type: str, hubspot_id: str) -> str:
    return f"hs-pipeline-{object_type}-{hubspot_id}"


def resolve(connection: Connection, object_type: str, hubspot_ids: Iterable[str]) -> dict[str, str]:
    """Salesbot ids of HubSpot records of one type: the map's, else the default scheme's."""
    wanted = list(dict.fromkeys(hubspot_ids))
    return named(object_type, wanted, mapped(connection, object_type, wanted))


def named(object_type: str, hubspot_ids: Iterable[str], found: dict[str, str]) -> dict[str, str]:
    """Salesbot ids of HubSpot records of one type, ``found`` those the map holds (``mapped``): the map's,
    else the default scheme's."""
    return {h: found.get(h) or default_id(object_type, h) for h in hubspot_ids}


def mapped(connection: Connection, object_type: str, hubspot_ids: Iterable[str]) -> dict[str, str]:
    """HubSpot id -> Salesbot id of those of ``hubspot_ids`` in the map (synced, or written back)."""
    wanted = list(hubspot_ids)
    if not wanted:
        return {}
    rows = connection.execute(
        select(RECORDS.c.hubspot_id, RECORDS.c.salesbot_id).where(
            RECORDS.c.object_type == object_type, one_of(connection, RECORDS.c.hubspot_id, wanted)
        )
    )
    return {h: s for h, s in rows}


def hubspot_ids_of(connection: Connection, object_type: str, salesbot_ids: Iterable[str]) -> dict[str, str]:
    """The reverse: HubSpot ids of Salesbot records of one type that are in HubSpot (write-back uses it)."""
    wanted = list(dict.fromkeys(salesbot_ids))
    out: dict[str, str] = {}
    for start in range(0, len(wanted), 900):
        rows = connection.execute(
            select(RECORDS.c.salesbot_id, RECORDS.c.hubspot_id).where(
                tuple_(RECORDS.c.salesbot_id, RECORDS.c.object_type).in_(
                    [(s, object_type) for s in wanted[start : start + 900]]
                )
            )
        )
        out.update({s: h for s, h in rows})
    return out


def existing(connection: Connection, table: Table, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` are rows of ``table`` (by its ``id``)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return set()
    return set(connection.execute(select(table.c.id).where(one_of(connection, table.c.id, wanted))).scalars())
