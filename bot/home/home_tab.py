"""Building and publishing the Home view for a user: load the tab's content for the state, lay it out.

``publish(session, viewer, slack_user, state, now)`` returns the effect that calls ``views.publish`` (run
after the transaction, like every Slack call of a listener). With HubSpot connected, the view starts with
where the viewer's latest changes made in Home stand in HubSpot (read from the write-back queue).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

from bot.blocks.home.admin import extras_blocks
from bot.blocks.home.records import deals_blocks, leads_blocks
from bot.blocks.home.schedule import feed_blocks, schedule_blocks
from bot.blocks.home.settings import settings_blocks
from bot.blocks.home.summary import summary_blocks
from bot.blocks.home.view import chrome, home_view
from bot.blocks.unfurl import unfurl_setting_blocks
from bot.blocks.writeback import home_blocks
from bot.home.admin import load_extras
from bot.home.context import HomeContext, context, people
from bot.home.records import load_deals, load_leads
from bot.home.schedule import load_feed, load_schedule
from bot.home.state import HomeState
from bot.home.summary import load_summary
from bot.interactions.queue import Queue
from bot.slack import limits
from crm.changes.org_settings import unfurl_mode
from crm.changes.preferences import digest_settings, preferences
from crm.models import User
from crm.queries.writeback import home_states

Effect = Callable[[WebClient], Any]
# With HubSpot connected, Home lists where the viewer's changes made in Home this long ago or since stand.
HUBSPOT_WINDOW = timedelta(hours=1)


def _summary(session: Session, ctx: HomeContext) -> list[Block]:
    return summary_blocks(load_summary(session, ctx), ctx.state)


def _settings(session: Session, ctx: HomeContext) -> list[Block]:
    blocks = settings_blocks(digest_settings(session, ctx.subject), editable=not ctx.masked)
    if ctx.viewer.is_super_admin and not ctx.masked:
        blocks += unfurl_setting_blocks(unfurl_mode(session))
    extras = load_extras(session, ctx)
    return blocks + extras_blocks(extras) if extras is not None else blocks


def _deals(session: Session, ctx: HomeContext) -> list[Block]:
    return deals_blocks(load_deals(session, ctx), ctx.state)


def _leads(session: Session, ctx: HomeContext) -> list[Block]:
    return leads_blocks(load_leads(session, ctx), ctx.state)


def _schedule(session: Session, ctx: HomeContext) -> list[Block]:
    return schedule_blocks(load_schedule(session, ctx), ctx.state, ctx.tz)


def _feed(session: Session, ctx: HomeContext) -> list[Block]:
    return feed_blocks(load_feed(session, ctx), ctx.state, ctx.tz)


TABS: dict[str, Callable[[Session, HomeContext], list[Block]]] = {
    "schedule": _schedule,
    "feed": _feed,
    "summary": _summary,
    "deals": _deals,
    "leads": _leads,
    "settings": _settings,
}


def initial_state(session: Session, user: User) -> HomeState:
    """The state Home opens with: the tab the user chose last."""
    tab = preferences(session, user).home_tab
    try:
        return HomeState().apply("tab", tab) if tab else HomeState()
    except ValueError:
        return HomeState()


def build(session: Session, viewer: User, state: HomeState, now: datetime) -> dict[str, Any]:
    """The Home view for ``viewer`` in ``state`` (``PermissionDenied`` for a forged "view as")."""
    ctx = context(session, viewer, state, now)
    tab = TABS.get(state.tab, _summary)
    blocks = chrome(state, people(session, viewer), (ctx.subject.id, ctx.subject.name), ctx.masked)
    content = tab(session, ctx)
    hubspot = home_blocks(home_states(session, viewer.id, now - HUBSPOT_WINDOW))
    if len(blocks) + len(hubspot) + len(content) <= limits.VIEW_BLOCKS:  # never at the tab's expense
        blocks += hubspot
    blocks += content
    return home_view(state, blocks)


def publish(session: Session, viewer: User, slack_user: str, state: HomeState, now: datetime) -> Effect:
    view = build(session, viewer, state, now)
    return lambda client: client.views_publish(user_id=slack_user, view=view)


def refresh(session: Session, viewer: User, slack_user: str, queue: Queue, now: datetime) -> list[Effect]:
    """After a step of a queue started from Home: re-publish Home (on the tab the user chose last)."""
    if not queue.home:
        return []
    return [publish(session, viewer, slack_user, initial_state(session, viewer), now)]
