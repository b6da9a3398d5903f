"""How a change's state in HubSpot reads where the rep made it: a digest line's note ("saving to HubSpot…",
"saved in HubSpot" linked to the record, HubSpot's value after a conflict, "not saved in HubSpot"), and the
Home tab's lines about the rep's latest changes made there. Pure: plain ``Saved`` in, text and blocks out.
"""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject

from bot.slack.mrkdwn import escape
from crm.queries.writeback import Saved

SAVING = "saving to HubSpot…"
SAVING_NOTE = "Saving to HubSpot…"  # after a sentence of its own
SAVED = "saved in HubSpot"
NOT_SAVED = "not saved in HubSpot"
WHAT = {
    "complete_task": "Task completed",
    "snooze_task": "Task snoozed",
    "create_task": "Task created",
    "set_deal_stage": "Deal stage",
    "set_close_date": "Close date",
    "set_lead_stage": "Lead stage",
    "disqualify_lead": "Lead disqualified",
    "log_activity": "Activity logged",
    "log_outcome": "Outcome logged",
}


def saved_mrkdwn(saved: Saved) -> str:
    """The state in a few words of mrkdwn, with the link to the record in HubSpot once it has it."""
    if saved.state == "pending":
        return f"_{SAVING}_"
    if saved.state == "sent":
        return f"<{saved.url}|{SAVED}>" if saved.url else SAVED
    if saved.state == "conflict":
        text = escape(saved.outcome or "HubSpot had a newer change, so Salesbot took HubSpot's.")
        return f"{text} <{saved.url}|Open in HubSpot>" if saved.url else text
    return f"_{NOT_SAVED}_ (the reason and Retry are in a private message)"


def saved_plain(saved: Saved) -> str:
    """The same for a terminal: words, and the URL after them."""
    words = {"pending": SAVING, "sent": SAVED, "failed": NOT_SAVED}.get(saved.state, saved.outcome or "")
    return f"{words} {saved.url}" if saved.url else words


def home_blocks(states: list[Saved]) -> list[Block]:
    """Home's lines about the rep's latest changes made there (none without any)."""
    if not states:
        return []
    lines = [f"*{WHAT.get(s.kind, 'Change')}*: {saved_mrkdwn(s)}" for s in states]
    return [ContextBlock(block_id="home.hubspot", elements=[MarkdownTextObject(text="\n".join(lines))])]
