"""R05 Email replies — prospecting, subject the reply (an incoming email), key reply email.

Creates, for an incoming reply, when:
- the contact's owner is the user (the contact is the one whose address the email is from);
- the contact replied to an email the user sent: the email's ``in_reply_to`` names an outgoing email of the
  user, or it shares its ``thread_id`` with an earlier outgoing email of the user to the contact;
- (clarification) the reply arrived less than 14 days ago, and the user has not emailed the contact since
  the reply.

Expires when: the user sends the contact an email after the action was created (``responded``); the contact
is reassigned (``reassigned``); the action is 14 days old (``aged_out``).

One action per email: R10 goes first, then R05, then R09 (rules/engine.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import aliased

from crm.models import Activity, Contact
from rules.base import PROSPECTING, ActionRef, Expirations, Rule, RuleContext
from rules.sql import is_recipient, key_of, owned_by, rows_of, user_emailed, user_emailed_contact


def replies_to_user(reply: Any, contact: Any, user_id: Any) -> ColumnElement[bool]:
    """``reply`` (from ``contact``) answers an outgoing email (docs/guided-actions.md, "Words")."""
    sent = aliased(Activity)
    return (
        rows_of(sent)
        .where(
            sent.type == "email",
            sent.direction == "outgoing",
            sent.owner_id == user_id,
            or_(
                reply.in_reply_to == sent.id,
                and_(
                    sent.thread_id == reply.thread_id,
                    sent.sent_at < reply.sent_at,
                    is_recipient(sent.id, contact.email_lower),
                ),
            ),
        )
        .exists()
    )


class EmailReplies(Rule):
    code = "R05"
    title = "Email replies"
    category = PROSPECTING
    subject_type = "email"
    key_description = "reply email"

    def candidates(self, ctx: RuleContext) -> Select[Any]:
        reply = aliased(Activity)
        c = aliased(Contact)
        return (
            select(
                *self.candidate(
                    user_id=c.owner_id,
                    key=key_of(reply.id),
                    subject_id=reply.id,
                    contact_id=c.id,
                    company_id=c.company_id,
                )
            )
            .join_from(reply, c, c.email_lower == reply.from_lower)
            .where(
                reply.type == "email",
                reply.direction == "incoming",
                reply.occurred_at > ctx.ago(days=14),  # an email happens at sent_at
                c.owner_id.is_not(None),
                # The cheaper test that rejects more first: most recent emails were answered already.
                ~user_emailed(c.owner_id, c.email_lower, after=reply.sent_at),
                replies_to_user(reply, c, c.owner_id),
            )
        )

    def expirations(self, ctx: RuleContext, action: ActionRef) -> Expirations:
        return [
            ("reassigned", ~owned_by(Contact, action.contact_id, action.user_id)),
            (
                "responded",
                user_emailed_contact(action.user_id, action.contact_id, after=action.created_at),
            ),
            ("aged_out", action.created_at <= ctx.ago(days=14)),
        ]


RULE = EmailReplies()
