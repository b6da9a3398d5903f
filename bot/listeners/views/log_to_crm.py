"""The "Log to CRM" modal submitted: the pick and the note checked before the ack (errors shown inline),
then the note saved after it through ``crm.changes.records.log_activity``, the same change as Home's Log
activity (so whatever follows a change, such as writing it back to HubSpot, follows this one too)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.log_to_crm import NOTE, RECORD, parse_record
from bot.listeners.views.state import input_value, selected_value
from bot.listeners.work import Effect, Who, after_ack, saving_note, say
from bot.runtime import Services
from bot.slack.keys import restore
from crm.changes import records
from crm.models import Contact, Deal, User


def handler(services: Services) -> Callable[..., None]:
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        picked = parse_record(selected_value(view, RECORD))
        note = (input_value(view, NOTE) or "").strip()
        errors = {}
        if picked is None:
            errors[RECORD[0]] = "Choose a deal or contact."
        if not note:
            errors[NOTE[0]] = "A note needs some text."
        elif len(note) > records.BODY_LIMIT:
            errors[NOTE[0]] = f"At most {records.BODY_LIMIT} characters."
        if errors or picked is None:
            ack(response_action="errors", errors=errors)
            return
        ack()
        kind, record_id = picked
        who = Who.from_body(body)

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            column = Deal.id if kind == "deal" else Contact.id
            target = restore(session, record_id, column)
            records.log_activity(
                session, actor, "deals" if kind == "deal" else "contacts", target, "note", note, now, now
            )
            return [say(who, f"Saved the message as a note on the {kind}.{saving_note(session)}")]

        after_ack(services, client, who, "log to crm", work)

    return submitted
