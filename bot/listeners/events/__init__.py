"""Events API listeners (Bolt acks events itself, before the listener runs)."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.events import home_opened, unfurl
from bot.runtime import Services

# The events the app subscribes to (manifest.yaml lists them, with Bolt's token revocation events).
EVENTS = ("app_home_opened", "link_shared", "member_joined_channel", "member_left_channel")


def register(app: App, services: Services) -> None:
    handlers = {
        "app_home_opened": home_opened.handler(services),
        "link_shared": unfurl.handler(services),
        "member_joined_channel": unfurl.membership(services),
        "member_left_channel": unfurl.membership(services),
    }
    for event in EVENTS:  # one list for the code and the manifest test
        app.event(event)(handlers[event])
