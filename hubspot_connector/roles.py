"""Salesbot roles and access levels of users synced from HubSpot (hubspot.md, "users' role and access").

HubSpot does not say what a role may view, so the admin maps each HubSpot role to a Salesbot role and access
levels (``hubspot_roles``). A user's role: super admin when HubSpot says ``superAdmin``; otherwise the most
senior mapped role among theirs (manager over rep), each access level the widest among their mapped roles
(a level left unset is the role's default: team for managers, owned for reps); with no mapped role, rep with
``owned`` everywhere. ``apply_role_mappings`` writes the result to ``users`` at once (a changed mapping
reaches the permission filter without waiting for a sync); the sync applies it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

from sqlalchemy import Connection, Table, select, update

from crm.models import HubSpotRole, HubSpotUser, User

KINDS = ("contacts", "companies", "deals", "leads", "activities")
WIDTH = {"owned": 0, "team": 1, "all": 2}
ROLES = cast(Table, HubSpotRole.__table__)
HS_USERS = cast(Table, HubSpotUser.__table__)
USERS = cast(Table, User.__table__)


def role_and_access(
    role_ids: Iterable[str], super_admin: bool, mappings: Mapping[str, Any]
) -> tuple[str, dict[str, str | None]]:
    """(Salesbot role, access level per kind) for a HubSpot user; ``mappings`` rows by role id."""
    if super_admin:
        return "super_admin", dict.fromkeys(KINDS)
    mapped = [m for r in role_ids if (m := mappings.get(str(r))) is not None and m.role in ("rep", "manager")]
    if not mapped:
        return "rep", dict.fromkeys(KINDS, "owned")
    role = "manager" if any(m.role == "manager" for m in mapped) else "rep"
    access: dict[str, str | None] = {}
    for kind in KINDS:
        levels = [
            getattr(m, f"access_{kind}") or ("team" if m.role == "manager" else "owned") for m in mapped
        ]
        access[kind] = max(levels, key=lambda level: WIDTH.get(level, 0))
    return role, access


def load_mappings(connection: Connection) -> dict[str, Any]:
    return {row.role_id: row for row in connection.execute(select(ROLES))}


def apply_role_mappings(connection: Connection) -> int:
    """Set every synced user's role and access from their HubSpot roles and the mappings; returns how many
    users changed."""
    mappings = load_mappings(connection)
    changed = 0
    rows = connection.execute(
        select(HS_USERS.c.user_id, HS_USERS.c.role_ids, HS_USERS.c.super_admin, USERS).join(
            USERS, USERS.c.id == HS_USERS.c.user_id
        )
    ).all()
    for row in rows:
        role, access = role_and_access(row.role_ids or [], row.super_admin, mappings)
        values = {"role": role, **{f"access_{k}": v for k, v in access.items()}}
        if any(getattr(row, name) != value for name, value in values.items()):
            connection.execute(update(USERS).where(USERS.c.id == row.user_id).values(**values))
            changed += 1
    return changed
