"""R18 Initial outreach needed — closing, subject deal, key deal.

Creates, for a deal, when:
- the deal's owner is the user;
- it is in the first stage of its pipeline and open;
- it was created more than seven days ago;
- it has no engagement (no email, call, meeting or note associated with it).

Expires when: the deal is reassigned (``reassigned``); it closes (``closed``); an engagement is associated
(``engagement_associated``); (clarification) the deal leaves the first stage (``criteria_no_longer_met``);
the action is more than seven days old (``aged_out``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from crm.models import Activity, ActivityDeal, Deal
from rules.base import CLOSING, ActionRef, Expirations, Rule, RuleContext
from rules.sql import (
    ENGAGEMENT_TYPES,
    Value,
    deal_closed,
    first_contact_of_deal,
    in_first_stage,
    key_of,
    owned_by,
    rows_of,
    stage_state_is,
)


def has_engagement(deal_id: Value) -> Any:
    link = aliased(ActivityDeal)
    activity = aliased(Activity)
    return (
        rows_of(link)
        .join(activity, activity.id == link.activity_id)
        .correlate_except(link, activity)
        .where(link.deal_id == deal_id, activity.type.in_(ENGAGEMENT_TYPES))
        .exists()
    )


class InitialOutreach(Rule):
    code = "R18"
    title = "Initial outreach needed"
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
            in_first_stage(deal),
            stage_state_is(deal, "open"),
            deal.created_at < ctx.ago(days=7),
            ~has_engagement(deal.id),
        )

    def expirations(self, ctx: RuleContext, action: ActionRef) -> Expirations:
        deal = aliased(Deal)
        left_first_stage = rows_of(deal).where(deal.id == action.subject_id, ~in_first_stage(deal))
        return [
            ("reassigned", ~owned_by(Deal, action.subject_id, action.user_id)),
            ("closed", deal_closed(action.subject_id)),
            ("engagement_associated", has_engagement(action.subject_id)),
            ("criteria_no_longer_met", left_first_stage.exists()),
            ("aged_out", action.created_at < ctx.ago(days=7)),
        ]


RULE = InitialOutreach()
