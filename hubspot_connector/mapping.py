"""HubSpot records -> records of the dataset format (crm-dataset.md), as hubspot.md's table says.

Each mapper builds the dataset's JSON shape and validates it with the importer's own models
(``crm.importer.schema``), so a synced record obeys exactly the rules an imported one does; a record that
cannot be mapped (a malformed shape, a value of the wrong type, a deal in a stage of another pipeline, a lead
without a contact) raises ``Unmappable`` with the reason, and the sync reports and skips it. An owner id
that names no synced user leaves the record without owner; an association to a record not synced is
dropped (both counted in the report).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from crm.importer.schema import COLLECTIONS
from crm.importer.validate import pydantic_errors
from hubspot_connector.api import names
from hubspot_connector.api.names import Call, Company, Contact, Deal, Email, Lead, Meeting, Note, Task
from hubspot_connector.ids import pipeline_id

MAX_NAME = 255
MEETING_OUTCOMES = ("scheduled", "completed", "rescheduled", "no_show", "canceled")
Json = dict[str, Any]


class Unmappable(Exception):
    """A HubSpot record that cannot become a Salesbot record; the message says why."""


@dataclass
class Links:
    """Resolved associations of one record: per target type, Salesbot ids with HubSpot's type ids."""

    by_type: dict[str, list[tuple[str, list[int]]]] = field(default_factory=dict)

    def ids(self, target: str) -> list[str]:
        return [i for i, _ in self.by_type.get(target, [])]

    def primary(self, target: str, primary_type: int | None) -> str | None:
        targets = self.by_type.get(target, [])
        for i, types in targets:
            if primary_type is not None and primary_type in types:
                return i
        return targets[0][0] if targets else None


@dataclass
class Context:
    owners: dict[str, str]  # HubSpot owner id -> Salesbot user id
    stages: dict[str, dict[str, str]]  # Salesbot pipeline id -> stage id -> state
    score_property: str | None = None
    unknown_owners: set[str] = field(default_factory=set)

    def owner(self, props: Json) -> str | None:
        return self.owner_of(props.get(names.OWNER))

    def owner_of(self, value: Any) -> str | None:
        """The user of a ``hubspot_owner_id`` value; one not known is noted (``unknown_owners``)."""
        if value in (None, ""):
            return None
        user = self.owners.get(str(value))
        if user is None:
            self.unknown_owners.add(str(value))
        return user


NO_ID = "malformed record: no numeric id"


def has_id(obj: Any) -> bool:
    """Whether ``obj`` is a record with a numeric id (else it is reported as malformed: ``NO_ID``)."""
    return isinstance(obj, dict) and str(obj.get("id", "")).isdigit()


def id_of_malformed(obj: Any) -> str:
    """What a record without a numeric id is reported as: its id, if it has one, else "?"."""
    return str(obj.get("id") if isinstance(obj, dict) else "?")


def properties_of(obj: Json) -> Json:
    if not has_id(obj):
        raise Unmappable(NO_ID)
    props = obj.get("properties")
    if not isinstance(props, dict):
        raise Unmappable("malformed record: properties is not an object")
    return props


def parse_time(value: Any, name: str) -> datetime | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text) / 1000, UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        raise Unmappable(f"{name}: {text[:40]!r} is not a time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _iso(value: Any, name: str) -> str | None:
    if type(value) is str and len(value) >= 20 and value[10] == "T" and value[-1] == "Z":  # HubSpot's: as is
        try:
            datetime.fromisoformat(value)
        except ValueError:
            pass  # parse_time says why
        else:
            return value
    parsed = parse_time(value, name)
    return parsed.astimezone(UTC).isoformat().replace("+00:00", "Z") if parsed else None


def _number(value: Any, name: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        raise Unmappable(f"{name}: {str(value)[:40]!r} is not a number") from None
    if not number.is_finite():
        raise Unmappable(f"{name}: {value!r} is not a number")
    return number


def _text(value: Any, limit: int | None = None) -> str | None:
    if value in (None, ""):
        return None
    text = str(value)
    return text[:limit] if limit else text


def _enum(value: Any, allowed: tuple[str, ...], default: str | None = None) -> str | None:
    text = str(value or "").strip().lower()
    return text if text in allowed else default


def validated(key: str, data: Json) -> Any:
    try:
        return COLLECTIONS[key].validate_python(data)
    except ValidationError as exc:
        reasons = list(pydantic_errors("", exc, tagged=key == "activities"))
        raise Unmappable("; ".join(r.lstrip(".") for r in reasons[:3])) from None


# --- CRM objects ---------------------------------------------------------------------------------------


def company(obj: Json, sid: str, links: Links, ctx: Context) -> Any:
    p = properties_of(obj)
    return validated(
        "companies",
        {
            "id": sid,
            "name": _text(p.get(Company.NAME), MAX_NAME) or "",
            "domain": _text(p.get(Company.DOMAIN), MAX_NAME),
            "owner_id": ctx.owner(p),
            "target_account": str(p.get(Company.TARGET) or "").lower() == "true",
        },
    )


def contact(obj: Json, sid: str, links: Links, ctx: Context) -> Any:
    p = properties_of(obj)
    return validated(
        "contacts",
        {
            "id": sid,
            "first_name": _text(p.get(Contact.FIRST), MAX_NAME) or "",
            "last_name": _text(p.get(Contact.LAST), MAX_NAME) or "",
            "email": _text(p.get(Contact.EMAIL)),
            "company_id": links.primary(
                names.COMPANIES, names.PRIMARY_TYPE_IDS[(names.CONTACTS, names.COMPANIES)]
            ),
            "owner_id": ctx.owner(p),
            "owner_assigned_at": _iso(p.get(names.OWNER_ASSIGNED), names.OWNER_ASSIGNED),
            "lifecycle_stage": _text(p.get(Contact.LIFECYCLE), 64),
            "created_at": _iso(p.get(names.CREATED), names.CREATED),
        },
    )


def _stage(ctx: Context, object_type: str, pipeline: Any, stage: Any, what: str) -> tuple[str, str, str]:
    if pipeline in (None, "") or stage in (None, ""):
        raise Unmappable(f"{what} has no pipeline or stage")
    pid = pipeline_id(object_type, str(pipeline))
    stages = ctx.stages.get(pid)
    if stages is None:
        raise Unmappable(f'{what} is in pipeline "{pipeline}", which HubSpot did not list')
    if str(stage) not in stages:
        raise Unmappable(f'{what} is in stage "{stage}", which is not a stage of pipeline "{pipeline}"')
    return pid, str(stage), stages[str(stage)]


def lead(obj: Json, sid: str, links: Links, ctx: Context) -> Any:
    p = properties_of(obj)
    pid, stage, state = _stage(ctx, names.LEADS, p.get(Lead.PIPELINE), p.get(Lead.STAGE), "the lead")
    contact_id = links.primary(names.CONTACTS, names.PRIMARY_TYPE_IDS[(names.LEADS, names.CONTACTS)])
    if contact_id is None:
        raise Unmappable("the lead has no synced contact")
    return validated(
        "leads",
        {
            "id": sid,
            "contact_id": contact_id,
            "owner_id": ctx.owner(p),
            "owner_assigned_at": _iso(p.get(names.OWNER_ASSIGNED), names.OWNER_ASSIGNED),
            "pipeline_id": pid,
            "stage_id": stage,
            "created_at": _iso(p.get(names.CREATED), names.CREATED),
            "disqualified_at": _iso(p.get(names.modified_property(names.LEADS)), "modified")
            if state == "lost"
            else None,
        },
    )


def _history(obj: Json, name: str) -> list[tuple[Any, datetime]]:
    """A property's values with their times, oldest first (HubSpot lists the newest first)."""
    entries = (obj.get("propertiesWithHistory") or {}).get(name) or []
    out = []
    for entry in entries:
        at = parse_time(entry.get("timestamp"), f"{name} history")
        if at is not None and entry.get("value") not in (None, ""):
            out.append((entry["value"], at))
    return sorted(out, key=lambda item: item[1])


def deal(obj: Json, sid: str, links: Links, ctx: Context) -> Any:
    p = properties_of(obj)
    pid, stage, state = _stage(ctx, names.DEALS, p.get(Deal.PIPELINE), p.get(Deal.STAGE), "the deal")
    close = parse_time(p.get(Deal.CLOSE_DATE), Deal.CLOSE_DATE)
    amount = _number(p.get(Deal.AMOUNT), Deal.AMOUNT)
    currency = _text(p.get(Deal.CURRENCY))
    close_history = []
    for value, at in _history(obj, Deal.CLOSE_DATE):
        day = parse_time(value, Deal.CLOSE_DATE)
        if day is not None:
            close_history.append({"at": _iso(at, "at"), "close_date": day.date().isoformat()})
    scores = []
    if ctx.score_property:
        for value, at in _history(obj, ctx.score_property):
            scores.append({"at": _iso(at, "at"), "score": _number(value, ctx.score_property)})
    next_steps = _history(obj, Deal.NEXT_STEP)
    return validated(
        "deals",
        {
            "id": sid,
            "name": _text(p.get(Deal.NAME), MAX_NAME) or "",
            "owner_id": ctx.owner(p),
            "owner_assigned_at": _iso(p.get(names.OWNER_ASSIGNED), names.OWNER_ASSIGNED),
            "pipeline_id": pid,
            "stage_id": stage,
            "amount": amount,
            "currency": currency.upper() if currency else None,
            "close_date": close.date().isoformat() if close else None,
            "created_at": _iso(p.get(names.CREATED), names.CREATED),
            "closed_at": _iso(close, Deal.CLOSE_DATE) if state != "open" and close else None,
            "next_steps": _text(p.get(Deal.NEXT_STEP)),
            "next_steps_updated_at": _iso(next_steps[-1][1], "at")
            if next_steps and p.get(Deal.NEXT_STEP)
            else None,
            "contact_ids": links.ids(names.CONTACTS),
            "company_id": links.primary(
                names.COMPANIES, names.PRIMARY_TYPE_IDS[(names.DEALS, names.COMPANIES)]
            ),
            "score_history": scores,
            "close_date_history": close_history,
        },
    )


# --- activities ----------------------------------------------------------------------------------------


def _activity(p: Json, sid: str, links: Links, ctx: Context, fields: Json) -> Any:
    """``p``: the record's properties (``properties_of``)."""
    owner = ctx.owner(p)
    data = {
        "id": sid,
        "owner_id": owner or "-",  # validated with a placeholder: a synced activity may have no owner
        "associations": {
            "contacts": links.ids(names.CONTACTS),
            "companies": links.ids(names.COMPANIES),
            "deals": links.ids(names.DEALS),
        },
        **fields,
    }
    record = validated("activities", data)
    return record if owner is not None else record.model_copy(update={"owner_id": None})


def task(obj: Json, sid: str, links: Links, ctx: Context) -> Any:
    p = properties_of(obj)
    status = _enum(p.get(Task.STATUS), ("not_started", "in_progress", "waiting", "completed", "deferred"))
    completed = _iso(p.get(Task.COMPLETED), Task.COMPLETED)
    if status == "completed" and completed is None:
        completed = _iso(p.get(names.modified_property(names.TASKS)), "modified")
    return _activity(
        p, sid, links, ctx,
        {
            "type": "task",
            "title": _text(p.get(Task.SUBJECT)),
            "body": _text(p.get(Task.BODY)),
            "due_at": _iso(p.get(names.TIMESTAMP), names.TIMESTAMP),
            "priority": _enum(p.get(Task.PRIORITY), ("high", "medium", "low", "none"), "none"),
            "status": status or "not_started",
            "completed_at": completed if status == "completed" else None,
            "task_type": _enum(p.get(Task.TYPE), ("todo", "call", "email"), "todo"),
            "created_at": _iso(p.get(Task.CREATED) or p.get(names.CREATED), Task.CREATED),
        },
    )  # fmt: skip


def call(obj: Json, sid: str, links: Links, ctx: Context) -> Any:
    p = properties_of(obj)
    duration = _number(p.get(Call.DURATION), Call.DURATION)
    return _activity(
        p, sid, links, ctx,
        {
            "type": "call",
            "started_at": _iso(p.get(names.TIMESTAMP), names.TIMESTAMP),
            "duration_s": int(duration / 1000) if duration is not None and duration >= 0 else None,
            "status": _enum(p.get(Call.STATUS), ("completed", "busy", "no_answer", "failed", "canceled")),
            "outcome": _text(p.get(Call.DISPOSITION)),
            "body": _text(p.get(Call.BODY)),
        },
    )  # fmt: skip


def meeting(obj: Json, sid: str, links: Links, ctx: Context) -> Any:
    p = properties_of(obj)
    start = _iso(p.get(Meeting.START) or p.get(names.TIMESTAMP), Meeting.START)
    return _activity(
        p, sid, links, ctx,
        {
            "type": "meeting",
            "title": _text(p.get(Meeting.TITLE)),
            "start": start,
            "end": _iso(p.get(Meeting.END), Meeting.END) or start,
            "outcome": _enum(p.get(Meeting.OUTCOME), MEETING_OUTCOMES),
            "link": _text(p.get(Meeting.LINK)),
            "body": _text(p.get(Meeting.BODY)),
        },
    )  # fmt: skip


def note(obj: Json, sid: str, links: Links, ctx: Context) -> Any:
    p = properties_of(obj)
    return _activity(
        p, sid, links, ctx,
        {
            "type": "note",
            "created_at": _iso(p.get(names.TIMESTAMP) or p.get(names.CREATED), names.TIMESTAMP),
            "body": _text(p.get(Note.BODY)),
        },
    )  # fmt: skip


def _addresses(value: Any) -> list[str]:
    text = str(value or "").replace(",", ";")
    return [a.strip() for a in text.split(";") if a.strip()]


def email(obj: Json, sid: str, links: Links, ctx: Context) -> Any:
    p = properties_of(obj)
    return _activity(
        p, sid, links, ctx,
        {
            "type": "email",
            "direction": "incoming" if p.get(Email.DIRECTION) == Email.INCOMING else "outgoing",
            "sent_at": _iso(p.get(names.TIMESTAMP), names.TIMESTAMP),
            "from": _text(p.get(Email.FROM)),
            "to": _addresses(p.get(Email.TO)),
            "subject": _text(p.get(Email.SUBJECT)),
            "body": _text(p.get(Email.TEXT)),
            "thread_id": _text(p.get(Email.THREAD), MAX_NAME),
        },
    )  # fmt: skip


Mapper = Callable[[Json, str, Links, Context], Any]
MAPPERS: dict[str, tuple[str, Mapper]] = {
    names.COMPANIES: ("companies", company),
    names.CONTACTS: ("contacts", contact),
    names.LEADS: ("leads", lead),
    names.DEALS: ("deals", deal),
    names.TASKS: ("activities", task),
    names.CALLS: ("activities", call),
    names.MEETINGS: ("activities", meeting),
    names.NOTES: ("activities", note),
    names.EMAILS: ("activities", email),
}
