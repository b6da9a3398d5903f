"""R02 Newly assigned leads — prospecting, subject lead, key lead.

Creates, for a lead, when:
- the lead's owner is the user;
- the lead is in the first stage of its pipeline;
- (clarification) it was assigned to the user less than 30 days ago.

Expires when: the lead is reassigned to another user (``reassigned``); the action is 30 days old
(``aged_out``); the user logs any activity (email, call, meeting, note or task) on the lead after the action
was created (``activity_logged``: an activity owned by the user, associated with the lead, happening after
``created_at``). The list is complete: moving on from the first stage does not expire it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from crm.models import Activity, ActivityLead, Lead
from rules.base import PROSPECTING, ActionRef, Expirations, Rule, RuleContext
from rules.sql import company_of, in_first_stage, key_of, owned_by, rows_of


class NewlyAssignedLeads(Rule):
    code = "R02"
    title = "Newly assigned leads"
    category = PROSPECTING
    subject_type = "lead"
    key_description = "lead"

    def candidates(self, ctx: RuleContext) -> Select[Any]:
        lead = aliased(Lead)
        return select(
            *self.candidate(
                user_id=lead.owner_id,
                key=key_of(lead.id),
                subject_id=lead.id,
                contact_id=lead.contact_id,
                company_id=company_of(lead.contact_id),
            )
        ).where(
            lead.owner_id.is_not(None),
            in_first_stage(lead),
            lead.owner_assigned_at > ctx.ago(days=30),
        )

    def expirations(self, ctx: RuleContext, action: ActionRef) -> Expirations:
        link = aliased(ActivityLead)
        activity = aliased(Activity)
        logged = (
            rows_of(link)
            .join(activity, activity.id == link.activity_id)
            .correlate_except(link, activity)
            .where(
                link.lead_id == action.subject_id,
                activity.owner_id == action.user_id,
                activity.occurred_at > action.created_at,
            )
        )
        return [
            ("reassigned", ~owned_by(Lead, action.subject_id, action.user_id)),
            ("activity_logged", logged.exists()),
            ("aged_out", action.created_at <= ctx.ago(days=30)),
        ]


RULE = NewlyAssignedLeads()
