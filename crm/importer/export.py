"""Export the CRM store in the dataset format: the inverse of import (export -> import is a no-op)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.isotime import format_date_or_none, format_time_or_none
from crm.models import (
    Activity,
    ActivityCompany,
    ActivityContact,
    ActivityDeal,
    ActivityLead,
    Company,
    Contact,
    Deal,
    DealCloseDate,
    DealContact,
    DealScore,
    EmailRecipient,
    EngagementEvent,
    Enrollment,
    Lead,
    Org,
    Pipeline,
    Sequence,
    Stage,
    Team,
    User,
    UserGoal,
)
from crm.models.org import DEFAULT_UNFURL

CHUNK = 5_000


def _number(value: Decimal | float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == int(value) else float(value)


def _children(session: Session, model: Any, parent: str, ids: list[str]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    order = (model.kind.desc(), model.position) if model is EmailRecipient else (model.position,)
    stmt = select(model).where(getattr(model, parent).in_(ids)).order_by(*order)
    for row in session.scalars(stmt):
        grouped[getattr(row, parent)].append(row)
    return grouped


def _chunks(session: Session, model: Any) -> Iterator[list[Any]]:
    """All rows of ``model`` by id, a chunk at a time (keyset paging keeps memory flat)."""
    last: str | None = None
    while True:
        stmt = select(model).order_by(model.id).limit(CHUNK)
        if last is not None:
            stmt = stmt.where(model.id > last)
        rows = list(session.scalars(stmt))
        if not rows:
            return
        yield rows
        last = rows[-1].id
        session.expunge_all()


def _user(u: User, goals: list[UserGoal]) -> dict[str, Any]:
    return {
        "id": u.id,
        "email": u.email,
        "name": u.name,
        "team_id": u.team_id,
        "role": u.role,
        "timezone": u.timezone,
        "slack_user_id": u.slack_user_id,
        "access": {
            kind: getattr(u, f"access_{kind}")
            for kind in ("contacts", "companies", "deals", "leads", "activities")
            if getattr(u, f"access_{kind}") is not None
        },
        "digest": {
            "enabled": u.digest_enabled,
            "time": u.digest_time,
            "weekdays": list(u.digest_weekdays),
            "send_when_empty": u.digest_send_when_empty,
            # Written when on (only managers may have it), so a rep's record reads as the spec's example.
            **({"team": True} if u.digest_team else {}),
        },
        "goals": [{"metric": g.metric, "period": g.period, "target": g.target} for g in goals],
    }


def _contact(c: Contact) -> dict[str, Any]:
    return {
        "id": c.id,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "email": c.email,
        "company_id": c.company_id,
        "owner_id": c.owner_id,
        "owner_assigned_at": format_time_or_none(c.owner_assigned_at),
        "lifecycle_stage": c.lifecycle_stage,
        "created_at": format_time_or_none(c.created_at),
    }


def _deal(d: Deal, children: dict[Any, dict[str, list[Any]]]) -> dict[str, Any]:
    return {
        "id": d.id,
        "name": d.name,
        "owner_id": d.owner_id,
        "owner_assigned_at": format_time_or_none(d.owner_assigned_at),
        "pipeline_id": d.pipeline_id,
        "stage_id": d.stage_id,
        "amount": _number(d.amount),
        "currency": d.currency,
        "close_date": format_date_or_none(d.close_date),
        "created_at": format_time_or_none(d.created_at),
        "closed_at": format_time_or_none(d.closed_at),
        "next_steps": d.next_steps,
        "next_steps_updated_at": format_time_or_none(d.next_steps_updated_at),
        "contact_ids": [c.contact_id for c in children[DealContact][d.id]],
        "company_id": d.company_id,
        "score_history": [
            {"at": format_time_or_none(s.at), "score": _number(s.score)} for s in children[DealScore][d.id]
        ],
        "close_date_history": [
            {"at": format_time_or_none(h.at), "close_date": format_date_or_none(h.close_date)}
            for h in children[DealCloseDate][d.id]
        ],
    }


_TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    "email": ("direction", "tracked", "subject", "thread_id", "in_reply_to"),
    "call": ("duration_s", "status", "outcome", "via_builtin_calling"),
    "meeting": ("title", "outcome", "link"),
    "note": (),
    "task": ("title", "priority", "status", "task_type", "enrollment_id"),
}
_TYPE_TIMES: dict[str, tuple[tuple[str, str], ...]] = {
    "email": (("sent_at", "sent_at"), ("opened_at", "opened_at"), ("clicked_at", "clicked_at")),
    "call": (("started_at", "started_at"),),
    "meeting": (("start", "start_at"), ("end", "end_at")),
    "note": (("created_at", "created_at"),),
    "task": (("due_at", "due_at"), ("completed_at", "completed_at"), ("created_at", "created_at")),
}
_LINKS = (
    ("contacts", ActivityContact, "contact_id"),
    ("companies", ActivityCompany, "company_id"),
    ("deals", ActivityDeal, "deal_id"),
    ("leads", ActivityLead, "lead_id"),
)


def _activity(a: Activity, children: dict[Any, dict[str, list[Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": a.id, "type": a.type, "owner_id": a.owner_id, "private": a.private}
    for name in _TYPE_FIELDS[a.type]:
        out[name] = getattr(a, name)
    for key, column in _TYPE_TIMES[a.type]:
        out[key] = format_time_or_none(getattr(a, column))
    if a.type == "email":
        recipients = children[EmailRecipient][a.id]
        out["from"] = a.from_address
        out["to"] = [r.address for r in recipients if r.kind == "to"]
        out["cc"] = [r.address for r in recipients if r.kind == "cc"]
    out["body"] = a.body
    out["associations"] = {
        key: [getattr(link, column) for link in children[model][a.id]] for key, model, column in _LINKS
    }
    return out


def iter_dataset(session: Session) -> Iterator[tuple[str, dict[str, Any]]]:
    """(collection, record) pairs for the whole store, in the format's collection order."""
    org = session.get(Org, 1)
    if org is not None:
        yield (
            "org",
            {
                "name": org.name,
                "final_lifecycle_stages": list(org.final_lifecycle_stages),
                "customer_analysis_enabled": org.customer_analysis_enabled,
                "sensitive_data_enabled": org.sensitive_data_enabled,
                **({"unfurl": org.unfurl} if org.unfurl != DEFAULT_UNFURL else {}),
                **({"record_urls": dict(org.record_urls)} if org.record_urls else {}),
            },
        )
    for rows in _chunks(session, Team):
        for t in rows:
            yield "teams", {"id": t.id, "name": t.name, "parent_id": t.parent_id}
    for rows in _chunks(session, User):
        goals = _children(session, UserGoal, "user_id", [u.id for u in rows])
        for u in rows:
            yield "users", _user(u, goals[u.id])
    for rows in _chunks(session, Company):
        for co in rows:
            yield (
                "companies",
                {
                    "id": co.id,
                    "name": co.name,
                    "domain": co.domain,
                    "owner_id": co.owner_id,
                    "target_account": co.target_account,
                },
            )
    for rows in _chunks(session, Contact):
        for c in rows:
            yield "contacts", _contact(c)
    for rows in _chunks(session, Pipeline):
        stages = _children_stages(session, [p.id for p in rows])
        for p in rows:
            yield "pipelines", {"id": p.id, "object": p.object, "name": p.name, "stages": stages[p.id]}
    for rows in _chunks(session, Sequence):
        for s in rows:
            yield "sequences", {"id": s.id, "name": s.name}
    for rows in _chunks(session, Lead):
        for lead in rows:
            yield (
                "leads",
                {
                    "id": lead.id,
                    "contact_id": lead.contact_id,
                    "owner_id": lead.owner_id,
                    "owner_assigned_at": format_time_or_none(lead.owner_assigned_at),
                    "pipeline_id": lead.pipeline_id,
                    "stage_id": lead.stage_id,
                    "created_at": format_time_or_none(lead.created_at),
                    "disqualified_at": format_time_or_none(lead.disqualified_at),
                },
            )
    for rows in _chunks(session, Deal):
        ids = [d.id for d in rows]
        children: dict[Any, dict[str, list[Any]]] = {
            model: _children(session, model, "deal_id", ids)
            for model in (DealContact, DealScore, DealCloseDate)
        }
        for d in rows:
            yield "deals", _deal(d, children)
    for rows in _chunks(session, Enrollment):
        for e in rows:
            yield (
                "enrollments",
                {
                    "id": e.id,
                    "sequence_id": e.sequence_id,
                    "contact_id": e.contact_id,
                    "user_id": e.user_id,
                    "enrolled_at": format_time_or_none(e.enrolled_at),
                    "status": e.status,
                },
            )
    for rows in _chunks(session, Activity):
        ids = [a.id for a in rows]
        models: list[Any] = [EmailRecipient, *(model for _, model, _ in _LINKS)]
        children = {model: _children(session, model, "activity_id", ids) for model in models}
        for a in rows:
            yield "activities", _activity(a, children)
    for rows in _chunks(session, EngagementEvent):
        for ev in rows:
            yield (
                "engagement_events",
                {
                    "id": ev.id,
                    "contact_id": ev.contact_id,
                    "type": ev.type,
                    "at": format_time_or_none(ev.at),
                    "detail": ev.detail,
                },
            )


def _children_stages(session: Session, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    stmt = select(Stage).where(Stage.pipeline_id.in_(ids)).order_by(Stage.pipeline_id, Stage.order, Stage.id)
    for s in session.scalars(stmt):
        grouped[s.pipeline_id].append({"id": s.id, "label": s.label, "order": s.order, "state": s.state})
    return grouped
