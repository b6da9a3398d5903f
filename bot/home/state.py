"""What the Home view shows, kept in the published view's ``private_metadata`` (a small JSON object).

Every Home button and menu is a change to this state (``apply(key, value)``: its value is ``key=value``), so
a click re-publishes the view from the state it came with. The tab is also remembered per user
(``user_preferences.home_tab``) so ``app_home_opened`` opens where the user left off. A payload Salesbot did
not make (forged or corrupted) falls back to the defaults; a forged "view as" is refused where the state is
used (``bot.home.context.subject_of``), not here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

TABS = ("summary", "deals", "leads", "schedule", "feed", "settings")
TAB_LABELS = {
    "summary": "Summary",
    "deals": "Deals",
    "leads": "Leads",
    "schedule": "Schedule",
    "feed": "Feed",
    "settings": "Settings",
}
GUIDED = ("all", "closing", "prospecting")
DEAL_CATEGORIES = {
    "no_activity": "No activity scheduled",
    "closing_month": "Closing this month",
    "past_close": "Past close date",
    "stalled": "Stalled 14 days",
    "all_open": "All open",
}
RANGES = ("day", "week", "month")
EVENT_TYPES = ("email_open", "email_click", "email_reply", "page_view", "form_submission", "meeting_booked")
ANY = ""  # an unset filter
MAX_PAGE = 10_000
ID_LIMIT = 255  # the importer's longest id (Slack payloads carry them as bot.slack.keys.key)


class StateError(ValueError):
    """A Home button whose value Salesbot did not make."""


@dataclass(frozen=True)
class HomeState:
    tab: str = "summary"
    subject: str = ANY  # the user whose workspace is shown (super admins only); "" = the viewer
    guided: str = "all"
    category: str = "all_open"
    pipeline: str = ANY
    stage: str = ANY
    owner: str = ANY  # deals of this owner (managers); "" = the subject's own; "*" = everyone visible
    range: str = "day"
    event: str = ANY
    seq: str = ANY  # "*" enrolled in any sequence, "-" in none, or a sequence id
    page: int = 0
    tpage: int = 0  # the page of the Summary's Team section (managers)

    def dumps(self) -> str:
        default = HomeState()
        changed = {k: v for k, v in asdict(self).items() if getattr(default, k) != v}
        return json.dumps(changed, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str | None) -> HomeState:
        """The state in ``text``; the defaults for anything that is not a valid state."""
        try:
            data = json.loads(text or "{}")
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        state = cls()
        for key, value in data.items():
            try:
                state = state.apply(str(key), str(value))
            except StateError:
                continue
        return state

    def apply(self, key: str, value: str) -> HomeState:
        """The state after a Home button or menu set ``key`` to ``value`` (``StateError`` when invalid)."""
        names = {f.name for f in fields(self)}
        if key not in names:
            raise StateError(f"unknown Home setting {key!r}")
        if len(value) > ID_LIMIT:
            raise StateError("value too long")
        if key in ("page", "tpage"):
            if not (value.isascii() and value.isdigit()) or int(value) > MAX_PAGE:
                raise StateError("bad page")
            return replace(self, page=int(value)) if key == "page" else replace(self, tpage=int(value))
        allowed: dict[str, Any] = {
            "tab": TABS,
            "guided": GUIDED,
            "category": DEAL_CATEGORIES,
            "range": RANGES,
            "event": (ANY, *EVENT_TYPES),
        }
        if key in allowed and value not in allowed[key]:
            raise StateError(f"bad {key}")
        changes: dict[str, Any] = {key: value, "page": 0}
        if key == "pipeline":
            changes["stage"] = ANY
        if key == "subject":
            # Another user's workspace starts from their Summary with no filters of the previous one.
            return HomeState(tab=self.tab, subject=value)
        return replace(self, **changes)

    def with_patch(self, patch: str) -> HomeState:
        """Apply a button value ``key=value``."""
        key, sep, value = patch.partition("=")
        if not sep:
            raise StateError("not a Home button")
        return self.apply(key, value)
