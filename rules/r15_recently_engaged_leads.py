"""R15 Recently engaged leads — prospecting, subject lead, key lead + engagement event.

Creates, for a lead's engagement (an ``engagement_events`` row of the lead's contact), when:
- the lead's owner is the user;
- the lead is in an open stage;
- the lead's contact engaged in the last seven days (the event is the contact's most recent one).

Expires when more than seven days have passed since the lead's contact's most recent engagement
(``aged_out``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from crm.models import EngagementEvent, Lead
from rules.base import PROSPECTING, ActionRef, Expirations, Rule, RuleContext
from rules.sql import company_of, engaged_at_or_after, key_of, latest_event, rows_of, stage_state_is


class RecentlyEngagedLeads(Rule):
    code = "R15"
    title = "Recently engaged leads"
    category = PROSPECTING
    subject_type = "lead"
    key_description = "lead + engagement event"

    def candidates(self, ctx: RuleContext) -> Select[Any]:
        lead = aliased(Lead)
        event = aliased(EngagementEvent)
        return (
            select(
                *self.candidate(
                    user_id=lead.owner_id,
                    key=key_of(lead.id, event.id),
                    subject_id=lead.id,
                    contact_id=lead.contact_id,
                    company_id=company_of(lead.contact_id),
                )
            )
            .join_from(lead, event, event.contact_id == lead.contact_id)
            .where(
                lead.owner_id.is_not(None),
                stage_state_is(lead, "open"),
                event.at > ctx.ago(days=7),
                latest_event(event),
            )
        )

    def expirations(self, ctx: RuleContext, action: ActionRef) -> Expirations:
        lead = aliased(Lead)
        engaged = rows_of(lead).where(
            lead.id == action.subject_id, engaged_at_or_after(lead.contact_id, ctx.ago(days=7))
        )
        return [("aged_out", ~engaged.exists())]


RULE = RecentlyEngagedLeads()
