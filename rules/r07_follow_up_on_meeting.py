"""R07 Follow up on your meeting — by subject, subject meeting, key meeting.

Creates, for a meeting, when:
- the meeting's owner is the user;
- its start time has passed (``start <= now``);
- it ended less than seven days ago (a meeting in progress qualifies: its end is in the future);
- (clarification) its outcome is not ``canceled``.

Expires when: follow-up tasks are done (``follow_up_done``): at least one task associated with one of the
meeting's contacts was created after the meeting started, and all such tasks are completed; any creation
criterion no longer holds (``criteria_no_longer_met``).
Category: ``closing`` when the meeting is associated with an open deal.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_
from sqlalchemy.orm import aliased

from crm.models import Activity, ActivityContact
from rules.base import BY_SUBJECT, ActionRef, Expirations, Rule, RuleContext
from rules.sql import (
    Value,
    rows_of,
)


def follow_up_done(meeting_id: Value) -> ColumnElement[bool]:
    meeting = aliased(Activity)
    meeting_contact = aliased(ActivityContact)
    task_contact = aliased(ActivityContact)
    task = aliased(Activity)
    follow_ups = (
        rows_of(meeting)
        .join(meeting_contact, meeting_contact.activity_id == meeting.id)
        .join(task_contact, task_contact.contact_id == meeting_contact.contact_id)
        .join(task, task.id == task_contact.activity_id)
        .correlate_except(meeting, meeting_contact, task_contact, task)
        .where(meeting.id == meeting_id, task.type == "task", task.created_at > meeting.start_at)
    )
    return and_(
        follow_ups.exists(),
        ~follow_ups.where(task.status.is_distinct_from("completed")).exists(),
    )


class FollowUpOnMeeting(Rule):
    code = "R07"
    title = "Follow up on your meeting"
    category = BY_SUBJECT
    subject_type = "meeting"
    key_description = "meeting"

    def candidates(self, ctx: RuleContext) -> Select[Any]:
        meeting = aliased(Activity)
        return self.owned_activity_candidates(meeting).where(
            meeting.start_at <= ctx.now,
            meeting.ended_at > ctx.ago(days=7),
            meeting.outcome.is_distinct_from("canceled"),
        )

    def expirations(self, ctx: RuleContext, action: ActionRef) -> Expirations:
        return [
            ("follow_up_done", follow_up_done(action.subject_id)),
            ("criteria_no_longer_met", self.no_longer_candidate(ctx, action)),
        ]


RULE = FollowUpOnMeeting()
