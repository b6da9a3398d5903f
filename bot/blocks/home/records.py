"""The Deals tab (category, pipeline, stage and owner filters; each deal with Insights, Update stage, Edit
close date, Log activity; Create deal) and the Leads tab: open leads by stage."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks.home.common import menu, note, pager
from bot.blocks.insights import SHOW as INSIGHTS
from bot.home.records import DEALS_PAGE, LEADS_PAGE, DealsData, LeadsData
from bot.home.state import DEAL_CATEGORIES, HomeState
from bot.slack.keys import key
from bot.slack.mrkdwn import escape, link, truncate
from crm.queries.records import EVERYONE, TEAM, DealRow

DEAL_STAGE = "home.deal.stage"
CLOSE_DATE = "home.deal.close"
LOG = "home.log"  # value: deal:ID or lead:ID
CREATE_DEAL = "home.deal.create"
LEAD_STAGE = "home.lead.stage"
DISQUALIFY = "home.lead.disqualify"
OUTCOME = "home.meeting.outcome"  # on a past meeting of the Schedule tab


def money(row: DealRow) -> str:
    if row.amount is None:
        return "no amount"
    return f"{row.amount:,.0f} {row.currency or ''}".strip()


def _filters(data: DealsData, state: HomeState) -> list[Block]:
    elements: list[Any] = [
        menu(
            "category",
            "Category",
            [(f"category={k}", v) for k, v in DEAL_CATEGORIES.items()],
            f"category={state.category}",
        ),
        menu(
            "pipeline",
            "Pipeline",
            [("pipeline=", "All pipelines"), *((f"pipeline={p.id}", p.name) for p in data.pipelines)],
            f"pipeline={state.pipeline}",
        ),
    ]
    chosen = next((p for p in data.pipelines if p.id == state.pipeline), None)
    if chosen is not None:
        stages = [
            ("stage=", "All stages"),
            *((f"stage={s.id}", s.label) for s in chosen.stages if s.state == "open"),
        ]
        elements.append(menu("stage", "Stage", stages, f"stage={state.stage}"))
    if data.owners:
        if data.team_default is not None:  # a manager: "My team" first, their own deals by their id
            people = [("owner=", "My team"), (f"owner={data.team_default}", "Mine")]
        else:
            people = [("owner=", "Mine"), (f"owner={TEAM}", "My team")]
        people.append((f"owner={EVERYONE}", "Everyone I can see"))
        people += [
            (f"owner={user_id}", name) for user_id, name in data.owners if user_id != data.team_default
        ]
        elements.append(menu("owner", "Owner", people, f"owner={state.owner}"))
    elements.append(ButtonElement(text="Create deal", action_id=CREATE_DEAL, value="deal", style="primary"))
    return [ActionsBlock(block_id="deals.filters", elements=elements)]


def deals_blocks(data: DealsData, state: HomeState) -> list[Block]:
    title = f"{DEAL_CATEGORIES[state.category]} ({data.total})"
    blocks: list[Block] = [
        HeaderBlock(block_id="deals.header", text=truncate(title, 150)),
        *_filters(data, state),
    ]
    for row in data.rows:
        close = row.close_date.isoformat() if row.close_date else "no close date"
        detail = f"{escape(row.stage_label)} · {escape(money(row))} · closes {close}"
        text = f"*{link(row.url, truncate(row.name, 200))}*\n{detail}"
        blocks.append(SectionBlock(block_id=f"deal:{key(row.id)}", text=MarkdownTextObject(text=text)))
        blocks.append(
            ActionsBlock(
                block_id=f"deal.a:{key(row.id)}",
                elements=[
                    ButtonElement(text="Insights", action_id=INSIGHTS, value=row.id),
                    ButtonElement(text="Update stage", action_id=DEAL_STAGE, value=row.id),
                    ButtonElement(text="Edit close date", action_id=CLOSE_DATE, value=row.id),
                    ButtonElement(text="Log activity", action_id=LOG, value=f"deal:{row.id}"),
                ],
            )
        )
    if not data.total:
        blocks.append(note("deals.none", "No deals here."))
    blocks += pager("deals", state.page, DEALS_PAGE, data.total)
    return blocks


def leads_blocks(data: LeadsData, state: HomeState) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(block_id="leads.header", text=f"Open leads ({data.total})")]
    stage = None
    for row in data.rows:
        if (row.pipeline_id, row.stage_id) != stage:
            stage = (row.pipeline_id, row.stage_id)
            blocks.append(
                note(
                    f"leads.stage:{key(row.pipeline_id)}/{key(row.stage_id)}", f"*{escape(row.stage_label)}*"
                )
            )
        created = f" · since {row.created_at.date().isoformat()}" if row.created_at else ""
        name = link(row.contact_url, truncate(row.contact_name, 200))
        blocks.append(
            SectionBlock(
                block_id=f"lead:{key(row.id)}",
                text=MarkdownTextObject(text=f"*{name}*{created}"),
            )
        )
        blocks.append(
            ActionsBlock(
                block_id=f"lead.a:{key(row.id)}",
                elements=[
                    ButtonElement(text="Move stage", action_id=LEAD_STAGE, value=row.id),
                    ButtonElement(text="Disqualify", action_id=DISQUALIFY, value=row.id, style="danger"),
                    ButtonElement(text="Log activity", action_id=LOG, value=f"lead:{row.id}"),
                ],
            )
        )
    if not data.total:
        blocks.append(note("leads.none", "No open leads."))
    blocks += pager("leads", state.page, LEADS_PAGE, data.total)
    return blocks
