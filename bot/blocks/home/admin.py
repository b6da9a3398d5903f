"""The Settings tab's rule switches (each user's, and the org's for super admins) and the super admin's
digest report: who got today's digest and who did not, and why."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticMultiSelectElement,
)

from bot.blocks.home.common import note, option
from bot.digest.report import ReportRow, summary
from bot.home.admin import SettingsExtras
from bot.slack import limits
from bot.slack.mrkdwn import escape, truncate

RULES_MINE = "home.rules.mine"
RULES_ORG = "home.rules.org"
PROBLEMS_SHOWN = 20


def rule_picker(
    action_id: str, rules: Sequence[tuple[str, str]], off: frozenset[str]
) -> StaticMultiSelectElement:
    options = [option(code, f"{code} {title}") for code, title in rules]
    chosen: list[Option] = [o for o in options if o.value in off]
    return StaticMultiSelectElement(
        action_id=action_id,
        placeholder=PlainTextObject(text="No rule switched off"),
        options=options,
        initial_options=chosen or None,
    )


def report_text(rows: list[ReportRow]) -> str:
    problems = [r for r in rows if r.status in ("missed", "failed", "not_linked")]
    lines = [f"*Today:* {summary(rows)}"]
    for r in problems[:PROBLEMS_SHOWN]:
        reason = f": {escape(r.reason)}" if r.reason else ""
        lines.append(f"• {escape(r.email)} {r.status.replace('_', ' ')}{reason}")
    if len(problems) > PROBLEMS_SHOWN:
        lines.append(f"_+{len(problems) - PROBLEMS_SHOWN} more: `salesbot digest report`_")
    return truncate("\n".join(lines), limits.TEXT)


def extras_blocks(extras: SettingsExtras) -> list[Block]:
    blocks: list[Block] = [
        DividerBlock(block_id="settings.rules.div"),
        SectionBlock(
            block_id="settings.rules",
            text=MarkdownTextObject(text="*Guided actions you do not want to see* (switched off for you)"),
        ),
        ActionsBlock(
            block_id="settings.rules.mine", elements=[rule_picker(RULES_MINE, extras.rules, extras.mine_off)]
        ),
    ]
    if extras.org_off is not None:
        blocks += [
            HeaderBlock(block_id="settings.admin", text="Organisation (super admins)"),
            SectionBlock(
                block_id="settings.rules.org.title",
                text=MarkdownTextObject(text="*Guided actions switched off for everyone*"),
            ),
            ActionsBlock(
                block_id="settings.rules.org", elements=[rule_picker(RULES_ORG, extras.rules, extras.org_off)]
            ),
            SectionBlock(
                block_id="settings.report", text=MarkdownTextObject(text=report_text(extras.report))
            ),
            note("settings.report.note", "Per user and date: `salesbot digest report [--date D] [--json]`."),
        ]
    return blocks
