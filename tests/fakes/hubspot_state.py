"""The data behind the fake HubSpot (tests/fakes/hubspot_api.py): CRM objects with string property values and
their history, v4 associations, owners, users, teams, roles, pipelines, property definitions and the account.

Objects of a type are kept by numeric id; list and search answer in id order. Every write bumps the
object's modification property (``lastmodifieddate`` for contacts, ``hs_lastmodifieddate`` otherwise) to the
state's ``clock()``, as HubSpot does.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

OBJECT_TYPES = ("companies", "contacts", "deals", "leads", "tasks", "calls", "meetings", "notes", "emails")
# The properties every portal has (enough for Salesbot's reads and writes); others are created by POST.
BUILTIN_PROPERTIES: dict[str, set[str]] = {
    "companies": {"name", "domain", "hubspot_owner_id", "hs_is_target_account"},
    "contacts": {
        "firstname", "lastname", "email", "hubspot_owner_id", "hubspot_owner_assigneddate", "lifecyclestage",
    },
    "deals": {
        "dealname", "hubspot_owner_id", "hubspot_owner_assigneddate", "pipeline", "dealstage", "amount",
        "deal_currency_code", "closedate", "hs_next_step", "hs_closed_won_date", "hs_deal_score",
    },
    "leads": {
        "hs_lead_name", "hubspot_owner_id", "hubspot_owner_assigneddate", "hs_pipeline", "hs_pipeline_stage",
    },
    "tasks": {
        "hs_task_subject", "hs_task_body", "hs_timestamp", "hs_task_status", "hs_task_priority",
        "hs_task_type", "hubspot_owner_id", "hs_task_completion_date",
    },
    "calls": {
        "hs_call_title", "hs_call_body", "hs_timestamp", "hs_call_duration", "hs_call_status",
        "hs_call_disposition", "hubspot_owner_id",
    },
    "meetings": {
        "hs_meeting_title", "hs_meeting_body", "hs_meeting_start_time", "hs_meeting_end_time",
        "hs_meeting_outcome", "hs_meeting_external_url", "hubspot_owner_id", "hs_timestamp",
    },
    "notes": {"hs_note_body", "hs_timestamp", "hubspot_owner_id"},
    "emails": {
        "hs_email_direction", "hs_email_subject", "hs_email_text", "hs_timestamp", "hs_email_from_email",
        "hs_email_to_email", "hs_email_thread_id", "hubspot_owner_id",
    },
}  # fmt: skip
READ_ONLY = {"hs_object_id", "createdate", "hs_createdate", "lastmodifieddate", "hs_lastmodifieddate"}


def modified_property(object_type: str) -> str:
    return "lastmodifieddate" if object_type == "contacts" else "hs_lastmodifieddate"


@functools.lru_cache(maxsize=1 << 16)  # the same times are rendered on every page that lists their records
def iso(value: datetime) -> str:
    """HubSpot's way of writing a time: UTC, milliseconds, ``Z``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_time(value: str) -> datetime:
    """A filter value or property: epoch milliseconds or ISO 8601."""
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class FakeObject:
    id: int
    properties: dict[str, str | None]
    created_at: datetime
    updated_at: datetime
    archived: bool = False
    archived_at: datetime | None = None
    history: dict[str, list[tuple[str | None, datetime]]] = field(default_factory=dict)  # oldest first
    malformed: str | None = None  # how to serve it broken (see FakeHubSpot.corrupt)


@dataclass
class State:
    clock: Callable[[], datetime] = wall_clock
    objects: dict[str, dict[int, FakeObject]] = field(default_factory=lambda: {t: {} for t in OBJECT_TYPES})
    # (from type, to type) -> from id -> [(to id, type ids)]; both directions are stored.
    links: dict[tuple[str, str], dict[int, list[tuple[int, list[int]]]]] = field(default_factory=dict)
    owners: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    teams: list[dict[str, Any]] = field(default_factory=list)
    roles: list[dict[str, Any]] = field(default_factory=list)
    pipelines: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {"deals": [], "leads": []})
    properties: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # created definitions
    account: dict[str, Any] = field(
        default_factory=lambda: {
            "portalId": 12345,
            "timeZone": "Europe/Warsaw",
            "companyCurrency": "USD",
            "uiDomain": "app.hubspot.com",
            "dataHostingLocation": "na1",
            "accountType": "STANDARD",
        }
    )
    order: dict[str, list[int]] = field(default_factory=dict)  # ids per type, ascending
    archived: dict[str, set[int]] = field(default_factory=dict)
    by_modified: dict[str, list[tuple[datetime, int]]] = field(default_factory=dict)
    dirty: set[str] = field(default_factory=set)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _ids: Any = field(default_factory=lambda: itertools.count(1001))

    def next_id(self) -> int:
        return next(self._ids)

    # --- objects ---------------------------------------------------------------------------------------

    def add(
        self,
        object_type: str,
        properties: dict[str, Any],
        *,
        id: int | None = None,
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
        archived: bool = False,
        history: dict[str, list[tuple[Any, datetime]]] | None = None,
    ) -> int:
        """Seed an object (values turned into strings, as HubSpot stores them). Returns its id."""
        with self.lock:
            oid = id if id is not None else self.next_id()
            created = created_at or self.clock()
            updated = updated_at or created
            props = {k: _string(v) for k, v in properties.items()}
            props["hs_object_id"] = str(oid)
            props.setdefault("createdate", iso(created))
            if object_type in ("tasks",):
                props.setdefault("hs_createdate", iso(created))
            props[modified_property(object_type)] = iso(updated)
            hist = {k: [(_string(v), at) for v, at in values] for k, values in (history or {}).items()}
            objects = self.objects[object_type]
            objects[oid] = FakeObject(
                oid, props, created, updated, archived, updated if archived else None, hist
            )
            order = self.order.setdefault(object_type, [])
            if not order or order[-1] < oid:
                order.append(oid)
            else:
                bisect.insort(order, oid)
            if archived:
                self.archived.setdefault(object_type, set()).add(oid)
            self.dirty.add(object_type)
            return oid

    def history_of(self, obj: FakeObject, name: str) -> list[tuple[str | None, datetime]]:
        """A property's values, oldest first (a value never changed: the current one, since creation)."""
        if name in obj.history:
            return obj.history[name]
        return [(obj.properties.get(name), obj.created_at)] if obj.properties.get(name) is not None else []

    def modified_after(self, object_type: str, since: datetime) -> list[int] | None:
        """Ids of objects modified after ``since`` (a superset is fine: callers check every filter)."""
        if object_type in self.dirty or object_type not in self.by_modified:
            self.by_modified[object_type] = sorted(
                (o.updated_at, o.id) for o in self.objects[object_type].values()
            )
            self.dirty.discard(object_type)
        entries = self.by_modified[object_type]
        start = bisect.bisect_right(entries, (since, 1 << 62))
        return [oid for _, oid in entries[start:]]

    def change(
        self, object_type: str, oid: int, properties: dict[str, Any], at: datetime | None = None
    ) -> None:
        """Change properties as a user in HubSpot would (history kept, modification time bumped)."""
        with self.lock:
            obj = self.objects[object_type][oid]
            when = at or self.clock()
            for name, value in properties.items():
                if name not in obj.history:
                    obj.history[name] = self.history_of(obj, name)
                obj.properties[name] = _string(value)
                obj.history[name].append((_string(value), when))
            self.touch(object_type, oid, when)

    def touch(self, object_type: str, oid: int, at: datetime | None = None) -> None:
        with self.lock:
            obj = self.objects[object_type][oid]
            obj.updated_at = at or self.clock()
            obj.properties[modified_property(object_type)] = iso(obj.updated_at)
            self.dirty.add(object_type)

    def archive(self, object_type: str, oid: int, at: datetime | None = None) -> None:
        with self.lock:
            obj = self.objects[object_type][oid]
            obj.archived = True
            obj.archived_at = at or self.clock()
            self.archived.setdefault(object_type, set()).add(oid)
            self.touch(object_type, oid, obj.archived_at)

    def associate(self, from_type: str, from_id: int, to_type: str, to_id: int, *type_ids: int) -> None:
        """Link two objects both ways (the reverse direction with the same type ids, which is enough)."""
        with self.lock:
            for (a, ai), (b, bi) in (
                ((from_type, from_id), (to_type, to_id)),
                ((to_type, to_id), (from_type, from_id)),
            ):
                targets = self.links.setdefault((a, b), {}).setdefault(ai, [])
                for i, (existing, types) in enumerate(targets):
                    if existing == bi:
                        targets[i] = (bi, sorted(set(types) | set(type_ids)))
                        break
                else:
                    targets.append((bi, list(type_ids)))

    def known_property(self, object_type: str, name: str) -> bool:
        return (
            name in BUILTIN_PROPERTIES.get(object_type, set())
            or name in READ_ONLY
            or name in self.properties.get(object_type, {})
        )

    def unique_properties(self, object_type: str) -> list[str]:
        return [n for n, d in self.properties.get(object_type, {}).items() if d.get("hasUniqueValue")]

    # --- people and pipelines --------------------------------------------------------------------------

    def add_owner(
        self,
        owner_id: int,
        email: str,
        first: str,
        last: str,
        *,
        user_id: int | None = None,
        teams: list[tuple[int, str, bool]] = (),  # type: ignore[assignment]
        type_: str = "PERSON",
        archived: bool = False,
    ) -> None:
        stamp = iso(self.clock())
        self.owners.append(
            {
                "id": str(owner_id),
                "email": email,
                "firstName": first,
                "lastName": last,
                "userId": user_id,
                "type": type_,
                "teams": [{"id": str(t), "name": n, "primary": p} for t, n, p in teams],
                "archived": archived,
                "createdAt": stamp,
                "updatedAt": stamp,
            }
        )

    def add_user(
        self, user_id: int, email: str, *, role_ids: list[str] = (), primary_team: int | None = None,  # type: ignore[assignment]
        super_admin: bool = False,
    ) -> None:  # fmt: skip
        self.users.append(
            {
                "id": str(user_id),
                "email": email,
                "roleIds": list(role_ids),
                "primaryTeamId": str(primary_team) if primary_team is not None else None,
                "superAdmin": super_admin,
            }
        )

    def add_team(self, team_id: int, name: str, user_ids: list[int] = ()) -> None:  # type: ignore[assignment]
        self.teams.append({"id": str(team_id), "name": name, "userIds": [str(u) for u in user_ids]})

    def add_role(self, role_id: int, name: str) -> None:
        self.roles.append({"id": str(role_id), "name": name, "requiresBillingWrite": False})

    def add_pipeline(
        self, object_type: str, pipeline_id: str, label: str, stages: list[tuple[str, str, bool, float]]
    ) -> None:
        """``stages``: (id, label, is closed, probability)."""
        stamp = iso(self.clock())
        self.pipelines[object_type].append(
            {
                "id": pipeline_id,
                "label": label,
                "displayOrder": len(self.pipelines[object_type]),
                "archived": False,
                "createdAt": stamp,
                "updatedAt": stamp,
                "stages": [
                    {
                        "id": sid,
                        "label": slabel,
                        "displayOrder": i,
                        "archived": False,
                        "createdAt": stamp,
                        "updatedAt": stamp,
                        "metadata": {"isClosed": "true" if closed else "false", "probability": str(prob)},
                    }
                    for i, (sid, slabel, closed, prob) in enumerate(stages)
                ],
            }
        )


def _string(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso(value)
    return str(value)
