"""The follow-up task prompt after a task is completed, and the "Create task" modal."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)

from bot.blocks.views import modal
from bot.interactions.followup import LinkChoice
from bot.slack import limits
from bot.slack.mrkdwn import escape, truncate
from crm.changes.tasks import PRIORITIES, TITLE_LIMIT

CREATE = "followup.create"
NOT_NOW = "followup.not_now"
SETTINGS_OFF = "followup.prompt_off"
SETTINGS_ON = "followup.prompt_on"
CREATE_VIEW = "followup.create_task"

# Input block and action ids of the modal.
TITLE = ("title", "value")
DUE = ("due", "value")
PRIORITY = ("priority", "value")
LINKS = ("links", "value")
MAX_LINK_OPTIONS = 10  # Slack allows 10 checkboxes per element


def prompt(task_title: str, task_id: str) -> dict[str, Any]:
    """The ephemeral prompt: "Create task", "Not now", "Task settings"."""
    text = (
        f"Task completed: *{escape(truncate(task_title or 'Untitled task', 150))}*. Create a follow-up task?"
    )
    blocks = [
        SectionBlock(block_id="followup.text", text=MarkdownTextObject(text=text)),
        ActionsBlock(
            block_id="followup.buttons",
            elements=[
                ButtonElement(text="Create task", action_id=CREATE, value=task_id, style="primary"),
                ButtonElement(text="Not now", action_id=NOT_NOW, value=task_id),
                ButtonElement(text="Task settings: stop asking", action_id=SETTINGS_OFF, value="off"),
            ],
        ),
    ]
    payload = {"text": "Task completed. Create a follow-up task?", "blocks": [b.to_dict() for b in blocks]}
    limits.check_message(payload)
    return payload


def prompt_off() -> dict[str, Any]:
    """What the prompt becomes once turned off: a way back."""
    blocks = [
        SectionBlock(
            block_id="followup.text",
            text=MarkdownTextObject(
                text="Follow-up task prompts are off. You can turn them on again here or in Home › Settings."
            ),
        ),
        ActionsBlock(
            block_id="followup.buttons",
            elements=[ButtonElement(text="Turn prompts back on", action_id=SETTINGS_ON, value="on")],
        ),
    ]
    return {"text": "Follow-up task prompts are off.", "blocks": [b.to_dict() for b in blocks]}


def create_task_view(
    *,
    source_task_id: str,
    title: str,
    due: date,
    priority: str,
    links: list[LinkChoice],
    channel: str | None,
) -> dict[str, Any]:
    """The modal, prefilled from the completed task: its title, due tomorrow, its priority, its records."""
    initial_title = truncate(f"Follow up: {title or 'task'}", TITLE_LIMIT)
    options = {p: Option(value=p, label=p.capitalize()) for p in PRIORITIES}
    blocks: list[Any] = [
        InputBlock(
            block_id=TITLE[0],
            label="Title",
            element=PlainTextInputElement(
                action_id=TITLE[1], initial_value=initial_title, max_length=TITLE_LIMIT
            ),
        ),
        InputBlock(
            block_id=DUE[0],
            label="Due date",
            element=DatePickerElement(action_id=DUE[1], initial_date=due.isoformat()),
        ),
        InputBlock(
            block_id=PRIORITY[0],
            label="Priority",
            element=StaticSelectElement(
                action_id=PRIORITY[1],
                options=list(options.values()),
                initial_option=options.get(priority) or options["medium"],
            ),
        ),
    ]
    shown = links[:MAX_LINK_OPTIONS]
    if shown:
        link_options = [
            Option(value=choice.value, label=truncate(choice.label, limits.OPTION_TEXT)) for choice in shown
        ]
        blocks.append(
            InputBlock(
                block_id=LINKS[0],
                label="Associated records",
                optional=True,
                element=CheckboxesElement(
                    action_id=LINKS[1], options=link_options, initial_options=link_options
                ),
            )
        )
    if len(links) > len(shown):
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(text=f"{len(links) - len(shown)} more records are not offered here.")
                ]
            )
        )
    metadata = json.dumps({"task": source_task_id, "channel": channel}, separators=(",", ":"))
    return modal(
        callback_id=CREATE_VIEW,
        title="Follow-up task",
        submit="Create task",
        close="Cancel",
        blocks=blocks,
        private_metadata=metadata,
    )
