"""Home tests run through the real app (``tests.bot.app.conftest``'s harness) and on builders directly."""

from __future__ import annotations

import json
from typing import Any

from tests.bot.app.conftest import SlackRequests, element_action
from tests.bot.app.conftest import bolt as bolt
from tests.bot.app.conftest import clock as clock
from tests.bot.app.conftest import services as services
from tests.fakes.slack_api import FakeSlack


def published(slack: FakeSlack) -> dict[str, Any]:
    """The last view published to Home."""
    calls = slack.calls("views.publish")
    assert calls, "nothing was published"
    view = calls[-1].params["view"]
    return json.loads(view) if isinstance(view, str) else view


def text_of(view: dict[str, Any]) -> str:
    return json.dumps(view.get("blocks", []), ensure_ascii=False)


def home_click(
    app: SlackRequests,
    view: dict[str, Any],
    action_id: str,
    *,
    value: str | None = None,
    selected: str | None = None,
    user: str = "UANA",
    block_id: str = "b1",
) -> Any:
    """A click on the published Home ``view``: a button ``value`` or a menu's ``selected`` option."""
    action = element_action(action_id, value=value, selected=selected, block_id=block_id)
    return home_action(app, view, action, user=user)


def home_action(
    app: SlackRequests, view: dict[str, Any], action: dict[str, Any], *, user: str = "UANA"
) -> Any:
    """Any element's ``action`` on the published Home ``view`` (a multi-select's, say), as Slack sends it."""
    payload = {
        "type": "block_actions",
        "team": {"id": "T0001"},
        "user": {"id": user},
        "api_app_id": "A1",
        "trigger_id": "trigger-home",
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {
            "id": "VHOME",
            "type": "home",
            "hash": "h",
            "callback_id": "home",
            "private_metadata": view.get("private_metadata", ""),
            "blocks": view.get("blocks", []),
        },
        "actions": [action],
    }
    return app.interactive(payload)


def open_home(app: SlackRequests, user: str = "UANA", event_id: str = "EvH1") -> Any:
    return app.event(
        {"type": "app_home_opened", "user": user, "channel": "DANA", "tab": "home"}, event_id=event_id
    )
