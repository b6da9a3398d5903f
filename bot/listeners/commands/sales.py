"""``/sales``: acks at once (``help`` is the ack itself), then each subcommand answers privately through
the command's ``response_url``. Anything unknown gets the usage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.blocks.sales import help_message
from bot.listeners.commands import digest_now, insights, tasks, workspace
from bot.listeners.work import Who
from bot.runtime import Services

Subcommand = Callable[[Services, WebClient, Who, str, Respond], None]

SUBCOMMANDS: dict[str, Subcommand] = {
    "insights": insights.run,
    "tasks": tasks.run,
    "digest": digest_now.run,
    "deals": workspace.deals,
    "schedule": workspace.schedule,
    "feed": workspace.feed,
}


def handler(services: Services) -> Callable[..., None]:
    def sales(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        text = " ".join(str(body.get("text") or "").split())
        name, _, rest = text.partition(" ")
        if name.lower() == "queue":
            ack()
            trigger_id = str(body.get("trigger_id") or "")
            workspace.queue(services, client, Who.from_body(body), rest, respond, trigger_id)
            return
        subcommand = SUBCOMMANDS.get(name.lower())
        if subcommand is None:
            note = None if name.lower() in ("", "help") else f"I don't know “/sales {name}”."
            ack(response_type="ephemeral", **help_message(note))
            return
        ack()
        subcommand(services, client, Who.from_body(body), rest, respond)

    return sales
