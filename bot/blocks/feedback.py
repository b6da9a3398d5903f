"""The "Not really" modal: an optional comment on a guided action that did not help."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import InputBlock, MarkdownTextObject, PlainTextInputElement, SectionBlock

from bot.blocks.views import modal

COMMENT_VIEW = "digest.feedback_comment"
COMMENT = ("comment", "value")
COMMENT_LIMIT = 1000


def comment_view(ref: str, channel: str | None, ts: str | None) -> dict[str, Any]:
    blocks = [
        SectionBlock(
            block_id="intro",
            text=MarkdownTextObject(
                text="Thanks, noted as *not really* helpful. What would have been better?"
            ),
        ),
        InputBlock(
            block_id=COMMENT[0],
            label="Comment (optional)",
            optional=True,
            element=PlainTextInputElement(action_id=COMMENT[1], multiline=True, max_length=COMMENT_LIMIT),
        ),
    ]
    metadata = json.dumps({"ref": ref, "channel": channel, "ts": ts}, separators=(",", ":"))
    return modal(
        callback_id=COMMENT_VIEW, title="Feedback", submit="Send", blocks=blocks, private_metadata=metadata
    )
