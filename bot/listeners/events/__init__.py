"""Events API listeners (Bolt acks events itself, before the listener runs)."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.events import home_opened, unfurl
from bot.runtime import Services


def register(app: App, services: Services) -> None:
    app.event("app_home_opened")(home_opened.handler(services))
    app.event("link_shared")(unfurl.handler(services))
    app.event("member_joined_channel")(unfurl.membership(services))
    app.event("member_left_channel")(unfurl.membership(services))
