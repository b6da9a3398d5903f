"""Links to CRM records, both ways: the URL Salesbot shows for a deal, contact or company, and the record a
URL names (what a shared link unfurls to).

Forward, ``RecordLinks.urls({kind: ids})`` (or ``.url(kind, record_id)`` for one): HubSpot's record URL
when the record is synced from HubSpot, otherwise the dataset's ``org.record_urls`` template for the kind
(``{id}`` replaced, URL-quoted); None when neither applies. Many are made in one query (which of them
HubSpot has, none with no portal connected), so a digest or a Home tab makes all its links in one.
Backward, ``record_for_url(session, url)``: a HubSpot record URL
(``app.hubspot.com/contacts/{portal}/record/0-3/{id}`` and the older ``.../deal/{id}``, likewise contacts
and companies) or a URL made from a template, as ``(kind, Salesbot id)``, or None.

HubSpot enters at two places only, both reading the tables the connector fills (``hubspot_records``,
``hubspot_portal``): ``RecordLinks`` (Salesbot id -> HubSpot URL) and ``from_hubspot_id`` (HubSpot object
type and id -> Salesbot id, only for the connected portal). With no portal connected, ``from_hubspot_id``
takes a HubSpot id to the record of the same id (a dataset exported from HubSpot keeps HubSpot's ids).
Every HubSpot record URL is made by ``hubspot_record_url`` (any object type: write-backs link to the tasks,
calls, meetings and notes they wrote, through ``hubspot_object_url`` / ``portal_record_url``).

Neither direction checks permissions: a URL is not data, and whoever reads the record afterwards goes
through ``crm.permissions``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, unquote, urlsplit

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from crm.models import Company, Contact, Deal, HubSpotPortal, HubSpotRecord, Org
from crm.models.org import ORG_ROW_ID

RecordKind = Literal["deal", "contact", "company"]
RECORD_KINDS: tuple[RecordKind, ...] = ("deal", "contact", "company")
MODELS: dict[str, Any] = {"deal": Deal, "contact": Contact, "company": Company}
HUBSPOT_HOST = "app.hubspot.com"
# HubSpot's object type ids, and the older path words, for the kinds Salesbot links to.
HUBSPOT_TYPES: dict[str, RecordKind] = {"0-1": "contact", "0-2": "company", "0-3": "deal"}
# The connector's object type names (``hubspot_records.object_type``) per kind.
HUBSPOT_OBJECTS: dict[RecordKind, str] = {"deal": "deals", "contact": "contacts", "company": "companies"}
HUBSPOT_WORDS: dict[str, RecordKind] = {"contact": "contact", "company": "company", "deal": "deal"}
# HubSpot's object type ids per object type name, for links to any record in HubSpot's UI (write-backs
# link to the tasks, calls, meetings and notes they wrote too).
HUBSPOT_OBJECT_TYPE_IDS = {
    "contacts": "0-1", "companies": "0-2", "deals": "0-3", "notes": "0-46", "meetings": "0-47",
    "calls": "0-48", "emails": "0-49", "tasks": "0-27", "leads": "0-136",
}  # fmt: skip
_HUBSPOT_PATH = re.compile(
    r"^/contacts/(?P<portal>\d+)/(?:record/(?P<type>0-[123])|(?P<word>deal|contact|company))/(?P<id>[^/]+)/?"
)
TEMPLATE_LIMIT = 500


def check_template(template: str) -> str:
    """``template`` when it is an absolute http(s) URL with exactly one ``{id}`` and no other braces; else
    ``ValueError`` saying why."""
    if len(template) > TEMPLATE_LIMIT:
        raise ValueError(f"at most {TEMPLATE_LIMIT} characters")
    rest = template.replace("{id}", "", 1)
    if "{id}" not in template or "{" in rest or "}" in rest:
        raise ValueError("a URL with exactly one {id}, e.g. https://crm.example.com/deals/{id}")
    parts = urlsplit(template.replace("{id}", "x"))
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c in template for c in "<>| \n"):
        raise ValueError("an absolute http(s) URL")
    return template


def template_domains(templates: dict[str, str] | None) -> set[str]:
    """The host names of the org's templates (what the manifest's ``unfurl_domains`` must list)."""
    return {urlsplit(t.replace("{id}", "x")).hostname or "" for t in (templates or {}).values()} - {""}


def connected_portal(session: Session) -> HubSpotPortal | None:
    """The HubSpot portal the connector syncs (None without HubSpot)."""
    return session.scalars(select(HubSpotPortal).order_by(HubSpotPortal.portal_id).limit(1)).first()


def hubspot_record_url(ui_domain: str | None, portal_id: str, type_id: str, hubspot_id: str) -> str:
    """HubSpot's page of a record: its portal's UI domain (``app.hubspot.com`` by default), the object type
    id (``0-3`` a deal, ``0-27`` a task...) and the record's HubSpot id. The one place such a URL is made."""
    path = f"/contacts/{portal_id}/record/{type_id}/{quote(str(hubspot_id), safe='')}"
    return f"https://{ui_domain or HUBSPOT_HOST}{path}"


def _hubspot_record_url(ui_domain: str | None, portal_id: str, kind: RecordKind, hubspot_id: str) -> str:
    type_id = next(t for t, k in HUBSPOT_TYPES.items() if k == kind)
    return hubspot_record_url(ui_domain, portal_id, type_id, hubspot_id)


def portal_record_url(portal: HubSpotPortal, object_type: str, hubspot_id: str) -> str | None:
    """HubSpot's URL of the record ``hubspot_id`` of ``object_type`` (the connector's names: ``deals``,
    ``tasks``...) in ``portal``; None for an object type HubSpot's UI has no record page for here."""
    type_id = HUBSPOT_OBJECT_TYPE_IDS.get(object_type)
    if type_id is None:
        return None
    return hubspot_record_url(portal.ui_domain, portal.portal_id, type_id, hubspot_id)


def hubspot_object_url(session: Session, object_type: str, hubspot_id: str | None) -> str | None:
    """HubSpot's URL of a record known by its HubSpot id, in the connected portal (None without one)."""
    portal = connected_portal(session) if hubspot_id is not None else None
    if portal is None or hubspot_id is None:
        return None
    return portal_record_url(portal, object_type, hubspot_id)


def from_hubspot_id(session: Session, kind: RecordKind, portal_id: str, hubspot_id: str) -> str | None:
    """The Salesbot id of the record HubSpot knows as ``hubspot_id`` (of ``kind``), or None. With a portal
    connected, only that portal's links name records (through the connector's map); without one, the record
    of the same id (a dataset exported from HubSpot keeps HubSpot's ids)."""
    portal = connected_portal(session)
    if portal is not None:
        if portal.portal_id != portal_id:
            return None
        found = session.scalar(
            select(HubSpotRecord.salesbot_id).where(
                HubSpotRecord.object_type == HUBSPOT_OBJECTS[kind], HubSpotRecord.hubspot_id == hubspot_id
            )
        )
        return str(found) if found is not None else None
    model = MODELS[kind]
    found = session.scalar(select(model.id).where(model.id == hubspot_id))
    return str(found) if found is not None else None


_FIRST_PORTAL = select(HubSpotPortal).order_by(HubSpotPortal.portal_id).limit(1).subquery()
# The org's templates and the connected portal, in one row (a row even without an org or a portal).
_LOAD = select(
    select(Org.record_urls).where(Org.id == ORG_ROW_ID).scalar_subquery(),
    select(_FIRST_PORTAL.c.portal_id).scalar_subquery(),
    select(_FIRST_PORTAL.c.ui_domain).scalar_subquery(),
)
_SYNCED = select(HubSpotRecord.object_type, HubSpotRecord.salesbot_id, HubSpotRecord.hubspot_id).where(
    HubSpotRecord.salesbot_id.in_(bindparam("ids", expanding=True)),
    HubSpotRecord.object_type.in_(list(HUBSPOT_OBJECTS.values())),
)


@dataclass
class RecordLinks:
    """The org's link templates and the connected HubSpot portal, read once per request (one query), and
    the URLs made so far. ``urls`` makes many in one go: one query for all kinds together when a portal is
    connected (which records HubSpot has), none otherwise; a digest or a Home tab calls it once."""

    session: Session
    templates: dict[str, str] = field(default_factory=dict)
    portal_id: str | None = None
    ui_domain: str | None = None
    known: dict[tuple[str, str], str | None] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> RecordLinks:
        row = session.execute(_LOAD).one()
        return cls(session, dict(row[0] or {}), row[1], row[2])

    def url(self, kind: RecordKind, record_id: str) -> str | None:
        return record_url(self, kind, record_id)

    def urls(self, wanted: Mapping[RecordKind, Iterable[str]]) -> dict[tuple[RecordKind, str], str]:
        """The URL of each ``(kind, id)`` asked for that has one (see ``record_url``); one query at most."""
        asked = {(kind, record_id) for kind, ids in wanted.items() for record_id in ids if record_id}
        missing = [key for key in asked if key not in self.known]
        synced: dict[tuple[str, str], str] = {}
        if missing and self.portal_id is not None:
            # One statement for every kind (a constant, compiled once): ids of other kinds that match are
            # left out by the lookup below.
            ids = sorted({record_id for _, record_id in missing})
            rows = self.session.execute(_SYNCED, {"ids": ids})
            synced = {(obj, str(salesbot_id)): str(hubspot_id) for obj, salesbot_id, hubspot_id in rows}
        for kind, record_id in missing:
            hubspot_id = synced.get((HUBSPOT_OBJECTS[kind], record_id))
            self.known[(kind, record_id)] = (
                _hubspot_record_url(self.ui_domain, self.portal_id, kind, hubspot_id)
                if hubspot_id is not None and self.portal_id is not None
                else self._from_template(kind, record_id)
            )
        return {key: url for key in asked if (url := self.known[key]) is not None}

    def _from_template(self, kind: RecordKind, record_id: str) -> str | None:
        template = self.templates.get(kind)
        return template.replace("{id}", quote(record_id, safe="")) if template else None


def record_url(links: RecordLinks, kind: RecordKind, record_id: str) -> str | None:
    """The one place a record's URL is made (see the module docstring): HubSpot's when the record is synced,
    else the org's template, else None."""
    return links.urls({kind: [record_id]}).get((kind, record_id))


def parse_hubspot_url(url: str) -> tuple[RecordKind, str, str] | None:
    """(kind, portal id, HubSpot id) of a HubSpot record URL, else None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() != HUBSPOT_HOST:
        return None
    match = _HUBSPOT_PATH.match(parts.path)
    if match is None:
        return None
    kind = HUBSPOT_TYPES[match["type"]] if match["type"] else HUBSPOT_WORDS[match["word"]]
    return kind, match["portal"], unquote(match["id"])


def _from_template(template: str, url: str) -> str | None:
    head, _, tail = template.partition("{id}")
    if not url.startswith(head) or not url.endswith(tail) or len(url) <= len(head) + len(tail):
        return None
    raw = url[len(head) : len(url) - len(tail)] if tail else url[len(head) :]
    return unquote(raw) if "/" not in raw and "?" not in raw and "#" not in raw else None


def record_for_url(
    session: Session, url: str, links: RecordLinks | None = None
) -> tuple[RecordKind, str] | None:
    """The existing record a URL names, as (kind, Salesbot id); None for any other URL or a deleted record."""
    hubspot = parse_hubspot_url(url)
    if hubspot is not None:
        kind, portal, hubspot_id = hubspot
        found = from_hubspot_id(session, kind, portal, hubspot_id)
        return (kind, found) if found is not None else None
    links = links or RecordLinks.load(session)
    for kind in RECORD_KINDS:
        template = links.templates.get(kind)
        record_id = _from_template(template, url) if template else None
        if record_id is not None:
            model = MODELS[kind]
            if session.scalar(select(model.id).where(model.id == record_id)) is not None:
                return kind, record_id
    return None
