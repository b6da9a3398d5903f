"""R10 Reply to email — closing, subject the incoming email, key incoming email.

Creates, for an incoming email, when:
- the contact (whose address the email is from) is associated with an open deal owned by the user;
- the contact emailed the user (the user is among the recipients, ``to`` or ``cc``) and the user has not
  emailed the contact since;
- (clarification) the email arrived less than seven days ago.

Expires when: the associated deal closes (``closed``: the contact's deals owned by the user are all closed);
the user sends the contact an email after the incoming one (``responded``); the action is more than seven
days old (``aged_out``).

One action per email: R10 goes first, then R05, then R09 (rules/engine.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import aliased

from crm.models import Activity, Contact, Deal, DealContact
from rules.base import CLOSING, ActionRef, Expirations, Rule, RuleContext
from rules.sql import (
    Value,
    is_recipient,
    key_of,
    rows_of,
    sent_at_of,
    stage_state_is,
    user_emailed,
    user_emailed_contact,
)


def deals_closed(contact_id: Value, user_id: Value) -> ColumnElement[bool]:
    """The contact is on deals owned by the user and none of them is open any more."""
    link = aliased(DealContact)
    deal = aliased(Deal)
    deals = (
        rows_of(link)
        .join(deal, deal.id == link.deal_id)
        .correlate_except(link, deal)
        .where(link.contact_id == contact_id, deal.owner_id == user_id)
    )
    return and_(deals.exists(), ~deals.where(stage_state_is(deal, "open")).exists())


class ReplyToEmail(Rule):
    code = "R10"
    title = "Reply to email"
    category = CLOSING
    subject_type = "email"
    key_description = "incoming email"

    def candidates(self, ctx: RuleContext) -> Select[Any]:
        email = aliased(Activity)
        c = aliased(Contact)
        link = aliased(DealContact)
        deal = aliased(Deal)
        user = ctx.users()
        return (
            select(
                *self.candidate(
                    user_id=deal.owner_id,
                    key=key_of(email.id),
                    subject_id=email.id,
                    contact_id=c.id,
                    company_id=c.company_id,
                )
            )
            .join_from(email, c, c.email_lower == email.from_lower)
            .join(link, link.contact_id == c.id)
            .join(deal, deal.id == link.deal_id)
            .join(user, user.c.user_id == deal.owner_id)
            .where(
                email.type == "email",
                email.direction == "incoming",
                email.occurred_at > ctx.ago(days=7),  # an email happens at sent_at
                stage_state_is(deal, "open"),
                is_recipient(email.id, user.c.email_lower),
                ~user_emailed(deal.owner_id, c.email_lower, after=email.sent_at),
            )
        )

    def expirations(self, ctx: RuleContext, action: ActionRef) -> Expirations:
        return [
            ("closed", deals_closed(action.contact_id, action.user_id)),
            (
                "responded",
                user_emailed_contact(action.user_id, action.contact_id, after=sent_at_of(action.subject_id)),
            ),
            ("aged_out", action.created_at < ctx.ago(days=7)),
        ]


RULE = ReplyToEmail()
