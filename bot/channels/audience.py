"""A channel's readers as CRM users, and whether they may all view a record.

Readers are the channel's human members (bots, Salesbot included, read nothing), each mapped to a CRM user
(``bot.slack.users``); a member with no CRM user counts as seeing nothing. A channel shared with another
organisation (Slack Connect) never counts as "everyone may view", whoever its members are. When Slack will
not say who is in a conversation (not a member, a composer preview), nobody is known to be allowed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.channels.members import ChannelCache
from bot.slack.users import crm_user_for
from crm.models import User
from crm.queries.actions import user_by_email
from crm.queries.audience import KINDS, refused, users_by_slack_id
from crm.record_links import RecordKind

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Audience:
    channel: str
    readers: tuple[User, ...]  # members with a CRM user
    unmapped: int  # human members with none: they see nothing
    external: bool
    known: bool = True  # False: Slack would not list the members

    @property
    def people(self) -> int:
        return len(self.readers) + self.unmapped


@dataclass(frozen=True)
class Verdict:
    refused: int  # at least one when someone may not view it (unmapped members count)
    external: bool
    known: bool
    people: int

    @property
    def everyone_may_view(self) -> bool:
        return self.known and not self.external and self.refused == 0 and self.people > 0


def unknown(channel: str) -> Audience:
    return Audience(channel, (), 0, external=False, known=False)


def audience(
    session: Session,
    client: WebClient,
    cache: ChannelCache,
    channel: str,
    now: datetime,
    *,
    exhaustive: bool = True,
) -> Audience:
    """The channel's readers. A Slack Connect channel is answered without mapping anyone (it never counts as
    everyone may view); ``exhaustive=False`` stops at the first member with no CRM user (enough to say no,
    without asking Slack about every other unknown member)."""
    if not channel or channel == "COMPOSER":
        return unknown(channel)
    try:
        facts = cache.channel(client, channel, now)
    except SlackApiError as exc:
        log.info("no member list for %s: %s", channel, exc.response.get("error"))
        return unknown(channel)
    if facts.external:
        return Audience(channel, (), 0, external=True)
    mapped = users_by_slack_id(session, facts.members)
    readers = dict(mapped)
    unmapped = 0
    for slack_id in facts.members:
        if slack_id in mapped:
            continue
        try:
            person = cache.person(client, slack_id, now)
        except SlackApiError:
            unmapped += 1  # cannot tell a person from a bot: assume a person who sees nothing
            if not exhaustive:
                break
            continue
        if person.bot:
            continue
        user = (
            crm_user_for(session, slack_id, client, now)
            if person.email and user_by_email(session, person.email)
            else None
        )
        if user is None:
            unmapped += 1
            if not exhaustive:
                break
        else:
            readers[slack_id] = user
    unique = {u.id: u for u in readers.values()}
    return Audience(channel, tuple(unique.values()), unmapped, facts.external)


def verdict(session: Session, who: Audience, kind: RecordKind, record_id: str) -> Verdict:
    """Whether everyone may view the record (``refused`` counts at most one reader: enough to say no)."""
    if not who.known or who.external or who.unmapped:
        return Verdict(who.unmapped, who.external, who.known, who.people)
    denied = len(refused(session, who.readers, KINDS[kind], record_id, first_only=True))
    return Verdict(denied, who.external, who.known, who.people)
