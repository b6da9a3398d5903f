"""``salesbot clock``: run the scheduler (digest ticks and rule runs) until stopped."""

from __future__ import annotations

from typing import Any

from bot.cli.context import CommandError, Context


def register(commands: Any) -> None:
    p = commands.add_parser(
        "clock", help="the scheduler: send digests when due, run the rules every few minutes"
    )
    p.set_defaults(handler=run)


def run(context: Context) -> int:
    from bot.clock import run_forever
    from bot.digest.workspaces import delivery_workspaces
    from bot.slack.client import SlackNotConfigured
    from crm.config import get_settings

    settings = get_settings()
    try:
        client = delivery_workspaces(settings)
    except SlackNotConfigured as exc:
        raise CommandError(str(exc)) from None
    run_forever(context.engine, client, settings)
    return 0
