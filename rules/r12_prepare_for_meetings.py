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

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from crm.models import Activity
from rules.base import BY_SUBJECT, ActionRef, Expirations, Rule, RuleContext
from rules.sql import (
    activity_on_open_deal,
    closing_if,
    company_of,
    first_contact_of_activity,
    key_of,
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
        contact_id = first_contact_of_activity(meeting.id)
        return select(
            *self.candidate(
                user_id=meeting.owner_id,
                key=key_of(meeting.id),
                subject_id=meeting.id,
                contact_id=contact_id,
                company_id=company_of(contact_id),
                category=closing_if(activity_on_open_deal(meeting.id)),
            )
        ).where(
            meeting.type == "meeting",
            meeting.owner_id.is_not(None),
            meeting.start_at > ctx.now,
            meeting.start_at <= ctx.ahead(hours=24),
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
