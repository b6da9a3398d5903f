"""The Settings tab (the digest's settings and the follow-up prompt) and the modal that edits them."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    CheckboxesElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    TimePickerElement,
)

from bot.blocks.views import modal
from bot.slack.mrkdwn import escape
from crm.changes.preferences import DigestSettings

EDIT = "home.settings.edit"
SETTINGS_VIEW = "home.settings"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# (block id, action id) of each input
DIGEST_ON = ("set.digest", "value")
TIME = ("set.time", "value")
DAYS = ("set.weekdays", "value")
TZ = ("set.timezone", "value")
FLAGS = ("set.flags", "value")
FIELD_BLOCKS = {"time": TIME[0], "weekdays": DAYS[0], "timezone": TZ[0]}


def _on(flag: bool) -> str:
    return "on" if flag else "off"


def settings_blocks(settings: DigestSettings, *, editable: bool) -> list[Block]:
    days = ", ".join(WEEKDAYS[d - 1] for d in settings.weekdays if 1 <= d <= 7) or "none"
    text = "\n".join(
        (
            f"*Morning digest:* {_on(settings.enabled)}",
            f"*Time:* {escape(settings.time)} ({escape(settings.timezone)})",
            f"*Weekdays:* {days}",
            f"*Send when there is nothing due:* {'yes' if settings.send_when_empty else 'no'}",
            f"*Offer a follow-up task after completing one:* {_on(settings.follow_up_prompt)}",
            *([f"*Team digest after mine:* {_on(settings.team)}"] if settings.manager else []),
        )
    )
    accessory = ButtonElement(text="Edit settings", action_id=EDIT, value="settings") if editable else None
    return [
        SectionBlock(block_id="settings.current", text=MarkdownTextObject(text=text), accessory=accessory)
    ]


def settings_modal(settings: DigestSettings, private_metadata: str) -> dict[str, Any]:
    on = Option(value="on", label="Send me the morning digest")
    day_options = [Option(value=str(i + 1), label=name) for i, name in enumerate(WEEKDAYS)]
    empty = Option(value="send_when_empty", label="Send it even when nothing is due")
    prompt = Option(value="follow_up_prompt", label="Offer a follow-up task after I complete one")
    team = Option(value="team_digest", label="Send me my team's digest after mine")
    offered = [(empty, settings.send_when_empty), (prompt, settings.follow_up_prompt)]
    if settings.manager:
        offered.append((team, settings.team))
    flags = [o for o, flag in offered if flag]
    blocks: list[Block] = [
        InputBlock(
            block_id=DIGEST_ON[0],
            label="Digest",
            optional=True,
            element=CheckboxesElement(
                action_id=DIGEST_ON[1], options=[on], initial_options=[on] if settings.enabled else None
            ),
        ),
        InputBlock(
            block_id=TIME[0],
            label="Time",
            element=TimePickerElement(action_id=TIME[1], initial_time=settings.time),
        ),
        InputBlock(
            block_id=DAYS[0],
            label="Weekdays",
            element=CheckboxesElement(
                action_id=DAYS[1],
                options=day_options,
                initial_options=[o for o in day_options if int(o.value) in settings.weekdays] or None,
            ),
        ),
        InputBlock(
            block_id=TZ[0],
            label="Time zone",
            hint="An IANA name such as Europe/Warsaw or America/New_York.",
            element=PlainTextInputElement(action_id=TZ[1], initial_value=settings.timezone, max_length=64),
        ),
        InputBlock(
            block_id=FLAGS[0],
            label="Options",
            optional=True,
            element=CheckboxesElement(
                action_id=FLAGS[1], options=[o for o, _ in offered], initial_options=flags or None
            ),
        ),
    ]
    return modal(
        callback_id=SETTINGS_VIEW,
        title="Salesbot settings",
        submit="Save",
        close="Cancel",
        blocks=blocks,
        private_metadata=private_metadata,
    )
