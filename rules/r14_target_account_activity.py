"""R14 Target account activity — prospecting, subject contact, key contact + engagement event.

Creates, for a contact's engagement (an ``engagement_events`` row: the key needs an event), when:
- the contact is associated with a company that is a target account (``target_account: true``);
- the contact engaged less than seven days ago (the event is the contact's most recent one);
- (clarification) the action goes to the contact's owner, or to the company's owner when the contact has
  none; with no owner anywhere nothing is created.

Expires when: (clarification) the company stops being a target account (``criteria_no_longer_met``); more
than seven days have passed since the contact's most recent engagement (``aged_out``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select, true
from sqlalchemy.orm import aliased

from crm.models import Company, Contact, EngagementEvent
from rules.base import PROSPECTING, ActionRef, Expirations, Rule, RuleContext
from rules.sql import engaged_at_or_after, key_of, latest_event, rows_of


class TargetAccountActivity(Rule):
    code = "R14"
    title = "Target account activity"
    category = PROSPECTING
    subject_type = "contact"
    key_description = "contact + engagement event"

    def candidates(self, ctx: RuleContext) -> Select[Any]:
        event = aliased(EngagementEvent)
        c = aliased(Contact)
        company = aliased(Company)
        owner = func.coalesce(c.owner_id, company.owner_id)
        return (
            select(
                *self.candidate(
                    user_id=owner,
                    key=key_of(c.id, event.id),
                    subject_id=c.id,
                    contact_id=c.id,
                    company_id=company.id,
                )
            )
            .join_from(event, c, c.id == event.contact_id)
            .join(company, company.id == c.company_id)
            .where(
                company.target_account.is_(true()),
                event.at > ctx.ago(days=7),
                latest_event(event),
                owner.is_not(None),
            )
        )

    def expirations(self, ctx: RuleContext, action: ActionRef) -> Expirations:
        company = aliased(Company)
        target = rows_of(company).where(company.id == action.company_id, company.target_account.is_(true()))
        return [
            ("criteria_no_longer_met", ~target.exists()),
            ("aged_out", ~engaged_at_or_after(action.subject_id, ctx.ago(days=7))),
        ]


RULE = TargetAccountActivity()
