"""R13 Today's high-priority tasks (bundled) — by subject, subject the user, key user + local date.

Creates, once per user and local day (the user's time zone), when any of the user's open tasks (status not
``completed``) with priority ``high`` is due today (local day).

Expires when the user has no open high-priority task due today any more, or when the action's local date is
over (``criteria_no_longer_met``); the new day's action is a new key.
Category: ``closing`` when any of those tasks is associated with an open deal. No association snapshot.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, Subquery, select
from sqlalchemy.orm import aliased

from crm.models import Activity
from rules.base import BY_SUBJECT, ActionRef, Expirations, Rule, RuleContext
from rules.sql import activity_on_open_deal, closing_if, key_of, rows_of


def todays_high_priority_tasks(user: Subquery) -> tuple[Any, Select[Any]]:
    """The open high-priority tasks of ``user`` (a row of ``ctx.users()``) due on their local today."""
    task = aliased(Activity)
    return task, rows_of(task).where(
        task.owner_id == user.c.user_id,
        task.type == "task",
        task.priority == "high",
        task.status.is_distinct_from("completed"),
        task.due_at >= user.c.day_start,
        task.due_at < user.c.day_end,
    )


class HighPriorityTasks(Rule):
    code = "R13"
    title = "Today's high-priority tasks"
    category = BY_SUBJECT
    subject_type = "user"
    key_description = "user + local date"
    bundled = True

    def candidates(self, ctx: RuleContext) -> Select[Any]:
        user = ctx.users()
        task, tasks = todays_high_priority_tasks(user)
        return select(
            *self.candidate(
                user_id=user.c.user_id,
                key=key_of(user.c.user_id, user.c.local_date),
                subject_id=user.c.user_id,
                contact_id=None,
                company_id=None,
                category=closing_if(tasks.where(activity_on_open_deal(task.id)).exists()),
            )
        ).where(tasks.exists())

    def expirations(self, ctx: RuleContext, action: ActionRef) -> Expirations:
        return [("criteria_no_longer_met", self.no_longer_candidate(ctx, action, same_key=True))]


RULE = HighPriorityTasks()
