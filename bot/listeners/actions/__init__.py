"""Block actions: digest buttons and menus, the follow-up prompt, the bundled-actions queue, deal insights."""

from __future__ import annotations

import re

from slack_bolt import Ack, App

from bot.blocks.followup import CREATE, NOT_NOW, SETTINGS_OFF, SETTINGS_ON
from bot.blocks.home.admin import RULES_MINE, RULES_ORG
from bot.blocks.home.common import NAV
from bot.blocks.home.settings import EDIT as EDIT_SETTINGS
from bot.blocks.home.summary import START_QUEUE
from bot.blocks.queue import SKIP
from bot.blocks.queue import SNOOZE as QUEUE_SNOOZE
from bot.blocks.unfurl import PREVIEW, SHARE_CANCEL, SHARE_MINIMAL, UNFURL_SETTING
from bot.digest import render
from bot.home.modals import OPENERS
from bot.interactions.items import complete_item, dismiss_item
from bot.listeners.actions import (
    feedback,
    followup_prompt,
    home_nav,
    home_queue,
    home_records,
    home_settings,
    insights_buttons,
    queue_skip,
    rule_switches,
    share_choice,
    snooze,
    start_queue,
    unfurl_preview,
    unfurl_setting,
)
from bot.listeners.actions.items import button_handler
from bot.runtime import Services


def acknowledge(ack: Ack) -> None:
    """Link buttons (Join, Open Home) open a URL in Slack; the click still arrives and only needs an ack."""
    ack()


def register(app: App, services: Services) -> None:
    app.action(render.COMPLETE)(button_handler(services, "complete", complete_item))
    app.action(render.SNOOZE)(snooze.handler(services))
    app.action(render.DISMISS)(button_handler(services, "dismiss", dismiss_item))
    app.action(render.FEEDBACK)(feedback.handler(services))
    app.action(render.START)(start_queue.handler(services))
    app.action(render.JOIN)(acknowledge)
    app.action(render.OPEN_HOME)(acknowledge)
    app.action(CREATE)(followup_prompt.create_handler(services))
    app.action(NOT_NOW)(followup_prompt.not_now)
    app.action(SETTINGS_OFF)(followup_prompt.prompt_setting_handler(services, on=False))
    app.action(SETTINGS_ON)(followup_prompt.prompt_setting_handler(services, on=True))
    app.action(SKIP)(queue_skip.handler(services))
    app.action(QUEUE_SNOOZE)(queue_skip.snooze_handler(services))
    app.action(re.compile(rf"^{re.escape(NAV)}\."))(home_nav.handler(services))
    app.action(START_QUEUE)(home_queue.handler(services))
    app.action(EDIT_SETTINGS)(home_settings.handler(services))
    app.action(RULES_MINE)(rule_switches.handler(services, org=False))
    app.action(RULES_ORG)(rule_switches.handler(services, org=True))
    for action_id in OPENERS:
        app.action(action_id)(home_records.handler(services))
    for action_id, handler in insights_buttons.handlers(services).items():
        app.action(action_id)(handler)
    app.action(PREVIEW)(unfurl_preview.handler(services))
    app.action(SHARE_MINIMAL)(share_choice.minimal(services))
    app.action(SHARE_CANCEL)(share_choice.cancel)
    app.action(UNFURL_SETTING)(unfurl_setting.handler(services))
    if services.writeback is not None:
        from bot.writeback import listener, messages

        app.action(messages.RETRY)(listener.handler(services))
