"""R11 Leads awaiting your response — prospecting, subject the incoming email, key incoming email.

Creates, for an incoming email, when:
- an open lead owned by the user has, as its contact, the sender;
- the user is the primary recipient (first ``to`` address);
- the sender's domain differs from the user's;
- (clarification) the email arrived less than 14 days ago and the user has not emailed the lead's contact
  since.

Expires when: the lead is reassigned (``reassigned``: the sender has no lead owned by the user any more); the
user emails the lead's contact after the incoming email (``responded``); the action is more than 14 days old
(``aged_out``).

R11 is outside the one-action-per-email precedence.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from crm.models import Activity, Contact, Lead
from rules.base import PROSPECTING, ActionRef, Expirations, Rule, RuleContext
from rules.sql import (
    email_domain,
    key_of,
    primary_recipient,
    rows_of,
    sent_at_of,
    stage_state_is,
    user_emailed,
    user_emailed_contact,
)


class LeadsAwaitingResponse(Rule):
    code = "R11"
    title = "Leads awaiting your response"
    category = PROSPECTING
    subject_type = "email"
    key_description = "incoming email"

    def candidates(self, ctx: RuleContext) -> Select[Any]:
        email = aliased(Activity)
        c = aliased(Contact)
        lead = aliased(Lead)
        user = ctx.users()
        return (
            select(
                *self.candidate(
                    user_id=lead.owner_id,
                    key=key_of(email.id),
                    subject_id=email.id,
                    contact_id=c.id,
                    company_id=c.company_id,
                )
            )
            .join_from(email, c, c.email_lower == email.from_lower)
            .join(lead, lead.contact_id == c.id)
            .join(user, user.c.user_id == lead.owner_id)
            .where(
                email.type == "email",
                email.direction == "incoming",
                email.occurred_at > ctx.ago(days=14),  # an email happens at sent_at
                stage_state_is(lead, "open"),
                primary_recipient(email.id) == user.c.email_lower,
                email_domain(email.from_lower) != user.c.domain,
                ~user_emailed(lead.owner_id, c.email_lower, after=email.sent_at),
            )
        )

    def expirations(self, ctx: RuleContext, action: ActionRef) -> Expirations:
        lead = aliased(Lead)
        return [
            (
                "reassigned",
                ~rows_of(lead)
                .where(lead.contact_id == action.contact_id, lead.owner_id == action.user_id)
                .exists(),
            ),
            (
                "responded",
                user_emailed_contact(action.user_id, action.contact_id, after=sent_at_of(action.subject_id)),
            ),
            ("aged_out", action.created_at < ctx.ago(days=14)),
        ]


RULE = LeadsAwaitingResponse()
