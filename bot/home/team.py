"""The Summary's Team section for managers and super admins: one row per rep of their team tree, a page at a
time, each counted through the manager's permission filter (``crm.queries.team``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.home.context import HomeContext
from crm.queries.team import RepRow, manages_team, team_reps, team_rows

TEAM_PAGE = 10  # one block each


@dataclass
class TeamData:
    rows: list[RepRow]
    total: int
    page: int


def load_team(session: Session, ctx: HomeContext) -> TeamData | None:
    """The Team section, or None: for a rep, and in another user's workspace (a rep's own view has none)."""
    if ctx.masked or not manages_team(ctx.viewer):
        return None
    reps = team_reps(session, ctx.viewer)
    pages = max(1, -(-len(reps) // TEAM_PAGE))
    page = min(ctx.state.tpage, pages - 1)
    shown = reps[page * TEAM_PAGE : (page + 1) * TEAM_PAGE]
    return TeamData(team_rows(session, ctx.viewer, shown, ctx.now), len(reps), page)
