"""Bolt listeners, one folder per kind, each with ``register(app, services)``.

A listener acks first, then hands the rest to ``Services.worker`` (:func:`bot.listeners.work.after_ack`):
map the Slack user to a CRM user, call one service function with a session and ``now``, commit, then send
what a ``bot/blocks`` builder made. Errors after the ack reach the user as a short ephemeral message and the
log, never silence.
"""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import actions, commands, events, shortcuts, views
from bot.runtime import Services


def register_listeners(app: App, services: Services) -> None:
    for kind in (actions, views, events, commands, shortcuts):
        kind.register(app, services)
