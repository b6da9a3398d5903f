"""A manager's morning team digest: the team's numbers and what needs them, sent right after their own.

Content (:func:`load_team_digest`): the team's totals (overdue tasks, due today, meetings today, open guided
actions, deals at risk), the reps with the most overdue tasks, deals that slipped (close date passed, or
pushed back this week), deals with no next activity, and the top CRM risks of the team's deals. Everything
is read through the manager's permission filter (``crm.queries.team``; risks through the insights' own
permission-filtered reading), so a manager with ``owned`` deals sees none of the reps' deals. Each deal
named links to its record in the CRM (``crm.record_links``; all the URLs in one lookup).

Delivery is the morning digest's (``bot.digest.delivery``), as a second kind of row of ``digest_deliveries``
(``kind = "team"``): claimed, sent and recorded exactly once per manager and local day, after their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.digest.building import Built
from bot.digest.render import OPEN_HOME
from bot.lines import clip
from bot.render.mrkdwn import parse
from bot.slack import limits
from bot.slack.mrkdwn import escape, link, truncate
from crm.db import session_scope
from crm.localtime import format_day, local_date
from crm.models import User
from crm.permissions import PermissionDenied
from crm.queries.team import RepRow, idle_deals, slipped_deals, team_reps, team_rows
from crm.record_links import RecordLinks
from insights.context import read_deal
from insights.risks import crm_risks

SHOWN = 5  # lines per section
RISK_DEALS = 10  # deals whose CRM risks are computed


@dataclass
class TeamDigest:
    manager_id: str
    first_name: str
    local_date: date
    channel: str | None
    reps: list[RepRow]
    slipped: list[str] = field(default_factory=list)
    slipped_total: int = 0
    idle: list[str] = field(default_factory=list)
    idle_total: int = 0
    risks: list[str] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(rep, name) for rep in self.reps)

    @property
    def most_overdue(self) -> list[RepRow]:
        ranked = sorted((r for r in self.reps if r.overdue), key=lambda r: (-r.overdue, r.name))
        return ranked[:SHOWN]

    @property
    def is_empty(self) -> bool:
        numbers = ("overdue", "due_today", "meetings_today", "open_actions", "deals_at_risk")
        return not self.reps or not (
            any(self.total(n) for n in numbers) or self.slipped_total or self.idle_total or self.risks
        )


def _names(reps: list[User]) -> dict[str, str]:
    return {rep.id: rep.name for rep in reps}


def _money(amount: Any) -> str:
    return f" ({amount:,.0f})" if amount is not None else ""


def load_team_digest(
    session: Session, manager: User, now: datetime, channel: str | None = None
) -> TeamDigest:
    reps = team_reps(session, manager)
    names = _names(reps)
    owners = [rep.id for rep in reps]
    digest = TeamDigest(
        manager.id,
        manager.first_name,
        local_date(now, manager.timezone),
        channel,
        team_rows(session, manager, reps, now),
    )
    if not owners:
        return digest
    slipped, digest.slipped_total = slipped_deals(session, manager, owners, now, SHOWN)
    idle, digest.idle_total = idle_deals(session, manager, owners, now, SHOWN)
    risky = _top_risks(session, manager, owners, now)
    deal_ids = [d.id for d in slipped] + [deal_id for deal_id, _, _ in idle] + [r[0] for r in risky]
    urls = RecordLinks.load(session).urls({"deal": deal_ids}) if deal_ids else {}

    def deal(deal_id: str, name: str) -> str:
        return f"*{link(urls.get(('deal', deal_id)), clip(name))}*"

    for d in slipped:
        owner = names.get(d.owner_id or "", "nobody")
        if d.previous_close_date is not None and d.close_date is not None:
            how = f"pushed back from {d.previous_close_date.isoformat()} to {d.close_date.isoformat()}"
        else:
            how = f"close date {d.close_date.isoformat() if d.close_date else '?'} passed"
        digest.slipped.append(f"{deal(d.id, d.name)}{_money(d.amount)} · {escape(owner)}: {how}")
    for deal_id, name, owner_id in idle:
        digest.idle.append(f"{deal(deal_id, name)} · {escape(names.get(owner_id or '', 'nobody'))}")
    digest.risks = [f"{deal(deal_id, name)}: {escape(titles)}" for deal_id, name, titles in risky]
    return digest


def _top_risks(
    session: Session, manager: User, owners: list[str], now: datetime
) -> list[tuple[str, str, str]]:
    """``(deal id, name, risk titles)`` of the team's most valuable at-risk deals, most risks first."""
    candidates, _ = slipped_deals(session, manager, owners, now, RISK_DEALS)
    idle, _ = idle_deals(session, manager, owners, now, RISK_DEALS)
    ids = list(dict.fromkeys([d.id for d in candidates] + [deal_id for deal_id, _, _ in idle]))[:RISK_DEALS]
    found = []
    for deal_id in ids:
        try:
            context = read_deal(session, deal_id, manager, now, recent_limit=20).context
        except PermissionDenied:
            continue
        risks = crm_risks(context)
        if risks:
            titles = ", ".join(r.title.lower() for r in risks[:3])
            found.append((len(risks), context.deal_name, context.deal_id, titles))
    found.sort(key=lambda f: (-f[0], f[1]))
    return [(deal_id, name, titles) for _, name, deal_id, titles in found[:SHOWN]]


# --- rendering -------------------------------------------------------------------------------------------


def counts_text(d: TeamDigest) -> str:
    return " · ".join(
        (
            f"{len(d.reps)} reps",
            f"{d.total('overdue')} overdue",
            f"{d.total('due_today')} due today",
            f"{d.total('meetings_today')} meetings today",
            f"{d.total('open_actions')} guided actions",
            f"{d.total('deals_at_risk')} deals past close date or stalled",
        )
    )


def header_text(d: TeamDigest) -> str:
    return truncate(f"{d.first_name}'s team · {format_day(d.local_date)}", limits.HEADER_TEXT)


def sections(d: TeamDigest) -> list[tuple[str, str, list[str], int]]:
    """``(key, title, lines, total)`` of each non-empty section."""
    overdue = [f"{escape(r.name)}: *{r.overdue}* overdue" for r in d.most_overdue]
    out = [
        ("overdue", "Most overdue tasks", overdue, len(overdue)),
        ("slipped", "Deals that slipped", d.slipped, d.slipped_total),
        ("idle", "Deals with no next activity", d.idle, d.idle_total),
        ("risks", "Top CRM risks", d.risks, len(d.risks)),
    ]
    return [s for s in out if s[3]]


def section_text(title: str, lines: list[str], total: int) -> str:
    """A section's mrkdwn within Slack's limit: whole lines only (a line holds links, never cut inside
    one), the ones left out counted in "+N more"."""

    def text(shown: list[str]) -> str:
        more = f"\n_+{total - len(shown)} more in Home_" if total > len(shown) else ""
        return f"*{title}* ({total})\n" + "\n".join(f"• {line}" for line in shown) + more

    shown: list[str] = []
    for line in lines:
        if len(text([*shown, line])) > limits.TEXT:
            break
        shown.append(line)
    return truncate(text(shown), limits.TEXT)


def team_payload(d: TeamDigest, *, home_url: str | None = None) -> dict[str, Any]:
    blocks: list[Block] = [
        HeaderBlock(block_id="team.header", text=PlainTextObject(text=header_text(d), emoji=False)),
        ContextBlock(block_id="team.counts", elements=[MarkdownTextObject(text=counts_text(d))]),
    ]
    for key, title, lines, total in sections(d):
        text = section_text(title, lines, total)
        blocks.append(SectionBlock(block_id=f"team.{key}", text=MarkdownTextObject(text=text)))
    home = ButtonElement(text="Open Salesbot Home", action_id=OPEN_HOME, value="home", url=home_url)
    blocks.append(ActionsBlock(block_id="team.home", elements=[home]))
    payload = {
        "channel": d.channel,
        "text": escape(f"{header_text(d)}: {counts_text(d)}"),
        "blocks": [block.to_dict() for block in blocks],
    }
    limits.check_message(payload)
    return payload


def _plain(line: str) -> str:
    """A mrkdwn line for a terminal, as the payload renderer draws it: a link as its text and URL."""
    return "".join(r.text if r.url in (None, r.text) else f"{r.text} ({r.url})" for r in parse(line))


def render_team_text(d: TeamDigest) -> str:
    out = [header_text(d), counts_text(d)]
    for _key, title, lines, total in sections(d):
        out += ["", f"{title} ({total})", *(f"  - {_plain(line)}" for line in lines)]
    return "\n".join(out)


def build_team(engine: Engine, user_id: str, now: datetime, channel: str, home_url: str | None) -> Built:
    """The team digest's ``chat.postMessage`` arguments for the manager, or None on an empty day."""
    with session_scope(engine) as session:
        manager = session.get(User, user_id)
        if manager is None:
            raise LookupError(f"user {user_id} is gone")
        digest = load_team_digest(session, manager, now, channel)
        send_when_empty = manager.digest_send_when_empty
    if digest.is_empty and not (send_when_empty and digest.reps):
        return Built(None, {})
    return Built(team_payload(digest, home_url=home_url), {})
