"""The follow-up "Create task" modal submitted. Input is checked before the ack, so mistakes come back
inline (``response_action: errors``); the task is written after it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.followup import DUE, LINKS, PRIORITY, TITLE
from bot.interactions.followup import FollowUpInput, create_follow_up
from bot.listeners.views.state import input_value, selected_date, selected_value, selected_values
from bot.listeners.work import Effect, Who, after_ack, saving_note, say
from bot.runtime import Services
from crm.changes.tasks import PRIORITIES, TITLE_LIMIT
from crm.localtime import local_date
from crm.models import User


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def parse(view: dict[str, Any], today: date) -> tuple[FollowUpInput | None, dict[str, str]]:
    """The input, or the errors to show next to each field (keyed by block id)."""
    errors: dict[str, str] = {}
    title = " ".join((input_value(view, TITLE) or "").split())
    if not title:
        errors[TITLE[0]] = "Give the task a title."
    elif len(title) > TITLE_LIMIT:
        errors[TITLE[0]] = f"At most {TITLE_LIMIT} characters."
    due_text = selected_date(view, DUE)
    due: date | None = None
    try:
        due = date.fromisoformat(due_text or "")
    except ValueError:
        errors[DUE[0]] = "Pick a due date."
    if due is not None and due < today:
        errors[DUE[0]] = "The due date is in the past."
    priority = selected_value(view, PRIORITY) or "medium"
    if priority not in PRIORITIES:
        errors[PRIORITY[0]] = "Pick a priority."
    if errors or due is None:
        return None, errors
    task = _metadata(view).get("task")
    links = selected_values(view, LINKS)
    return FollowUpInput(title, due, priority, links, task if isinstance(task, str) else None), {}


def handler(services: Services) -> Callable[..., None]:
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        # Before the ack the user's zone is unknown: accept any day that is today somewhere (UTC-12 is a day
        # behind UTC at most); the work checks the user's own local day.
        data, errors = parse(view, local_date(services.clock(), "UTC") - timedelta(days=1))
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        assert data is not None
        channel = _metadata(view).get("channel")
        who = Who.from_body(body)
        who = Who(who.user, who.team, channel if isinstance(channel, str) else None)

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            if data.due < local_date(now, actor.timezone):
                raise ValueError("the due date is in the past")
            task = create_follow_up(session, actor, data, now)
            # A prompt's message cannot be redrawn: "saved in HubSpot" follows as a message of its own.
            saving = saving_note(session)
            return [say(who, f"Task created: {task.title} (due {data.due.isoformat()}).{saving}")]

        after_ack(services, client, who, "create follow-up task", work)

    return submitted
