"""R17 Add a contact to the deal — closing, subject deal, key deal.

Creates, for a deal, when:
- the deal's owner is the user;
- the deal is in an open stage;
- it was created more than seven days ago;
- it has no associated contact.

Expires when: the deal is reassigned (``reassigned``); it closes (``closed``); a contact is associated
(``contact_associated``); the action is more than seven days old (``aged_out``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from crm.models import Deal, DealContact
from rules.base import CLOSING, ActionRef, Expirations, Rule, RuleContext
from rules.sql import Value, deal_closed, first_contact_of_deal, key_of, owned_by, rows_of, stage_state_is


def has_contact(deal_id: Value) -> Any:
    link = aliased(DealContact)
    return rows_of(link).where(link.deal_id == deal_id).exists()


class AddContactToDeal(Rule):
    code = "R17"
    title = "Add a contact to the deal"
    category = CLOSING
    subject_type = "deal"
    key_description = "deal"

    def candidates(self, ctx: RuleContext) -> Select[Any]:
        deal = aliased(Deal)
        return select(
            *self.candidate(
                user_id=deal.owner_id,
                key=key_of(deal.id),
                subject_id=deal.id,
                contact_id=first_contact_of_deal(deal.id),
                company_id=deal.company_id,
            )
        ).where(
            deal.owner_id.is_not(None),
            stage_state_is(deal, "open"),
            deal.created_at < ctx.ago(days=7),
            ~has_contact(deal.id),
        )

    def expirations(self, ctx: RuleContext, action: ActionRef) -> Expirations:
        return [
            ("reassigned", ~owned_by(Deal, action.subject_id, action.user_id)),
            ("closed", deal_closed(action.subject_id)),
            ("contact_associated", has_contact(action.subject_id)),
            ("aged_out", action.created_at < ctx.ago(days=7)),
        ]


RULE = AddContactToDeal()
