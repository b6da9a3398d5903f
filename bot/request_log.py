"""One INFO line per Slack request the app handles: what it was, who sent it, how it ended, how long it took.

``LoggedApp`` is Bolt's ``App`` whose ``dispatch`` (the one entry of HTTP and Socket Mode alike) logs, after
the ack, ``slack request kind=action what=digest.complete user=U1 team=T1 outcome=200 ms=12``. The same
fields go to ``extra`` for ``--log-format json``. Only ids and names are logged: never text a user typed,
a token, a signature or an email body.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

log = logging.getLogger("bot.requests")


def _dig(body: dict[str, Any], *path: str) -> Any:
    value: Any = body
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def describe(body: dict[str, Any]) -> dict[str, str]:
    """kind, what (the command, action, event or view), user and team of a request ("-" when unsaid)."""
    kind = str(body.get("type") or "")
    name: Any = None
    if body.get("command"):
        kind = "command"
        words = str(body.get("text") or "").split()
        name = f"{body['command']} {words[0]}" if words else body["command"]
    elif kind == "event_callback":
        kind, name = "event", _dig(body, "event", "type")
    elif kind in ("block_actions", "block_suggestion", "interactive_message"):
        actions = body.get("actions")
        first = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
        name = first.get("action_id") or body.get("action_id")
        kind = "action" if kind == "block_actions" else kind
    elif kind in ("view_submission", "view_closed"):
        name = _dig(body, "view", "callback_id")
    elif kind in ("shortcut", "message_action"):
        name = body.get("callback_id")
    user = _dig(body, "user", "id") or body.get("user_id") or _dig(body, "event", "user")
    team = _dig(body, "team", "id") or body.get("team_id") or _dig(body, "user", "team_id")
    return {
        "kind": kind or "unknown",
        "what": str(name or "-")[:80],
        "user": str(user if isinstance(user, str) else "-"),
        "team": str(team if isinstance(team, str) else "-"),
    }


class LoggedApp(App):
    def dispatch(self, req: BoltRequest) -> BoltResponse:
        started = time.perf_counter()
        outcome = "error"
        try:
            response = super().dispatch(req)
            outcome = str(response.status)
            return response
        finally:
            fields = describe(req.body if isinstance(req.body, dict) else {})
            ms = round((time.perf_counter() - started) * 1000)
            log.info(
                "slack request kind=%s what=%s user=%s team=%s outcome=%s ms=%d",
                fields["kind"],
                fields["what"],
                fields["user"],
                fields["team"],
                outcome,
                ms,
                extra={**fields, "outcome": outcome, "ms": ms},
            )
