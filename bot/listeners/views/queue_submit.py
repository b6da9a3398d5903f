""" "Save & next" / "Complete & next" in the bundled-actions queue modal.

A meeting or call needs an outcome: a missing one comes back inline before the ack. The ack swaps the modal
to a "Saving" view (``response_action: update``, so the modal stays open); the work applies the input and
then shows the next member, or the summary, with ``views.update``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.queue import OUTCOME, finished_view, queue_view
from bot.blocks.views import loading_view
from bot.home import home_tab
from bot.interactions import queue
from bot.listeners.views.state import selected_value
from bot.listeners.work import Effect, Who, after_ack, saving_note
from bot.runtime import Services
from crm.models import User
from crm.permissions import PermissionDenied


def handler(services: Services) -> Callable[..., None]:
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        try:
            q = queue.Queue.loads(str(view.get("private_metadata") or ""))
        except queue.QueueError:
            ack(response_action="errors", errors={"member": "This queue is not valid; start it again."})
            return
        outcome = selected_value(view, OUTCOME)
        if q.kind != "task" and not outcome:
            ack(response_action="errors", errors={OUTCOME[0]: "Choose an outcome, or Skip."})
            return
        ack(response_action="update", view=loading_view())
        who = Who.from_body(body)
        if q.home:  # Home is re-published after each step: a write-back redraws it once HubSpot answered
            who = replace(who, home="")
        view_id = view.get("id")
        member_id = q.ids[q.pos] if q.pos < len(q.ids) else ""

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            notice = None
            saving = ""
            try:
                notice = queue.act(session, actor, q, member_id, outcome, now)
                saving = saving_note(session)
                notice += saving
            except (ValueError, queue.QueueError, PermissionDenied) as exc:
                notice = f"Nothing changed: {exc}."
            member = queue.current(session, actor, q, now)
            update = (
                queue_view(q, member, actor.timezone, notice=notice)
                if member
                else finished_view(q, notice=notice if saving else None)  # "All done" says only saving
            )
            return [
                lambda client: client.views_update(view_id=view_id, view=update),
                *home_tab.refresh(session, actor, who.user, q, now),
            ]

        after_ack(services, client, who, "queue step", work)

    return submitted
