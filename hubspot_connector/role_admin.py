"""``salesbot hubspot roles`` and ``roles set``: the portal's roles, their mapping to Salesbot roles and
access levels, and how many synced users hold each (hubspot.md, "users' role and access").

The roles are read from HubSpot (``GET /settings/v3/users/roles``) and stored in ``hubspot_roles``, as the
sync does. Setting a mapping stores it and applies it at once to the synced users holding that role
(``roles.apply_role_mappings``, from the role ids the sync remembers in ``hubspot_users``), so the permission
filter sees the change without waiting for the next sync; the next sync applies it too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, func, select, update

from crm.importer.writer import upsert
from crm.models import HubSpotRole, HubSpotUser
from hubspot_connector.roles import KINDS, apply_role_mappings

ROLES = cast(Table, HubSpotRole.__table__)
HS_USERS = cast(Table, HubSpotUser.__table__)
SALESBOT_ROLES = ("rep", "manager")
LEVELS = ("all", "team", "owned")


class UnknownRole(ValueError):
    def __init__(self, name: str, known: Sequence[str]) -> None:
        listed = ", ".join(repr(n) for n in known) if known else "none (run `salesbot hubspot sync` first?)"
        super().__init__(f"no HubSpot role named {name!r}; the portal's roles: {listed}")
        self.known = list(known)


@dataclass
class RoleLine:
    role_id: str
    name: str
    role: str | None  # None: unmapped (rep with owned everywhere)
    access: dict[str, str | None] = field(default_factory=dict)  # None: the role's default
    users: int = 0
    in_hubspot: bool = True  # listed by HubSpot at the last reading

    def mapping(self) -> str:
        if self.role is None:
            return "unmapped: rep, owned everywhere"
        default = "team" if self.role == "manager" else "owned"
        levels = ", ".join(f"{kind} {self.access.get(kind) or default}" for kind in KINDS)
        return f"{self.role}: {levels}"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.role_id,
            "name": self.name,
            "role": self.role,
            "access": self.access if self.role is not None else dict.fromkeys(KINDS, "owned"),
            "mapped": self.role is not None,
            "users": self.users,
            "in_hubspot": self.in_hubspot,
        }


def store_roles(connection: Connection, roles: Sequence[Mapping[str, Any]], now: datetime) -> int:
    """Store the portal's roles as HubSpot lists them (``api.roles()``: names, when last seen); returns how
    many. Read them before this transaction: the API takes its rate-budget slots in transactions of its
    own (on SQLite, one writer at a time)."""
    rows = [{"role_id": str(r["id"]), "name": str(r.get("name") or r["id"]), "seen_at": now} for r in roles]
    upsert(connection, ROLES, rows)
    return len(rows)


def _holders(connection: Connection) -> tuple[dict[str, int], int]:
    """Synced users per role id, and the number of super admins."""
    counts: dict[str, int] = {}
    admins = 0
    for role_ids, super_admin in connection.execute(select(HS_USERS.c.role_ids, HS_USERS.c.super_admin)):
        admins += bool(super_admin)
        for role_id in {str(r) for r in role_ids or []}:
            counts[role_id] = counts.get(role_id, 0) + 1
    return counts, admins


def list_roles(connection: Connection) -> tuple[list[RoleLine], int]:
    """Every stored role with its mapping and holders (by name), and how many users are super admins."""
    counts, admins = _holders(connection)
    latest = connection.execute(select(func.max(ROLES.c.seen_at))).scalar_one_or_none()
    lines = [
        RoleLine(
            row.role_id,
            row.name,
            row.role if row.role in SALESBOT_ROLES else None,
            {kind: getattr(row, f"access_{kind}") for kind in KINDS},
            counts.get(row.role_id, 0),
            latest is None or row.seen_at is None or row.seen_at >= latest,
        )
        for row in connection.execute(select(ROLES).order_by(ROLES.c.name, ROLES.c.role_id))
    ]
    return lines, admins


def set_mapping(
    connection: Connection, name: str, role: str, access: Mapping[str, str | None], now: datetime
) -> tuple[RoleLine, int]:
    """Map the role named ``name`` (case-insensitive) to ``role`` and ``access`` (a level left None is the
    role's default) and apply it to the synced users at once; returns the role and how many users changed.
    ``UnknownRole`` when no stored role has that name."""
    if role not in SALESBOT_ROLES:
        raise ValueError(f"role must be one of {', '.join(SALESBOT_ROLES)}")
    for kind, level in access.items():
        if kind not in KINDS or (level is not None and level not in LEVELS):
            raise ValueError(f"invalid access {kind}={level}")
    lines, _ = list_roles(connection)
    matches = [line for line in lines if line.name.casefold() == name.strip().casefold()]
    if not matches:
        raise UnknownRole(name, sorted({line.name for line in lines if line.in_hubspot}))
    values = {"role": role, "mapped_at": now, **{f"access_{k}": access.get(k) for k in KINDS}}
    connection.execute(
        update(ROLES).where(ROLES.c.role_id.in_([m.role_id for m in matches])).values(**values)
    )
    changed = apply_role_mappings(connection)
    updated, _ = list_roles(connection)
    return next(line for line in updated if line.role_id == matches[0].role_id), changed
