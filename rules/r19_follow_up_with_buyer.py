"""R19 Follow up with the buyer — closing, subject the outgoing email, key outgoing email.

Creates, for an outgoing email, when:
- the deal's owner is the user and the deal is open (the deal has, among its contacts, a recipient of the
  email: the *buyer*);
- a contact associated with the deal opened an email the user sent it (``opened_at`` is set), but had not
  replied seven days after it was sent (``now >= sent_at + 7 days``, and no reply from a buyer);
- (clarification) the email was sent less than 30 days ago.

Expires when: (clarification) the deal closes (``closed``: the buyers' deals owned by the user are all
closed); that contact replies (``replied``: an incoming email from a buyer whose ``in_reply_to`` names the
email, or in its thread after it); the action is more than seven days old (``aged_out``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select, tuple_
from sqlalchemy.orm import aliased

from crm.models import Activity, Contact, Deal, DealContact, EmailRecipient, Stage
from rules.base import CLOSING, ActionRef, Expirations, Rule, RuleContext
from rules.sql import (
    Value,
    company_of,
    first_recipient_contact,
    key_of,
    rows_of,
    stage_state_is,
    unindexed,
)


class _Buyers:
    """Recipients of an email who are contacts of deals owned by the user."""

    def __init__(self, email_id: Value, user_id: Value) -> None:
        self.recipient = aliased(EmailRecipient)
        contact = aliased(Contact)
        link = aliased(DealContact)
        self.deal = aliased(Deal)
        self.rows = (
            rows_of(self.recipient)
            .join(contact, contact.email_lower == self.recipient.address_lower)
            .join(link, link.contact_id == contact.id)
            .join(self.deal, self.deal.id == link.deal_id)
            .correlate_except(self.recipient, contact, link, self.deal)
            .where(self.recipient.activity_id == email_id, self.deal.owner_id == user_id)
        )

    def any(self) -> ColumnElement[bool]:
        return self.rows.exists()

    def on_open_deal(self) -> ColumnElement[bool]:
        return self.rows.where(stage_state_is(self.deal, "open")).exists()

    def replied(self, email: Any) -> ColumnElement[bool]:
        reply = aliased(Activity)
        is_reply = (
            rows_of(reply)
            .where(
                reply.type == "email",
                reply.direction == "incoming",
                reply.from_lower == self.recipient.address_lower,
                or_(
                    reply.in_reply_to == email.id,
                    and_(reply.thread_id == email.thread_id, reply.sent_at > email.sent_at),
                ),
            )
            .exists()
        )
        return self.rows.where(is_reply).exists()


def on_open_deal_of_owner(email: Any) -> ColumnElement[bool]:
    """``_Buyers(email.id, email.owner_id).on_open_deal()`` for a whole scan of emails: one recipient of the
    email is, with the email's owner, among the (address, owner) pairs of open deals' contacts. That set is
    computed once per statement instead of walking contact, deals and stages again for every email. The
    recipients are found by email (``unindexed`` address): SQLite cannot know the set's size and would
    otherwise probe the address index once per pair of the set, for every email."""
    recipient = aliased(EmailRecipient)
    contact = aliased(Contact)
    link = aliased(DealContact)
    deal = aliased(Deal)
    stage = aliased(Stage)
    open_deal_contacts = (
        select(contact.email_lower, deal.owner_id)
        .join(link, link.contact_id == contact.id)
        .join(deal, deal.id == link.deal_id)
        .join(stage, and_(stage.pipeline_id == deal.pipeline_id, stage.id == deal.stage_id))
        .where(stage.state == "open")
    )
    return (
        rows_of(recipient)
        .where(
            recipient.activity_id == email.id,
            tuple_(unindexed(recipient.address_lower), email.owner_id).in_(open_deal_contacts),
        )
        .exists()
    )


def buyer_replied(email_id: Value, user_id: Value) -> ColumnElement[bool]:
    email = aliased(Activity)
    return rows_of(email).where(email.id == email_id, _Buyers(email.id, user_id).replied(email)).exists()


class FollowUpWithBuyer(Rule):
    code = "R19"
    title = "Follow up with the buyer"
    category = CLOSING
    subject_type = "email"
    key_description = "outgoing email"

    def candidates(self, ctx: RuleContext) -> Select[Any]:
        email = aliased(Activity)
        buyers = _Buyers(email.id, email.owner_id)
        contact_id = first_recipient_contact(email.id)
        return select(
            *self.candidate(
                user_id=email.owner_id,
                key=key_of(email.id),
                subject_id=email.id,
                contact_id=contact_id,
                company_id=company_of(contact_id),
            )
        ).where(
            email.type == "email",
            email.direction == "outgoing",
            email.owner_id.is_not(None),
            email.opened_at.is_not(None),
            on_open_deal_of_owner(email),
            email.occurred_at <= ctx.ago(days=7),  # an email happens at sent_at
            ~buyers.replied(email),
            email.occurred_at > ctx.ago(days=30),
        )

    def expirations(self, ctx: RuleContext, action: ActionRef) -> Expirations:
        buyers = _Buyers(action.subject_id, action.user_id)
        return [
            ("closed", and_(buyers.any(), ~buyers.on_open_deal())),
            ("replied", buyer_replied(action.subject_id, action.user_id)),
            ("aged_out", action.created_at < ctx.ago(days=7)),
        ]


RULE = FollowUpWithBuyer()
