"""Modal submissions."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks.feedback import COMMENT_VIEW
from bot.blocks.followup import CREATE_VIEW
from bot.blocks.home.settings import SETTINGS_VIEW
from bot.blocks.insights import FEEDBACK_CALLBACK
from bot.blocks.log_to_crm import VIEW as LOG_TO_CRM_VIEW
from bot.blocks.queue import QUEUE_VIEW
from bot.listeners.actions import insights_buttons
from bot.listeners.views import (
    create_task,
    feedback_comment,
    home_records,
    home_settings,
    log_to_crm,
    queue_submit,
)
from bot.runtime import Services


def register(app: App, services: Services) -> None:
    app.view(COMMENT_VIEW)(feedback_comment.handler(services))
    app.view(CREATE_VIEW)(create_task.handler(services))
    app.view(QUEUE_VIEW)(queue_submit.handler(services))
    app.view(SETTINGS_VIEW)(home_settings.handler(services))
    for callback_id in home_records.CALLBACKS:
        app.view(callback_id)(home_records.handler(services))
    app.view(FEEDBACK_CALLBACK)(insights_buttons.feedback_submitted(services))
    app.view(LOG_TO_CRM_VIEW)(log_to_crm.handler(services))
