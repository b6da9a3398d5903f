"""R16 Update next steps — closing, subject deal, key deal + latest activity.

Creates, for a deal, when:
- the deal's owner is the user;
- the deal is in an open stage;
- an activity associated with the deal (an email, call, meeting or note that has ended) ended more than 24
  hours ago;
- (clarification) that is the deal's most recent activity, it ended less than 30 days ago, and the deal's next
  steps were not updated after it ended.

Expires when: the deal is reassigned (``reassigned``); the deal closes (``closed``); the deal's next steps
change (``next_steps_changed``: updated after the key's activity ended).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import aliased

from crm.models import Activity, ActivityDeal, Deal
from rules.base import CLOSING, ActionRef, Expirations, Rule, RuleContext
from rules.sql import (
    ENGAGEMENT_TYPES,
    deal_closed,
    first_contact_of_deal,
    key_of,
    last_key_part,
    newer_than,
    owned_by,
    rows_of,
    stage_state_is,
)


def latest_ended_activity(ctx: RuleContext, deal: Any, activity: Any) -> ColumnElement[bool]:
    """``activity`` is the deal's most recent email, call, meeting or note that has ended by now."""
    link = aliased(ActivityDeal)
    other = aliased(Activity)
    return ~(
        rows_of(link)
        .join(other, other.id == link.activity_id)
        .correlate_except(link, other)
        .where(
            link.deal_id == deal.id,
            other.type.in_(ENGAGEMENT_TYPES),
            other.ended_at <= ctx.now,
            newer_than(other, activity, "ended_at"),
        )
        .exists()
    )


class UpdateNextSteps(Rule):
    code = "R16"
    title = "Update next steps"
    category = CLOSING
    subject_type = "deal"
    key_description = "deal + latest activity"

    def candidates(self, ctx: RuleContext) -> Select[Any]:
        deal = aliased(Deal)
        link = aliased(ActivityDeal)
        activity = aliased(Activity)
        return (
            select(
                *self.candidate(
                    user_id=deal.owner_id,
                    key=key_of(deal.id, activity.id),
                    subject_id=deal.id,
                    contact_id=first_contact_of_deal(deal.id),
                    company_id=deal.company_id,
                )
            )
            .join_from(deal, link, link.deal_id == deal.id)
            .join(activity, activity.id == link.activity_id)
            .where(
                deal.owner_id.is_not(None),
                stage_state_is(deal, "open"),
                activity.type.in_(ENGAGEMENT_TYPES),
                activity.ended_at < ctx.ago(hours=24),
                activity.ended_at > ctx.ago(days=30),
                or_(deal.next_steps_updated_at.is_(None), deal.next_steps_updated_at <= activity.ended_at),
                latest_ended_activity(ctx, deal, activity),
            )
        )

    def expirations(self, ctx: RuleContext, action: ActionRef) -> Expirations:
        deal = aliased(Deal)
        link = aliased(ActivityDeal)
        activity = aliased(Activity)
        changed = (
            rows_of(deal)
            .join(link, link.deal_id == deal.id)
            .join(activity, activity.id == link.activity_id)
            .correlate_except(deal, link, activity)
            .where(
                deal.id == action.subject_id,
                # Implied by the key comparison; lets the key's activity be found by index.
                link.activity_id == last_key_part(action.key, deal.id),
                key_of(deal.id, activity.id) == action.key,
                deal.next_steps_updated_at > activity.ended_at,
            )
        )
        return [
            ("reassigned", ~owned_by(Deal, action.subject_id, action.user_id)),
            ("closed", deal_closed(action.subject_id)),
            ("next_steps_changed", changed.exists()),
        ]


RULE = UpdateNextSteps()
