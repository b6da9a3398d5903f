"""The Summary tab: task counts with "Start queue", guided actions with their filter, today's meetings and
progress (meetings and completed tasks this week, each goal as a bar)."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks.home.common import choices, note, pager
from bot.blocks.home.team import team_blocks
from bot.digest.render import line_blocks
from bot.home.state import HomeState
from bot.home.summary import GUIDED_PAGE, SummaryData
from bot.slack import limits
from bot.slack.mrkdwn import escape, truncate
from crm.queries.progress import GoalProgress

START_QUEUE = "home.queue"  # value: the bucket (today | overdue | tomorrow)
BAR = 10


def bar(done: int, target: int) -> str:
    filled = BAR if target <= 0 else min(BAR, round(BAR * done / target))
    return "█" * filled + "░" * (BAR - filled)


SHARES_SHOWN = 8


def goal_line(goal: GoalProgress) -> str:
    percent = 100 if goal.target <= 0 else round(100 * goal.done / goal.target)
    progress = f"`{bar(goal.done, goal.target)}` {goal.done}/{goal.target} ({percent}%)"
    line = f"{goal.label} this {goal.period}: {progress}"
    if goal.shares:
        # A manager's goal counts the team: who contributed what.
        parts = [f"{escape(name)} {n}" for name, n in goal.shares[:SHARES_SHOWN]]
        more = len(goal.shares) - SHARES_SHOWN
        line += "\n    _" + " · ".join(parts) + (f" · +{more} more" if more > 0 else "") + "_"
    return line


def _count(bucket: str, label: str, count: int) -> Block:
    start = (
        ButtonElement(text="Start queue", action_id=START_QUEUE, value=bucket, style="primary")
        if count
        else None
    )
    return SectionBlock(
        block_id=f"summary.count.{bucket}",
        text=MarkdownTextObject(text=f"*{count}* {label}"),
        accessory=start,
    )


def summary_blocks(data: SummaryData, state: HomeState) -> list[Block]:
    c = data.counts
    blocks: list[Block] = team_blocks(data.team)[1:] if data.team is not None else []
    blocks += [
        HeaderBlock(block_id="summary.tasks", text="Tasks"),
        _count("today", "due today", c.due_today),
        _count("overdue", "overdue", c.overdue),
        _count("tomorrow", "due tomorrow", c.due_tomorrow),
        DividerBlock(block_id="summary.div1"),
        HeaderBlock(block_id="summary.guided", text=f"Guided actions ({data.guided_total})"),
        choices(
            "summary.guided.filter",
            "guided",
            (("all", "All"), ("closing", "Closing"), ("prospecting", "Prospecting")),
            state.guided,
        ),
    ]
    for line in data.guided:
        blocks += line_blocks(line)
    if not data.guided_total:
        blocks.append(note("summary.guided.none", "No guided actions right now."))
    blocks += pager("guided", state.page, GUIDED_PAGE, data.guided_total)
    blocks += [
        DividerBlock(block_id="summary.div2"),
        HeaderBlock(block_id="summary.meetings", text="Meetings today"),
    ]
    for line in data.meetings:
        blocks += line_blocks(line)
    if c.meetings_today > len(data.meetings):
        blocks.append(
            note("summary.meetings.more", f"+{c.meetings_today - len(data.meetings)} more in Schedule")
        )
    if not c.meetings_today:
        blocks.append(note("summary.meetings.none", "No meetings today."))
    p = data.progress
    lines = [
        f"Meetings this week: *{p.meetings_this_week}*",
        f"Tasks completed this week: *{p.tasks_completed_this_week}*",
        *(goal_line(g) for g in p.goals),
    ]
    blocks += [
        DividerBlock(block_id="summary.div3"),
        HeaderBlock(block_id="summary.insights", text="Insights"),
        SectionBlock(
            block_id="summary.progress", text=MarkdownTextObject(text=truncate("\n".join(lines), limits.TEXT))
        ),
    ]
    return blocks
