"""The Schedule tab (Day / Week / Month by local day; contacts with meetings today; Update outcome on past
meetings) and the Feed tab (engagement events grouped by contact; event type and sequence filters). Contact
and company names are links to their records when the data carries a URL."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks.home.common import choices, menu, note, pager
from bot.blocks.home.records import OUTCOME
from bot.digest.render import JOIN, part_mrkdwn
from bot.home.schedule import FEED_PAGE, SCHEDULE_PAGE, FeedData, ScheduleData
from bot.home.state import EVENT_TYPES, HomeState
from bot.slack import limits
from bot.slack.keys import key
from bot.slack.mrkdwn import escape, link, safe_url, truncate
from crm.localtime import format_day

RANGES = (("day", "Day"), ("week", "Week"), ("month", "Month"))


def schedule_blocks(data: ScheduleData, state: HomeState, tz: str) -> list[Block]:
    blocks: list[Block] = [
        choices(
            "schedule.range", "range", (("day", "Day"), ("week", "Week"), ("month", "Month")), state.range
        )
    ]
    if data.contacts_today:
        names = truncate(", ".join(part_mrkdwn(p) for p in data.contacts_today), 2500)
        blocks.append(note("schedule.contacts", f"*Contacts with meetings today:* {names}"))
    day = None
    for item in data.items:
        if item.day != day:
            day = item.day
            blocks.append(HeaderBlock(block_id=f"schedule.day:{day.isoformat()}", text=format_day(day)))
        icon = "📅" if item.kind == "meeting" else "☐"
        text = f"{icon} {item.when}  *{escape(item.title)}*"
        if item.contacts:
            text += " · " + ", ".join(part_mrkdwn(p) for p in item.contacts)
        accessory = None
        if item.needs_outcome:
            accessory = ButtonElement(text="Update outcome", action_id=OUTCOME, value=item.id)
        elif item.link and safe_url(item.link) and len(item.link) <= limits.BUTTON_URL:
            accessory = ButtonElement(text="Join", action_id=JOIN, url=item.link, value=f"meeting:{item.id}")
        blocks.append(
            SectionBlock(
                block_id=f"schedule:{item.kind}:{key(item.id)}",
                text=MarkdownTextObject(text=text),
                accessory=accessory,
            )
        )
    if not data.total:
        blocks.append(note("schedule.none", "Nothing scheduled."))
    blocks += pager("schedule", state.page, SCHEDULE_PAGE, data.total)
    return blocks


EVENT_LABELS = {
    "email_open": "Email opened",
    "email_click": "Email link clicked",
    "email_reply": "Email replied",
    "page_view": "Page viewed",
    "form_submission": "Form submitted",
    "meeting_booked": "Meeting booked",
}


def feed_blocks(data: FeedData, state: HomeState, tz: str) -> list[Block]:
    events = [("event=", "All events"), *((f"event={t}", EVENT_LABELS[t]) for t in EVENT_TYPES)]
    seqs = [("seq=", "Any enrollment"), ("seq=*", "In a sequence"), ("seq=-", "In no sequence")]
    seqs += [(f"seq={sid}", f"In {name}") for sid, name in data.sequences]
    blocks: list[Block] = [
        ActionsBlock(
            block_id="feed.filters",
            elements=[
                menu("event", "Event type", events, f"event={state.event}"),
                menu("seq", "Sequence", seqs, f"seq={state.seq}"),
            ],
        )
    ]
    for group in data.groups:
        label = f"*{link(data.urls.get(('contact', group.contact_id)), truncate(group.name, 150))}*"
        if group.company:
            company_url = data.urls.get(("company", group.company_id or ""))
            label += f" · {link(company_url, truncate(group.company, 150))}"
        if group.target:
            label += "  🎯 _Target account_"
        lines = [
            f"• {format_day(e.at.date())} {EVENT_LABELS.get(e.type, escape(e.type))}"
            + (f": {escape(truncate(e.detail, 150))}" if e.detail else "")
            for e in group.events
        ]
        text = truncate(label + "\n" + "\n".join(lines), limits.TEXT)
        blocks.append(
            SectionBlock(block_id=f"feed:{key(group.contact_id)}", text=MarkdownTextObject(text=text))
        )
    if not data.total:
        blocks.append(note("feed.none", "No engagement in the last 365 days."))
    blocks += pager("feed", state.page, FEED_PAGE, data.total)
    return blocks
