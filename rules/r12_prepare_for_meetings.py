"""R12 Prepare for upcoming meetings — by subject, subject meeting, key meeting.

Creates, for a meeting, when (clarification: the creation cell of this row is missing from the source):
- the meeting's owner is the user;
- it starts within the next 24 hours (``now < start <= now + 24h``);
- its outcome is not ``canceled``.

Expires when: ten minutes have passed since the meeting's start time (``started``: ``now >= start + 10
min``); (clarification) the meeting is canceled (``criteria_no_longer_met``).
Category: ``closing`` when the meeting is associated with an open deal.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import aliased

from crm.models import Activity
from rules.base import BY_SUBJECT, ActionRef, Expirations, Rule, RuleContext
from rules.sql import (
    rows_of,
)


class PrepareForMeetings(Rule):
    code = "R12"
    title = "Prepare for upcoming meetings"
    category = BY_SUBJECT
    subject_type = "meeting"
    key_description = "meeting"

    def candidates(self, ctx: RuleContext) -> Select[Any]:
        meeting = aliased(Activity)
        return self.owned_activity_candidates(meeting).where(
            # A meeting happens at its start, which is occurred_at: the indexed column.
            meeting.occurred_at > ctx.now,
            meeting.occurred_at <= ctx.ahead(hours=24),
            meeting.outcome.is_distinct_from("canceled"),
        )

    def expirations(self, ctx: RuleContext, action: ActionRef) -> Expirations:
        meeting = aliased(Activity)
        this = rows_of(meeting).where(meeting.id == action.subject_id)
        return [
            ("started", this.where(meeting.start_at <= ctx.ago(minutes=10)).exists()),
            ("criteria_no_longer_met", this.where(meeting.outcome == "canceled").exists()),
        ]


RULE = PrepareForMeetings()
