"""Activity records in the dataset format, one builder per type, every key spelled out."""

from __future__ import annotations

from typing import Any

from crm.demo.world import Person, Rep

Record = dict[str, Any]


def links(person: Person | None, deal: str | None = None, lead: str | None = None) -> Record:
    return {
        "contacts": [person.id] if person else [],
        "companies": [person.company.id] if person else [],
        "deals": [deal] if deal else [],
        "leads": [lead] if lead else [],
    }


def email(
    activity_id: str,
    rep: Rep,
    person: Person,
    *,
    sent: str,
    outgoing: bool,
    subject: str,
    body: str,
    thread: str,
    linked: Record,
    reply_to: str | None = None,
    tracked: bool = True,
    opened: str | None = None,
    clicked: str | None = None,
) -> Record:
    """An email between the rep and ``person``: outgoing ones tracked unless told otherwise."""
    return {
        "id": activity_id,
        "type": "email",
        "owner_id": rep.id,
        "private": False,
        "direction": "outgoing" if outgoing else "incoming",
        "tracked": tracked and outgoing,
        "sent_at": sent,
        "from": rep.email if outgoing else person.email,
        "to": [person.email] if outgoing else [rep.email],
        "cc": [],
        "subject": subject,
        "body": body,
        "thread_id": thread,
        "in_reply_to": reply_to,
        "opened_at": opened,
        "clicked_at": clicked,
        "associations": linked,
    }


def call(
    activity_id: str,
    rep: Rep,
    *,
    started: str,
    duration: int,
    status: str | None,
    outcome: str | None,
    builtin: bool,
    body: str,
    linked: Record,
    private: bool = False,
) -> Record:
    return {
        "id": activity_id,
        "type": "call",
        "owner_id": rep.id,
        "private": private,
        "started_at": started,
        "duration_s": duration,
        "status": status,
        "outcome": outcome,
        "via_builtin_calling": builtin,
        "body": body,
        "associations": linked,
    }


def meeting(
    activity_id: str, rep: Rep, *, title: str, start: str, end: str, outcome: str | None, linked: Record
) -> Record:
    return {
        "id": activity_id,
        "type": "meeting",
        "owner_id": rep.id,
        "private": False,
        "title": title,
        "start": start,
        "end": end,
        "outcome": outcome,
        "link": f"https://meet.example/{activity_id}",
        "body": "Agenda: goals, timeline, next steps.",
        "associations": linked,
    }


def note(
    activity_id: str, rep: Rep, *, created: str, body: str, linked: Record, private: bool = False
) -> Record:
    return {
        "id": activity_id,
        "type": "note",
        "owner_id": rep.id,
        "private": private,
        "created_at": created,
        "body": body,
        "associations": linked,
    }


def task(
    activity_id: str,
    rep: Rep,
    *,
    title: str,
    due: str,
    created: str,
    linked: Record,
    priority: str = "medium",
    status: str = "not_started",
    completed: str | None = None,
    task_type: str = "todo",
    enrollment: str | None = None,
    private: bool = False,
) -> Record:
    return {
        "id": activity_id,
        "type": "task",
        "owner_id": rep.id,
        "private": private,
        "title": title,
        "due_at": due,
        "priority": priority,
        "status": status,
        "completed_at": completed,
        "task_type": task_type,
        "enrollment_id": enrollment,
        "created_at": created,
        "body": "",
        "associations": linked,
    }
