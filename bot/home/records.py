"""The Deals and Leads tabs' content (through ``crm.queries.records``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.home.context import HomeContext
from crm.models import Role
from crm.queries.records import (
    TEAM,
    DealRow,
    LeadRow,
    PipelineChoice,
    deal_page,
    deals_query,
    leads_page,
    owners,
    pipelines,
)

DEALS_PAGE = 20  # two blocks each
LEADS_PAGE = 20  # two blocks each, and a stage heading where the stage changes


@dataclass
class DealsData:
    rows: list[DealRow]
    total: int
    pipelines: list[PipelineChoice]
    owners: list[tuple[str, str]]  # for managers and super admins
    team_default: str | None = (
        None  # a manager in their own Home: their id ("Mine"); the default is "My team"
    )


@dataclass
class LeadsData:
    rows: list[LeadRow]
    total: int


def load_deals(session: Session, ctx: HomeContext) -> DealsData:
    s = ctx.state
    on_team = not ctx.masked and ctx.viewer.role == Role.MANAGER
    stmt = deals_query(
        ctx.subject,
        ctx.viewer,
        ctx.now,
        category=s.category,
        pipeline=s.pipeline,
        stage=s.stage,
        owner=s.owner or (TEAM if on_team else ""),
    )
    rows, total = deal_page(session, stmt, s.page, DEALS_PAGE)
    return DealsData(
        rows,
        total,
        pipelines(session, "deal"),
        owners(session, ctx.viewer),
        ctx.viewer.id if on_team else None,
    )


def load_leads(session: Session, ctx: HomeContext) -> LeadsData:
    rows, total = leads_page(session, ctx.subject, ctx.viewer, ctx.state.page, LEADS_PAGE)
    return LeadsData(rows, total)
