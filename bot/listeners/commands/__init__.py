"""Slash commands."""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Services


def register(app: App, services: Services) -> None:
    pass
