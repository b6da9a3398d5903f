"""Slash commands: ``/sales`` and its subcommands."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.commands import sales
from bot.runtime import Services

COMMAND = "/sales"


def register(app: App, services: Services) -> None:
    app.command(COMMAND)(sales.handler(services))
