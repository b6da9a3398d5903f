"""Record cards in Block Kit: the full card an unfurl (or a share) shows when every reader may view the
record, the minimal card otherwise (the record type and a Preview button, nothing from the record), and the
private preview a click on Preview answers with. Pure builders; payloads checked against Slack's limits.

The Preview button's value is ``kind:id`` (the record the link already names, so it reveals nothing); the
click is checked against the clicking user's permissions, never trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)

from bot.interactions.refs import BadRef
from bot.slack import limits
from bot.slack.mrkdwn import escape, link, truncate
from crm.record_links import RECORD_KINDS, RecordKind

PREVIEW = "unfurl.preview"
SHARE_MINIMAL = "share.minimal"  # value: kind:id
SHARE_CANCEL = "share.cancel"
UNFURL_SETTING = "home.settings.unfurl"
UNFURL_LABELS = {
    "when_all_may_view": "Details when everyone in the channel may see them",
    "preview_only": "Never details: a Preview button only",
    "off": "Off",
}
SHARED_WHY = "Not everyone here may view it: Preview shows you, privately, what you may see."
VALUE_LIMIT = 300
TITLES = {"deal": "Deal", "contact": "Contact", "company": "Company"}
NOT_ALLOWED = "You may not view that record, or it no longer exists."


@dataclass(frozen=True)
class RecordCard:
    kind: RecordKind
    id: str
    name: str
    url: str | None
    owner: str | None
    stage: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    close_date: date | None = None
    next_step: str | None = None
    risk: str | None = None
    detail: tuple[tuple[str, str], ...] = ()  # contacts and companies: (label, value) lines
    company: str | None = None  # a contact's company (when every reader may view it), linked to its record
    company_url: str | None = None


def preview_value(kind: RecordKind, record_id: str) -> str:
    return f"{kind}:{record_id}"


def parse_preview(value: object) -> tuple[RecordKind, str]:
    if not isinstance(value, str) or len(value) > VALUE_LIMIT:
        raise BadRef("not a record preview")
    kind, _, record_id = value.partition(":")
    for known in RECORD_KINDS:
        if kind == known and record_id:
            return known, record_id
    raise BadRef("not a record preview")


def _amount(card: RecordCard) -> str:
    if card.amount is None:
        return "no amount"
    return f"{card.amount:,.0f} {card.currency or ''}".strip()


def card_lines(card: RecordCard) -> list[str]:
    lines = [f"*{link(card.url, card.name)}*"]
    if card.kind == "deal":
        lines.append(
            f"{escape(card.stage or '')} · {escape(_amount(card))} · closes "
            f"{card.close_date.isoformat() if card.close_date else 'no date'}"
        )
    if card.company:
        lines.append(f"Company: {link(card.company_url, card.company)}")
    lines.extend(f"{escape(label)}: {escape(value)}" for label, value in card.detail)
    lines.append(f"Owner: {escape(card.owner or 'nobody')}")
    if card.kind == "deal":
        lines.append(f"Next step: {escape(card.next_step or 'none')}")
        if card.risk:
            lines.append(f":warning: {escape(card.risk)}")
    return lines


def card_blocks(card: RecordCard) -> list[Block]:
    text = truncate("\n".join(card_lines(card)), limits.TEXT)
    return [
        SectionBlock(block_id="card", text=MarkdownTextObject(text=text)),
        ContextBlock(elements=[MarkdownTextObject(text=f"{TITLES[card.kind]} · Salesbot")]),
    ]


def full_card(card: RecordCard) -> dict[str, Any]:
    """One entry of ``chat.unfurl``'s ``unfurls``."""
    return _checked({"blocks": [b.to_dict() for b in card_blocks(card)]})


def minimal_blocks(kind: RecordKind, record_id: str, why: str) -> list[Block]:
    return [
        SectionBlock(
            block_id="card.minimal",
            text=MarkdownTextObject(text=f"*A CRM {TITLES[kind].lower()}*\n{escape(why)}"),
            accessory=ButtonElement(text="Preview", action_id=PREVIEW, value=preview_value(kind, record_id)),
        )
    ]


def minimal_card(kind: RecordKind, record_id: str, why: str) -> dict[str, Any]:
    return _checked({"blocks": [b.to_dict() for b in minimal_blocks(kind, record_id, why)]})


def preview_message(card: RecordCard) -> dict[str, Any]:
    """The clicking user's own view of the record, shown to them alone."""
    payload = {
        "text": truncate(escape(f"{TITLES[card.kind]}: {card.name}"), limits.FALLBACK_TEXT),
        "blocks": [
            *[b.to_dict() for b in card_blocks(card)],
            ContextBlock(elements=[MarkdownTextObject(text="Only you can see this.")]).to_dict(),
        ],
    }
    limits.check_message(payload)
    return payload


def share_choice(refused: int, *, external: bool, kind: RecordKind, record_id: str) -> dict[str, Any]:
    """Asked of a sharer when not everyone in the channel may see what they share."""
    noun = TITLES[kind].lower()
    who = (
        f"{refused} {'person' if refused == 1 else 'people'} in this channel may not view all of this {noun}"
    )
    if external:
        who = "This channel is shared with another organisation"
    elif refused == 0:
        who = "Salesbot cannot tell who is in this conversation"
    value = preview_value(kind, record_id)
    text = f"{who}. Share a card with no details instead (each person can preview what they may see)?"
    payload = {
        "text": text,
        "blocks": [
            SectionBlock(block_id="share.ask", text=MarkdownTextObject(text=escape(text))).to_dict(),
            ActionsBlock(
                block_id="share.choice",
                elements=[
                    ButtonElement(
                        text="Share a minimal card", action_id=SHARE_MINIMAL, value=value, style="primary"
                    ),
                    ButtonElement(text="Cancel", action_id=SHARE_CANCEL, value=value),
                ],
            ).to_dict(),
        ],
    }
    limits.check_message(payload)
    return payload


def _checked(unfurl: dict[str, Any]) -> dict[str, Any]:
    limits.check_message({"text": "card", **unfurl})
    return unfurl


def minimal_message(kind: RecordKind, record_id: str) -> dict[str, Any]:
    """A minimal card posted to a channel (a share where not everyone may view the record)."""
    payload = {
        "text": f"A CRM {TITLES[kind].lower()} was shared",
        "blocks": [b.to_dict() for b in minimal_blocks(kind, record_id, SHARED_WHY)],
    }
    limits.check_message(payload)
    return payload


def unfurl_setting_blocks(mode: str) -> list[Block]:
    """The org's unfurl setting on a super admin's Settings tab."""
    options = [Option(value=value, label=label) for value, label in UNFURL_LABELS.items()]
    current = next((o for o in options if o.value == mode), options[0])
    text = "*Links to CRM records in channels* (for the whole organisation)"
    return [
        SectionBlock(
            block_id="settings.unfurl",
            text=MarkdownTextObject(text=text),
            accessory=StaticSelectElement(action_id=UNFURL_SETTING, options=options, initial_option=current),
        )
    ]
