"""The Summary's Team section: a row per rep with their day's numbers and a button opening their workspace
(read-only, meetings as Busy: the "view as" of ``bot.home.context``)."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks.home.common import nav_id, note, pager
from bot.home.team import TEAM_PAGE, TeamData
from bot.slack import keys
from bot.slack.mrkdwn import escape
from crm.queries.team import RepRow

OPEN_REP = "team.open"  # nav id prefix of a row's button; value subject=<user id>


def rep_text(row: RepRow) -> str:
    parts = [
        f"{row.overdue} overdue",
        f"{row.due_today} due today",
        f"{row.meetings_today} meeting{'' if row.meetings_today == 1 else 's'} today",
        f"{row.open_actions} guided action{'' if row.open_actions == 1 else 's'}",
        f"{row.deals_at_risk} deal{'' if row.deals_at_risk == 1 else 's'} past close date or stalled",
    ]
    return f"*{escape(row.name)}*\n" + " · ".join(parts)


def team_blocks(team: TeamData) -> list[Block]:
    blocks: list[Block] = [
        DividerBlock(block_id="team.div"),
        HeaderBlock(block_id="team.header", text=f"Team ({team.total})"),
    ]
    for i, row in enumerate(team.rows):
        blocks.append(
            SectionBlock(
                block_id=f"team.rep.{i}",
                text=MarkdownTextObject(text=rep_text(row)),
                accessory=ButtonElement(
                    text="Open", action_id=nav_id(f"{OPEN_REP}.{i}"), value=f"subject={keys.key(row.user_id)}"
                ),
            )
        )
    if not team.total:
        blocks.append(note("team.none", "Nobody in your team yet."))
    blocks += pager("team", team.page, TEAM_PAGE, team.total, field="tpage")
    return blocks
