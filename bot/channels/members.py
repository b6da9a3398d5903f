"""A channel's members and whether it is shared with another organisation (Slack Connect), from
``conversations.members`` and ``conversations.info``, and whether a member is a person or a bot
(``users.info``), cached for a short while.

An unfurl must answer within seconds and a 200-member channel takes several Web API calls to list, so the
answers are kept for ``MEMBERS_TTL``; ``member_joined_channel`` and ``member_left_channel`` forget a
channel at once (``forget``), so the TTL only bounds how long a missed event can matter. ``now`` is always
passed in: the cache never reads the clock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient

MEMBERS_TTL = timedelta(seconds=60)
PEOPLE_TTL = timedelta(minutes=10)
PAGE = 1000


@dataclass(frozen=True)
class ChannelFacts:
    channel: str
    members: tuple[str, ...]  # Slack user ids, bots included
    external: bool  # shared with another organisation (Slack Connect), or about to be


@dataclass(frozen=True)
class Person:
    slack_id: str
    bot: bool  # a bot or app user (Salesbot included), or a deactivated account: reads nothing
    email: str | None


class ChannelCache:
    """Thread-safe; one per process (``Services.channels``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._channels: dict[str, tuple[datetime, ChannelFacts]] = {}
        self._people: dict[str, tuple[datetime, Person]] = {}

    def channel(self, client: WebClient, channel: str, now: datetime) -> ChannelFacts:
        """The channel's members and kind; Slack errors (not in the channel, no such channel) propagate."""
        with self._lock:
            hit = self._channels.get(channel)
        if hit is not None and now - hit[0] < MEMBERS_TTL:
            return hit[1]
        info = client.conversations_info(channel=channel)["channel"] or {}
        external = bool(info.get("is_ext_shared") or info.get("is_pending_ext_shared"))
        members: list[str] = []
        cursor = None
        while True:
            page = client.conversations_members(channel=channel, limit=PAGE, cursor=cursor)
            members.extend(str(m) for m in page.get("members") or [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        facts = ChannelFacts(channel, tuple(dict.fromkeys(members)), external)
        with self._lock:
            self._channels[channel] = (now, facts)
        return facts

    def person(self, client: WebClient, slack_id: str, now: datetime) -> Person:
        with self._lock:
            hit = self._people.get(slack_id)
        if hit is not None and now - hit[0] < PEOPLE_TTL:
            return hit[1]
        user = client.users_info(user=slack_id)["user"] or {}
        bot = bool(user.get("is_bot") or user.get("deleted") or slack_id == "USLACKBOT")
        person = Person(slack_id, bot, (user.get("profile") or {}).get("email"))
        with self._lock:
            self._people[slack_id] = (now, person)
        return person

    def forget(self, channel: str) -> None:
        """Someone joined or left: the next question asks Slack again."""
        with self._lock:
            self._channels.pop(channel, None)
