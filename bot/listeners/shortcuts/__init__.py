"""Shortcuts: the "Log to CRM" message shortcut, and the options of its record picker."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks.log_to_crm import RECORD, SHORTCUT
from bot.listeners.shortcuts import log_to_crm
from bot.runtime import Services


def register(app: App, services: Services) -> None:
    app.shortcut(SHORTCUT)(log_to_crm.handler(services))
    app.options(RECORD[1])(log_to_crm.options(services))
