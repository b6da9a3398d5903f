"""R08 Log call outcome (bundled) — by subject, subject call, key call.

Creates, for a call, when:
- the call's owner is the user;
- at least one hour has passed since it started;
- if it was made with built-in calling (``via_builtin_calling: true``), its status is ``completed``;
  otherwise its status is ``completed`` or empty;
- its outcome is empty (null or ``""``);
- it started less than seven days ago.

Expires when any creation criterion no longer holds (``criteria_no_longer_met``).
Category: ``closing`` when the call is associated with an open deal.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, true
from sqlalchemy.orm import aliased

from crm.models import Activity
from rules.base import BY_SUBJECT, ActionRef, Expirations, Rule, RuleContext


class LogCallOutcome(Rule):
    code = "R08"
    title = "Log call outcome"
    category = BY_SUBJECT
    subject_type = "call"
    key_description = "call"
    bundled = True

    def candidates(self, ctx: RuleContext) -> Select[Any]:
        call = aliased(Activity)
        status = func.coalesce(call.status, "")
        return self.owned_activity_candidates(call).where(
            # A call happens at started_at, which is occurred_at: the indexed column.
            call.occurred_at <= ctx.ago(hours=1),
            or_(
                status == "completed",
                call.via_builtin_calling.is_not(true()) & (status == ""),
            ),
            func.coalesce(call.outcome, "") == "",
            call.occurred_at > ctx.ago(days=7),
        )

    def expirations(self, ctx: RuleContext, action: ActionRef) -> Expirations:
        return [("criteria_no_longer_met", self.no_longer_candidate(ctx, action))]


RULE = LogCallOutcome()
