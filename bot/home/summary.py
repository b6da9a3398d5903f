"""The Summary tab's content: task counts, guided actions (All / Closing / Prospecting, paged), today's
meetings and progress, described through the viewer's permission filter (``bot.home.context``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.digest.content import ActionRow, Line, _Describer, _live_actions, format_clock
from bot.home.context import HomeContext
from crm.models import Activity
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


def busy_line(meeting: Activity, tz: str) -> Line:
    """A meeting of another user as a super admin sees it: its time only."""
    when = "?"
    if meeting.start_at is not None:
        when = format_clock(meeting.start_at, tz)
        if meeting.end_at is not None:
            when += f"–{format_clock(meeting.end_at, tz)}"
    return Line(ref=f"meeting:{meeting.id}", parts=((f"{when}  Busy", False),), kind="meeting")


def load_summary(session: Session, ctx: HomeContext) -> SummaryData:
    subject, viewer, now, state = ctx.subject, ctx.viewer, ctx.now, ctx.state
    counts = workspace_summary(session, subject, now, viewer)
    actions = [a for a in _live_actions(session, subject, now) if state.guided in ("all", a.category)]
    entries = digest_entries(actions)
    page = entries[state.page * GUIDED_PAGE : (state.page + 1) * GUIDED_PAGE]
    meetings = session.scalars(
        todays_meetings(subject, now, viewer).order_by(Activity.start_at, Activity.id).limit(MEETINGS_SHOWN)
    ).all()
    describer = _Describer(session, viewer)
    shown = [a for entry in page if not entry.bundled for a in entry.actions]
    describer.prefetch(shown, [], [] if ctx.masked else meetings)
    if ctx.masked:
        # A guided action about a meeting names no meeting title or contact when the meeting is masked.
        # (The prefetched rows carry only the columns a line shows, not the type: go by the action's subject.)
        masked = {a.subject_id for a in shown if a.subject_type == "meeting"}
        describer.activities = {k: a for k, a in describer.activities.items() if k not in masked}
    guided = [describer.entry_line(e, high_priority_today=counts.high_priority_today) for e in page]
    if ctx.masked:
        guided = [_mask_meeting_action(line, shown) for line in guided]
        meeting_lines = [busy_line(m, subject.timezone) for m in meetings]
    else:
        meeting_lines = [describer.meeting_line(m) for m in meetings]
    return SummaryData(
        counts=counts,
        guided=guided,
        guided_total=len(entries),
        meetings=meeting_lines,
        progress=progress(session, subject, viewer, now),
    )


def _mask_meeting_action(line: Line, actions: list[ActionRow]) -> Line:
    by_ref = {f"action:{a.id}": a for a in actions}
    action = by_ref.get(line.ref)
    if action is None or action.subject_type != "meeting":
        return line
    return Line(ref=line.ref, parts=(line.parts[0], ("Busy", False)), kind=line.kind, rule=line.rule)
