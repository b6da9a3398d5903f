"""The Summary tab's content: task counts, guided actions (All / Closing / Prospecting, paged), today's
meetings and progress, described through the viewer's permission filter (``bot.home.context``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.home.context import HomeContext
from bot.home.team import TeamData, load_team
from bot.lines import Describer, Line, busy_line
from crm.models import Activity
from crm.queries.digest import live_actions
from crm.queries.progress import Progress, progress
from crm.queries.workspace import WorkspaceSummary, todays_meetings, workspace_summary
from rules.registry import digest_entries

GUIDED_PAGE = 15  # two blocks each
MEETINGS_SHOWN = 10


@dataclass
class SummaryData:
    counts: WorkspaceSummary
    guided: list[Line]
    guided_total: int
    meetings: list[Line]
    progress: Progress
    team: TeamData | None = None  # managers and super admins, in their own workspace


def load_summary(session: Session, ctx: HomeContext) -> SummaryData:
    subject, viewer, now, state = ctx.subject, ctx.viewer, ctx.now, ctx.state
    counts = workspace_summary(session, subject, now, viewer)
    actions = [a for a in live_actions(session, subject, now) if state.guided in ("all", a.category)]
    entries = digest_entries(actions)
    page = entries[state.page * GUIDED_PAGE : (state.page + 1) * GUIDED_PAGE]
    meetings = session.scalars(
        todays_meetings(subject, now, viewer).order_by(Activity.start_at, Activity.id).limit(MEETINGS_SHOWN)
    ).all()
    describer = Describer(session, viewer, masked=ctx.masked)
    shown = [a for entry in page if not entry.bundled for a in entry.actions]
    describer.prefetch(shown, [], meetings)
    guided = [describer.entry_line(e, high_priority_today=counts.high_priority_today) for e in page]
    if ctx.masked:
        meeting_lines = [busy_line(m, subject.timezone) for m in meetings]
    else:
        meeting_lines = [describer.meeting_line(m) for m in meetings]
    return SummaryData(
        counts=counts,
        guided=guided,
        guided_total=len(entries),
        meetings=meeting_lines,
        progress=progress(session, subject, viewer, now),
        team=load_team(session, ctx),
    )
