"""R04 Sequence activity (bundled) — prospecting, subject task, key task.

Creates, for a task, when:
- the task belongs to a sequence enrollment and its owner is the user;
- the task is open (status not ``completed``);
- (clarification) it is due on or before the end of the user's local today.

Expires when any creation criterion no longer holds (``criteria_no_longer_met``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from crm.models import Activity
from rules.base import PROSPECTING, ActionRef, Expirations, Rule, RuleContext
from rules.sql import company_of, first_contact_of_activity, key_of


class SequenceActivity(Rule):
    code = "R04"
    title = "Sequence activity"
    category = PROSPECTING
    subject_type = "task"
    key_description = "task"
    bundled = True

    def candidates(self, ctx: RuleContext) -> Select[Any]:
        task = aliased(Activity)
        user = ctx.users()
        contact_id = first_contact_of_activity(task.id)
        return (
            select(
                *self.candidate(
                    user_id=task.owner_id,
                    key=key_of(task.id),
                    subject_id=task.id,
                    contact_id=contact_id,
                    company_id=company_of(contact_id),
                )
            )
            .join_from(task, user, user.c.user_id == task.owner_id)
            .where(
                task.type == "task",
                task.enrollment_id.is_not(None),
                task.status.is_distinct_from("completed"),
                task.due_at < user.c.day_end,
            )
        )

    def expirations(self, ctx: RuleContext, action: ActionRef) -> Expirations:
        return [("criteria_no_longer_met", self.no_longer_candidate(ctx, action))]


RULE = SequenceActivity()
