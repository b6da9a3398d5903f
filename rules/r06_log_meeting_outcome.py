"""R06 Log meeting outcome (bundled) — by subject, subject meeting, key meeting.

Creates, for a meeting, when:
- the meeting's owner is the user;
- at least one hour has passed since it ended;
- it ended less than seven days ago;
- its outcome is not set (null or ``""``), or is ``scheduled``.

Expires when any creation criterion no longer holds (``criteria_no_longer_met``).
Category: ``closing`` when the meeting is associated with an open deal.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func
from sqlalchemy.orm import aliased

from crm.models import Activity
from rules.base import BY_SUBJECT, ActionRef, Expirations, Rule, RuleContext


class LogMeetingOutcome(Rule):
    code = "R06"
    title = "Log meeting outcome"
    category = BY_SUBJECT
    subject_type = "meeting"
    key_description = "meeting"
    bundled = True

    def candidates(self, ctx: RuleContext) -> Select[Any]:
        meeting = aliased(Activity)
        return self.owned_activity_candidates(meeting).where(
            meeting.ended_at <= ctx.ago(hours=1),
            meeting.ended_at > ctx.ago(days=7),
            func.coalesce(meeting.outcome, "").in_(("", "scheduled")),
        )

    def expirations(self, ctx: RuleContext, action: ActionRef) -> Expirations:
        return [("criteria_no_longer_met", self.no_longer_candidate(ctx, action))]


RULE = LogMeetingOutcome()
