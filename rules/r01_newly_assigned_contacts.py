"""R01 Newly assigned contacts — prospecting, subject contact, key contact.

Creates, for a contact, when:
- the contact's owner is the user;
- its lifecycle stage is not one of the final lifecycle stages;
- it is not associated with any deal;
- the user has not sent it a tracked email;
- it has not sent the user an email;
- (clarification) it was assigned to the user (``owner_assigned_at``) less than 30 days ago.

Expires when: any creation criterion no longer holds (``criteria_no_longer_met``, or ``reassigned`` when the
owner changed); or the action is 30 days old (``aged_out``). The 30-day assignment window only limits
creation (creation-only clarification).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, not_, select
from sqlalchemy.orm import aliased

from crm.models import Contact, DealContact, User
from rules.base import PROSPECTING, ActionRef, Expirations, Rule, RuleContext
from rules.sql import Value, contact_emailed_user, key_of, rows_of, user_emailed


class NewlyAssignedContacts(Rule):
    code = "R01"
    title = "Newly assigned contacts"
    category = PROSPECTING
    subject_type = "contact"
    key_description = "contact"

    def candidates(self, ctx: RuleContext) -> Select[Any]:
        c = aliased(Contact)
        return select(
            *self.candidate(
                user_id=c.owner_id,
                key=key_of(c.id),
                subject_id=c.id,
                contact_id=c.id,
                company_id=c.company_id,
            )
        ).where(
            c.owner_id.is_not(None),
            c.owner_assigned_at > ctx.ago(days=30),
            self.criteria(ctx, c, c.owner_id),
        )

    def criteria(self, ctx: RuleContext, c: Any, user_id: Value) -> ColumnElement[bool]:
        """The criteria besides ownership that must keep holding."""
        dc = aliased(DealContact)
        user = aliased(User)
        user_address = select(func.lower(user.email)).where(user.id == user_id).correlate_except(user)
        return and_(
            func.lower(func.coalesce(c.lifecycle_stage, "")).not_in(ctx.final_lifecycle_stages),
            ~rows_of(dc).where(dc.contact_id == c.id).exists(),
            ~user_emailed(user_id, c.email_lower, tracked_only=True),
            ~contact_emailed_user(c.email_lower, user_address.scalar_subquery()),
        )

    def expirations(self, ctx: RuleContext, action: ActionRef) -> Expirations:
        c = aliased(Contact)
        owned = rows_of(c).where(c.id == action.subject_id, c.owner_id == action.user_id)
        # A candidate meets the criteria by definition (the same ones, for the same contact and owner): not
        # checking them twice halves the cost of creating.
        no_longer_met = (
            false()
            if action.is_candidate
            else owned.where(not_(self.criteria(ctx, c, action.user_id))).exists()
        )
        return [
            ("reassigned", ~owned.exists()),
            ("criteria_no_longer_met", no_longer_met),
            ("aged_out", action.created_at <= ctx.ago(days=30)),
        ]


RULE = NewlyAssignedContacts()
