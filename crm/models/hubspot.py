"""What the HubSpot connector (``hubspot_connector/``) keeps in the store besides the CRM records themselves.

- ``hubspot_cursors``: per HubSpot object type, where the sync stands: the modification time up to which
  everything is stored (incremental syncs search from it, minus an overlap), a full sync's paging token while
  one is under way (a killed full sync resumes from it), and counts for ``salesbot hubspot status``.
- ``hubspot_records``: the map (HubSpot object type, HubSpot id) -> Salesbot id of every synced record, with
  the HubSpot modification time last stored (write-back compares it to detect conflicts). Records created in
  Salesbot and written back keep their own Salesbot id here; records first seen in HubSpot get the id of the
  scheme in docs/hubspot.md (``hs-<type>-<id>``).
- ``hubspot_roles``: the portal's roles (id, name, synced) and the Salesbot role and access levels the admin
  mapped each to (null: unmapped, which means rep with owned everywhere).
- ``hubspot_users``: per Salesbot user synced from HubSpot, its owner id, HubSpot user id, role ids and
  super-admin flag, so a change of role mapping applies at once without a sync.
- ``hubspot_requests`` and ``hubspot_daily_usage``: the shared rate budget: one row per request sent in the
  last seconds (every process on the database counts them before sending) and the count per UTC day with
  the daily cap HubSpot's headers gave.
- ``hubspot_oauth_tokens``: per portal installed by OAuth, the tokens, their expiry and scopes.
- ``hubspot_portal``: the connected portal's id and time zone (``/account-info/v3/details``).
- ``hubspot_pending_reads``: records to read at once on the next sync (marked by webhooks).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, fk


class HubSpotCursor(Base):
    __tablename__ = "hubspot_cursors"

    object_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Everything modified up to this instant is stored (null: no full sync finished yet).
    modified_through: Mapped[datetime | None]
    # A full sync under way: when it started (becomes ``modified_through`` when it ends) and its paging token.
    full_started_at: Mapped[datetime | None]
    full_after: Mapped[str | None] = mapped_column(String(255))
    # An incremental sync under way: what it searches from, and the last HubSpot id stored (it resumes there).
    incremental_since: Mapped[datetime | None]
    incremental_after_id: Mapped[int | None] = mapped_column(BigInteger)
    last_sync_at: Mapped[datetime | None]
    last_full_at: Mapped[datetime | None]
    records: Mapped[int] = mapped_column(BigInteger, default=0)  # records of this type in the store

    def __repr__(self) -> str:
        return f"HubSpotCursor(object_type={self.object_type!r}, modified_through={self.modified_through!r})"


class HubSpotRecord(Base):
    __tablename__ = "hubspot_records"
    __table_args__ = (Index("ix_hubspot_records_salesbot", "salesbot_id", "object_type", unique=True),)

    object_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    hubspot_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    salesbot_id: Mapped[str]
    modified_at: Mapped[datetime | None]  # HubSpot's last modification time of what is stored

    def __repr__(self) -> str:
        return (
            f"HubSpotRecord(object_type={self.object_type!r}, hubspot_id={self.hubspot_id!r}, "
            f"salesbot_id={self.salesbot_id!r})"
        )


class HubSpotRole(Base):
    __tablename__ = "hubspot_roles"

    role_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str]
    role: Mapped[str | None] = mapped_column(String(16))  # "rep" | "manager"; None: unmapped
    access_contacts: Mapped[str | None] = mapped_column(String(8))
    access_companies: Mapped[str | None] = mapped_column(String(8))
    access_deals: Mapped[str | None] = mapped_column(String(8))
    access_leads: Mapped[str | None] = mapped_column(String(8))
    access_activities: Mapped[str | None] = mapped_column(String(8))
    mapped_at: Mapped[datetime | None]
    seen_at: Mapped[datetime | None]  # last sync that listed it

    def __repr__(self) -> str:
        return f"HubSpotRole(role_id={self.role_id!r}, name={self.name!r}, role={self.role!r})"


class HubSpotUser(Base):
    __tablename__ = "hubspot_users"

    user_id: Mapped[str] = mapped_column(fk("users.id", ondelete="CASCADE"), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(64), unique=True)
    hubspot_user_id: Mapped[str | None] = mapped_column(String(64))
    role_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    super_admin: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"HubSpotUser(user_id={self.user_id!r}, owner_id={self.owner_id!r})"


class HubSpotRequest(Base):
    __tablename__ = "hubspot_requests"
    __table_args__ = (Index("ix_hubspot_requests_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    search: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"HubSpotRequest(at={self.at!r}, search={self.search!r})"


class HubSpotDailyUsage(Base):
    __tablename__ = "hubspot_daily_usage"

    day: Mapped[date] = mapped_column(Date, primary_key=True)  # UTC day
    count: Mapped[int] = mapped_column(BigInteger, default=0)
    daily_max: Mapped[int | None] = mapped_column(BigInteger)  # X-HubSpot-RateLimit-Daily
    daily_remaining: Mapped[int | None] = mapped_column(BigInteger)  # X-HubSpot-RateLimit-Daily-Remaining
    remaining_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"HubSpotDailyUsage(day={self.day!r}, count={self.count!r})"


class HubSpotOAuthToken(Base):
    __tablename__ = "hubspot_oauth_tokens"

    portal_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]
    scopes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    hub_domain: Mapped[str | None]
    installed_at: Mapped[datetime | None]
    refreshed_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"HubSpotOAuthToken(portal_id={self.portal_id!r}, expires_at={self.expires_at!r})"


class HubSpotPortal(Base):
    __tablename__ = "hubspot_portal"

    portal_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str | None] = mapped_column(String(3))
    ui_domain: Mapped[str | None]
    checked_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"HubSpotPortal(portal_id={self.portal_id!r}, time_zone={self.time_zone!r})"


class HubSpotPendingRead(Base):
    __tablename__ = "hubspot_pending_reads"

    object_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    hubspot_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    marked_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"HubSpotPendingRead(object_type={self.object_type!r}, hubspot_id={self.hubspot_id!r})"
