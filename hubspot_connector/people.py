"""Owners, users, teams, roles, pipelines and the portal: the small collections every sync may refresh.

Users are HubSpot owners of type PERSON (not archived), joined by ``userId`` with settings users (role ids,
super admin, primary team). A user's Salesbot-only settings (Slack id, time zone, digest, goals) are kept
when HubSpot's side is synced again; a new user gets the portal's time zone. An owner whose email is already
a Salesbot user's (imported before HubSpot was connected) becomes that user.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, select

from crm.importer.writer import Writer, upsert
from crm.models import HubSpotPortal, HubSpotRecord, HubSpotRole, HubSpotUser, User, UserGoal
from hubspot_connector.api import HubSpotApi, names
from hubspot_connector.ids import default_id, pipeline_id, resolve
from hubspot_connector.mapping import Unmappable, validated
from hubspot_connector.roles import apply_role_mappings, load_mappings, role_and_access

USERS = cast(Table, User.__table__)


@dataclass
class PeopleResult:
    owners: dict[str, str] = field(default_factory=dict)  # HubSpot owner id -> Salesbot user id
    created: int = 0
    updated: int = 0
    skipped: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class PeopleData:
    """What HubSpot says about people, read before the transaction that writes it (no request is ever made
    while a write transaction is open: the rate budget takes its slots on the same database)."""

    owners: list[dict[str, Any]]
    archived_owners: list[dict[str, Any]]
    users: list[dict[str, Any]]
    teams: list[dict[str, Any]]
    roles: list[dict[str, Any]]
    pipelines: dict[str, list[dict[str, Any]]]
    portal: dict[str, Any] | None = None


def fetch_people(api: HubSpotApi, *, with_portal: bool) -> PeopleData:
    return PeopleData(
        owners=api.owners(),
        archived_owners=api.owners(archived=True),
        users=api.users(),
        teams=api.teams(),
        roles=api.roles(),
        pipelines=fetch_pipelines(api),
        portal=api.account_details() if with_portal else None,
    )


def fetch_pipelines(api: HubSpotApi) -> dict[str, list[dict[str, Any]]]:
    return {object_type: api.pipelines(object_type) for object_type in names.PIPELINE_TYPES}


def sync_portal(connection: Connection, details: dict[str, Any], now: datetime) -> str | None:
    """The portal's id and time zone (``/account-info/v3/details``); returns the time zone."""
    portal = str(details.get("portalId", ""))
    zone = details.get("timeZone")
    if portal:
        upsert(
            connection,
            cast(Table, HubSpotPortal.__table__),
            [{"portal_id": portal, "time_zone": zone, "currency": (details.get("companyCurrency") or None),
              "ui_domain": details.get("uiDomain"), "checked_at": now}],
        )  # fmt: skip
    return zone if isinstance(zone, str) else None


def portal_zone(connection: Connection) -> str | None:
    return connection.execute(select(HubSpotPortal.time_zone).limit(1)).scalar_one_or_none()


def owner_map(connection: Connection) -> dict[str, str]:
    rows = connection.execute(select(HubSpotUser.owner_id, HubSpotUser.user_id))
    return {owner: user for owner, user in rows}


def _existing_users(connection: Connection, ids: list[str], emails: list[str]) -> dict[str, Any]:
    rows = connection.execute(select(USERS).where(USERS.c.id.in_(ids) | USERS.c.email.in_(emails))).all()
    return {row.id: row for row in rows}


def _goals(connection: Connection, user_id: str) -> list[dict[str, Any]]:
    rows = connection.execute(select(UserGoal).where(UserGoal.user_id == user_id).order_by(UserGoal.position))
    return [{"metric": g.metric, "period": g.period, "target": g.target} for g in rows.scalars()]


def sync_people(connection: Connection, data: PeopleData, now: datetime, zone: str | None) -> PeopleResult:
    result = PeopleResult()
    owners, archived_owners, teams, roles = data.owners, data.archived_owners, data.teams, data.roles
    settings_users = {str(u["id"]): u for u in data.users}

    role_rows = [
        {"role_id": str(r["id"]), "name": str(r.get("name") or r["id"]), "seen_at": now} for r in roles
    ]
    if role_rows:
        upsert(connection, cast(Table, HubSpotRole.__table__), role_rows)
    mappings = load_mappings(connection)

    writer = Writer(connection, bulk=False)
    team_ids = set()
    for team in teams:
        tid = default_id("teams", str(team["id"]))
        team_ids.add(str(team["id"]))
        writer.add("teams", validated("teams", {"id": tid, "name": str(team.get("name") or tid)[:255]}))

    people = [o for o in owners if o.get("type", "PERSON") == "PERSON" and not o.get("archived")]
    mapped = resolve(connection, "owners", [str(o["id"]) for o in people])
    existing = _existing_users(connection, list(mapped.values()), [str(o.get("email") or "") for o in people])
    by_email = {row.email.lower(): row for row in existing.values()}
    records, hs_users = [], []
    for owner in people:
        oid = str(owner["id"])
        email = str(owner.get("email") or "")
        uid = mapped[oid]
        if uid not in existing and email.lower() in by_email:
            uid = by_email[email.lower()].id  # a user imported before HubSpot was connected
        row = existing.get(uid)
        settings_user = settings_users.get(str(owner.get("userId"))) or {}
        primary = next((t for t in owner.get("teams") or [] if t.get("primary")), None) or next(
            iter(owner.get("teams") or []), None
        )
        team_of = str(primary["id"]) if primary else (settings_user.get("primaryTeamId") or None)
        role, access = role_and_access(
            settings_user.get("roleIds") or [], bool(settings_user.get("superAdmin")), mappings
        )
        name = " ".join(p for p in (owner.get("firstName"), owner.get("lastName")) if p) or email
        user_data: dict[str, Any] = {
            "id": uid,
            "email": email,
            "name": name[:255],
            "team_id": default_id("teams", str(team_of)) if team_of and str(team_of) in team_ids else None,
            "role": role,
            "timezone": row.timezone if row is not None else (zone or "UTC"),
            "slack_user_id": row.slack_user_id if row is not None else None,
            "access": {k: v for k, v in access.items() if v is not None},
        }
        if row is not None:
            user_data["digest"] = {
                "enabled": row.digest_enabled,
                "time": row.digest_time,
                "weekdays": list(row.digest_weekdays),
                "send_when_empty": row.digest_send_when_empty,
            }
            user_data["goals"] = _goals(connection, uid)
        try:
            record = validated("users", user_data)
        except Unmappable as exc:
            result.skipped.append(("owners", oid, str(exc)))
            continue
        records.append(record)
        if row is None:
            result.created += 1
        else:
            result.updated += 1
        result.owners[oid] = uid
        hs_users.append(
            {
                "user_id": uid,
                "owner_id": oid,
                "hubspot_user_id": str(owner["userId"]) if owner.get("userId") is not None else None,
                "role_ids": [str(r) for r in settings_user.get("roleIds") or []],
                "super_admin": bool(settings_user.get("superAdmin")),
            }
        )
    for record in records:
        writer.add("users", record)
    writer.finish()
    if hs_users:
        upsert(
            connection,
            cast(Table, HubSpotRecord.__table__),
            [{"object_type": "owners", "hubspot_id": u["owner_id"], "salesbot_id": u["user_id"],
              "modified_at": None} for u in hs_users],
        )  # fmt: skip
        upsert(connection, cast(Table, HubSpotUser.__table__), hs_users)
    # Archived owners keep their users (records may still name them): their records keep pointing at them.
    known = owner_map(connection)
    for owner in archived_owners:
        if str(owner["id"]) in known:
            result.owners.setdefault(str(owner["id"]), known[str(owner["id"])])
    apply_role_mappings(connection)
    return result


def _state(stage: dict[str, Any]) -> str:
    metadata = stage.get("metadata") or {}
    if str(metadata.get("isClosed", "false")).lower() != "true":
        return "open"
    try:
        probability = float(metadata.get("probability", "0"))
    except ValueError:
        probability = 0.0
    return "won" if probability >= 1.0 else "lost"


def sync_pipelines(
    connection: Connection, pipelines: dict[str, list[dict[str, Any]]]
) -> tuple[int, list[tuple[str, str, str]]]:
    """Deal and lead pipelines with their stages (won: closed with probability 1; lost: closed with 0)."""
    writer = Writer(connection, bulk=False)
    count, skipped = 0, []
    for object_type in names.PIPELINE_TYPES:
        for pipeline in pipelines.get(object_type, []):
            stages = [
                {"id": str(s["id"]), "label": str(s.get("label") or s["id"])[:255],
                 "order": int(s.get("displayOrder") or 0), "state": _state(s)}
                for s in pipeline.get("stages") or [] if not s.get("archived")
            ]  # fmt: skip
            data = {
                "id": pipeline_id(object_type, str(pipeline["id"])),
                "object": "deal" if object_type == names.DEALS else "lead",
                "name": str(pipeline.get("label") or pipeline["id"])[:255],
                "stages": stages,
            }
            try:
                writer.add("pipelines", validated("pipelines", data))
            except Unmappable as exc:
                skipped.append((f"{object_type} pipelines", str(pipeline["id"]), str(exc)))
                continue
            count += 1
    writer.finish()
    return count, skipped


def stage_map(connection: Connection) -> dict[str, dict[str, str]]:
    from crm.models import Stage

    stages: dict[str, dict[str, str]] = {}
    for pid, sid, state in connection.execute(select(Stage.pipeline_id, Stage.id, Stage.state)):
        stages.setdefault(pid, {})[sid] = state
    return stages
