"""R09 Contacts awaiting your response — prospecting, subject the incoming email, key incoming email.

Creates, for an incoming email, when:
- the contact's owner is the user (clarification: the expiration speaks of reassignment);
- the contact has no open lead;
- the contact sent an email whose primary recipient (first ``to`` address) is the user;
- the contact's email domain differs from the user's;
- (clarification) the email arrived less than 14 days ago and the user has not emailed the contact since.

Expires when: the contact is reassigned (``reassigned``); the user sends the contact an email after the
incoming one (``responded``); (clarification) the contact gets an open lead (``criteria_no_longer_met``);
the action is more than 14 days old (``aged_out``).

One action per email: R10 goes first, then R05, then R09 (rules/engine.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from crm.models import Activity, Contact
from rules.base import PROSPECTING, ActionRef, Expirations, Rule, RuleContext
from rules.sql import (
    contacts_with_open_lead,
    email_domain,
    key_of,
    owned_by,
    primary_recipient,
    sent_at_of,
    user_emailed,
    user_emailed_contact,
)


class ContactsAwaitingResponse(Rule):
    code = "R09"
    title = "Contacts awaiting your response"
    category = PROSPECTING
    subject_type = "email"
    key_description = "incoming email"

    def candidates(self, ctx: RuleContext) -> Select[Any]:
        email = aliased(Activity)
        c = aliased(Contact)
        user = ctx.users()
        return (
            select(
                *self.candidate(
                    user_id=c.owner_id,
                    key=key_of(email.id),
                    subject_id=email.id,
                    contact_id=c.id,
                    company_id=c.company_id,
                )
            )
            .join_from(email, c, c.email_lower == email.from_lower)
            .join(user, user.c.user_id == c.owner_id)
            .where(
                email.type == "email",
                email.direction == "incoming",
                email.occurred_at > ctx.ago(days=14),  # an email happens at sent_at
                c.id.not_in(contacts_with_open_lead()),
                primary_recipient(email.id) == user.c.email_lower,
                email_domain(email.from_lower) != user.c.domain,
                ~user_emailed(c.owner_id, c.email_lower, after=email.sent_at),
            )
        )

    def expirations(self, ctx: RuleContext, action: ActionRef) -> Expirations:
        return [
            ("reassigned", ~owned_by(Contact, action.contact_id, action.user_id)),
            (
                "responded",
                user_emailed_contact(action.user_id, action.contact_id, after=sent_at_of(action.subject_id)),
            ),
            ("criteria_no_longer_met", action.contact_id.in_(contacts_with_open_lead())),
            ("aged_out", action.created_at < ctx.ago(days=14)),
        ]


RULE = ContactsAwaitingResponse()
