"""The "Log to CRM" message shortcut's modal: a type-ahead of the deals and contacts the user may log on
(options served by the shortcut's options listener) and the message as the note's text, editable. Pure
builders."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ExternalDataSelectElement,
    InputBlock,
    Option,
    PlainTextInputElement,
)

from bot.blocks.views import modal
from bot.slack.keys import key
from bot.slack.mrkdwn import truncate
from crm.queries.pickers import Pick

SHORTCUT = "log_to_crm"  # the message shortcut's callback id (manifest.yaml)
VIEW = "log_to_crm.submit"
RECORD = ("log.record", "log.record.pick")
NOTE = ("log.note", "log.note.text")
OPTION_TEXT = 75
OPTION_VALUE = 150
KIND_LABELS = {"deal": "Deal", "contact": "Contact"}


def log_modal(note: str) -> dict[str, Any]:
    return modal(
        callback_id=VIEW,
        title="Log to CRM",
        submit="Save note",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id=RECORD[0],
                label="Deal or contact",
                element=ExternalDataSelectElement(
                    action_id=RECORD[1], placeholder="Type a name", min_query_length=0
                ),
            ),
            InputBlock(
                block_id=NOTE[0],
                label="Note",
                element=PlainTextInputElement(
                    action_id=NOTE[1], multiline=True, initial_value=note or None, max_length=3000
                ),
            ),
        ],
    )


def record_options(picks: list[Pick]) -> dict[str, Any]:
    """The options answer (``ack(**record_options(...))``) for the type-ahead."""
    options = [
        Option(
            value=f"{p.kind}:{key(p.id)}",  # an option's value holds 150 characters: long ids travel as keys
            text=truncate(f"{KIND_LABELS[p.kind]}: {p.label}", OPTION_TEXT),
        ).to_dict()
        for p in picks
    ]
    return {"options": options}


def parse_record(value: str | None) -> tuple[str, str] | None:
    """(kind, id or its key) of a picked option, or None for anything else (``bot.slack.keys.restore``
    gives the id back)."""
    kind, _, record_id = (value or "").partition(":")
    return (
        (kind, record_id) if kind in KIND_LABELS and record_id and len(value or "") <= OPTION_VALUE else None
    )
