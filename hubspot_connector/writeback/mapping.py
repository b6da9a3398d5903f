"""What a queue entry means in HubSpot: the properties to write, the values to compare for conflicts, the
associations of a created record, and how HubSpot's value is applied back to the local record.

Salesbot's values become HubSpot's as the sync reads them the other way (hubspot.md's mapping table):
task statuses and priorities upper-cased, times as epoch milliseconds, a deal's close date as midnight UTC,
meeting outcomes upper-cased, call outcomes as HubSpot's default disposition ids, pipeline and stage ids as
HubSpot's own (the sync keeps them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import (
    Activity,
    ActivityCompany,
    ActivityContact,
    ActivityDeal,
    Deal,
    HubSpotRecord,
    HubSpotUser,
    Lead,
    Stage,
    WritebackEntry,
)
from crm.record_links import HUBSPOT_OBJECT_TYPE_IDS
from hubspot_connector.api import names

REF_PROPERTY = "salesbot_ref"  # Salesbot's own unique property, created once per object type
# HubSpot's default call dispositions (their ids are the same in every portal).
CALL_DISPOSITIONS = {
    "Connected": "f240bbac-87c9-4f6e-bf70-924b57d47db7",
    "Left voicemail": "b2cf5968-551e-4856-9783-52b3da59a7d0",
    "No answer": "73a0d17f-1163-4015-bdd5-ec830791da20",
    "Busy": "9d9162e7-6cf3-4944-bf63-4dff82258764",
    "Wrong number": "17b47fee-58de-441e-a44c-c6300d46f273",
}
# HubSpot's object type ids, for links to records in HubSpot's UI (one table, in crm.record_links).
OBJECT_TYPE_IDS = HUBSPOT_OBJECT_TYPE_IDS


class NotWritable(Exception):
    """The entry cannot be written (its record is gone locally, or is not in HubSpot): a final failure."""


def millis(value: datetime) -> str:
    return str(int(value.astimezone(UTC).timestamp() * 1000))


def parse_hubspot_time(value: str | None) -> datetime | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _day(value: Any) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class Field:
    """One property an update writes: HubSpot's name, and Salesbot's value before and after in HubSpot's
    form (``None``: no value)."""

    name: str
    before: str | None
    after: str | None
    label: str  # how the rep knows it: "status", "stage", "close date", ...


@dataclass
class Update:
    fields: list[Field]
    # Task updates other than completing: a task HubSpot already completed is a conflict.
    requires_open_task: bool = False

    def properties(self) -> dict[str, str]:
        return {f.name: f.after or "" for f in self.fields}


@dataclass
class Create:
    properties: dict[str, str]
    associations: list[dict[str, Any]] = field(default_factory=list)
    title: str = ""


def same(name: str, hubspot: str | None, ours: str | None) -> bool:
    """Whether HubSpot's value equals ours, in HubSpot's form (times compared as instants, dates as days; a
    meeting without outcome is a scheduled one)."""
    if name == names.Meeting.OUTCOME:
        hubspot, ours = hubspot or "SCHEDULED", ours or "SCHEDULED"
    if hubspot in (None, "") or ours in (None, ""):
        return hubspot in (None, "") and ours in (None, "")
    if name in (names.TIMESTAMP, names.Deal.CLOSE_DATE):
        a, b = parse_hubspot_time(hubspot), parse_hubspot_time(ours)
        if name == names.Deal.CLOSE_DATE and a is not None and b is not None:
            return a.date() == b.date()
        return a == b
    return str(hubspot) == str(ours)


def _close_date(value: Any) -> str | None:
    day = _day(value)
    return millis(datetime.combine(day, time(0), UTC)) if day is not None else None


def _stage(value: Any) -> str | None:
    return str(value) if value is not None else None


def update_for(session: Session, entry: WritebackEntry) -> Update:
    change = entry.change or {}
    if entry.kind == "complete_task":
        before, _ = change["status"]
        return Update([Field(names.Task.STATUS, (before or "not_started").upper(), "COMPLETED", "status")])
    if entry.kind == "snooze_task":
        before, after = change["due_at"]
        b, a = _time(before), _time(after)
        return Update(
            [Field(names.TIMESTAMP, millis(b) if b else None, millis(a) if a else None, "due time")],
            requires_open_task=True,
        )
    if entry.kind == "set_deal_stage":
        before, after = change["stage"]
        return Update([Field(names.Deal.STAGE, _stage(before), _stage(after), "stage")])
    if entry.kind == "set_close_date":
        before, after = change["close_date"]
        return Update([Field(names.Deal.CLOSE_DATE, _close_date(before), _close_date(after), "close date")])
    if entry.kind == "set_lead_stage":
        before, after = change["stage"]
        return Update([Field(names.Lead.STAGE, _stage(before), _stage(after), "stage")])
    if entry.kind == "disqualify_lead":
        before, _ = change["stage"]
        lead = session.get(Lead, entry.record_id)
        if lead is None:
            raise NotWritable("the lead is no longer in Salesbot")
        lost = session.scalar(
            select(Stage.id)
            .where(Stage.pipeline_id == lead.pipeline_id, Stage.state == "lost")
            .order_by(Stage.order)
            .limit(1)
        )
        if lost is None:
            raise NotWritable("the lead's pipeline has no disqualified stage")
        return Update([Field(names.Lead.STAGE, _stage(before), lost, "stage")])
    if entry.kind == "log_outcome":
        before, after = change["outcome"]
        if entry.object_type == names.MEETINGS:
            return Update(
                [
                    Field(
                        names.Meeting.OUTCOME,
                        str(before).upper() if before else None,
                        str(after).upper(),
                        "outcome",
                    )
                ]
            )
        return Update(
            [
                Field(
                    names.Call.DISPOSITION,
                    CALL_DISPOSITIONS.get(str(before), str(before)) if before else None,  # synced: an id
                    _disposition(str(after)),
                    "outcome",
                )
            ]
        )
    raise NotWritable(f"no write-back for {entry.kind}")


def _disposition(outcome: str) -> str:
    if outcome not in CALL_DISPOSITIONS:
        raise NotWritable(f'HubSpot has no call outcome "{outcome}"')
    return CALL_DISPOSITIONS[outcome]


def hubspot_id(session: Session, object_type: str, salesbot_id: str) -> str | None:
    return session.scalar(
        select(HubSpotRecord.hubspot_id).where(
            HubSpotRecord.object_type == object_type, HubSpotRecord.salesbot_id == salesbot_id
        )
    )


def owner_of(session: Session, user_id: str | None) -> str | None:
    if user_id is None:
        return None
    return session.scalar(select(HubSpotUser.owner_id).where(HubSpotUser.user_id == user_id))


_LINKS = (
    (names.CONTACTS, ActivityContact, ActivityContact.contact_id),
    (names.COMPANIES, ActivityCompany, ActivityCompany.company_id),
    (names.DEALS, ActivityDeal, ActivityDeal.deal_id),
)


def create_for(session: Session, entry: WritebackEntry) -> Create:
    activity = session.get(Activity, entry.record_id)
    if activity is None:
        raise NotWritable("the record is no longer in Salesbot")
    t = entry.object_type
    props: dict[str, str | None] = {
        REF_PROPERTY: entry.ref,
        names.OWNER: owner_of(session, activity.owner_id),
    }
    title = activity.title or ""
    if t == names.TASKS:
        props |= {
            names.Task.SUBJECT: activity.title,
            names.Task.BODY: activity.body,
            names.TIMESTAMP: millis(activity.due_at) if activity.due_at else None,
            names.Task.STATUS: (activity.status or "not_started").upper(),
            names.Task.PRIORITY: (activity.priority or "none").upper(),
            names.Task.TYPE: (activity.task_type or "todo").upper(),
        }
    elif t == names.CALLS:
        title = "Call"
        props |= {
            names.Call.TITLE: "Call",
            names.Call.BODY: activity.body,
            names.TIMESTAMP: millis(activity.started_at) if activity.started_at else None,
            names.Call.DURATION: str((activity.duration_s or 0) * 1000),
            names.Call.STATUS: (activity.status or "completed").upper(),
        }
    elif t == names.MEETINGS:
        start = activity.start_at
        props |= {
            names.Meeting.TITLE: activity.title,
            names.Meeting.BODY: activity.body,
            names.TIMESTAMP: millis(start) if start else None,
            names.Meeting.START: millis(start) if start else None,
            names.Meeting.END: millis(activity.end_at) if activity.end_at else None,
            names.Meeting.OUTCOME: (activity.outcome or "scheduled").upper(),
        }
    elif t == names.NOTES:
        title = "Note"
        props |= {
            names.Note.BODY: activity.body,
            names.TIMESTAMP: millis(activity.created_at) if activity.created_at else None,
        }
    else:
        raise NotWritable(f"Salesbot does not create {t} in HubSpot")
    associations: list[dict[str, Any]] = []
    for to_type, link, column in _LINKS:
        ids = session.scalars(
            select(column).where(link.activity_id == activity.id).order_by(link.position)
        ).all()
        type_id = names.DEFAULT_TYPE_IDS[(t, to_type)]
        for salesbot_id in ids:
            target = hubspot_id(session, to_type, salesbot_id)
            if target is not None:
                associations.append(
                    {
                        "to": {"id": target},
                        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
                    }
                )
    return Create({k: v for k, v in props.items() if v is not None}, associations, title)


def apply_locally(session: Session, entry: WritebackEntry, properties: dict[str, Any]) -> str:
    """Take HubSpot's values of what ``entry`` changed into the local record (HubSpot wins); returns what
    HubSpot has, in a few words, for the rep."""
    if entry.object_type == names.TASKS:
        task = session.get(Activity, entry.record_id)
        status = str(properties.get(names.Task.STATUS) or "").lower()
        due = parse_hubspot_time(properties.get(names.TIMESTAMP))
        if task is not None:
            if status:
                task.status = status
                task.completed_at = (
                    parse_hubspot_time(properties.get(names.Task.COMPLETED)) or task.completed_at
                    if status == "completed"
                    else None
                )
            if due is not None and entry.kind == "snooze_task":
                task.due_at = due
            task.refresh_times()
        if status == "completed":
            return "the task is already completed in HubSpot"
        return f"HubSpot has the task due {due:%Y-%m-%d %H:%M} UTC" if due else "HubSpot has another value"
    if entry.object_type == names.DEALS:
        deal = session.get(Deal, entry.record_id)
        if entry.kind == "set_deal_stage":
            stage = properties.get(names.Deal.STAGE)
            if deal is not None and stage:
                found = session.get(Stage, (deal.pipeline_id, stage))
                if found is not None:
                    deal.stage_id = found.id
                    return f"the deal is at {found.label} in HubSpot"
            return f"the deal is at stage {stage} in HubSpot"
        closed = parse_hubspot_time(properties.get(names.Deal.CLOSE_DATE))
        if deal is not None:
            deal.close_date = closed.date() if closed else None
        return f"HubSpot has the close date {closed:%Y-%m-%d}" if closed else "HubSpot has no close date"
    if entry.object_type == names.LEADS:
        lead = session.get(Lead, entry.record_id)
        stage = properties.get(names.Lead.STAGE)
        if lead is not None and stage:
            found = session.get(Stage, (lead.pipeline_id, stage))
            if found is not None:
                lead.stage_id = found.id
                return f"the lead is at {found.label} in HubSpot"
        return f"the lead is at stage {stage} in HubSpot"
    activity = session.get(Activity, entry.record_id)
    outcome = properties.get(names.Meeting.OUTCOME) or properties.get(names.Call.DISPOSITION)
    if activity is not None and entry.object_type == names.MEETINGS and outcome:
        activity.outcome = str(outcome).lower()
    return f"HubSpot has the outcome {outcome}"
