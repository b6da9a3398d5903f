"""R03 Re-engaged contacts — prospecting, subject contact, key contact + disqualified lead.

Creates, for a contact, when:
- the contact's owner is the user;
- it has no open lead;
- its most recent lead (by ``created_at``) is disqualified (in a ``lost`` stage);
- it engaged within the last 30 days, after that lead was disqualified (``disqualified_at``). Engagement is
  an engagement event or an email the contact sent.

Expires when: the contact is reassigned (``reassigned``); a lead is created for the contact (``lead_created``:
its most recent lead is no longer the one in the key); more than 30 days have passed since the contact's
most recent engagement (``aged_out``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, func, or_, select
from sqlalchemy.orm import aliased

from crm.models import Activity, Contact, EngagementEvent, Lead
from rules.base import PROSPECTING, ActionRef, Expirations, Rule, RuleContext
from rules.sql import Value, contacts_with_open_lead, key_of, rows_of, stage_state_is


def latest_leads() -> Subquery:
    """Each contact's most recent lead by ``created_at`` (ties: the larger id): ``contact_id``, ``lead_id``,
    ``pipeline_id``, ``stage_id``, ``disqualified_at``."""
    lead = aliased(Lead)
    rank = (
        func.row_number()
        .over(partition_by=lead.contact_id, order_by=(lead.created_at.desc().nulls_last(), lead.id.desc()))
        .label("n")
    )
    ranked = select(
        lead.contact_id,
        lead.id.label("lead_id"),
        lead.pipeline_id,
        lead.stage_id,
        lead.disqualified_at,
        rank,
    ).subquery()
    return select(ranked).where(ranked.c.n == 1).subquery("latest_lead")


def engaged_since(
    contact: Any, since: Value, *, inclusive: bool = False, after: Value | None = None
) -> ColumnElement[bool]:
    """The contact has an engagement event, or sent an email, after ``since`` (or at it, if ``inclusive``)
    and after ``after``."""
    event = aliased(EngagementEvent)
    email = aliased(Activity)
    event_at, email_at = event.at, email.occurred_at  # an email happens at sent_at
    events = rows_of(event).where(event.contact_id == contact.id)
    emails = rows_of(email).where(
        email.from_lower == contact.email_lower, email.type == "email", email.direction == "incoming"
    )
    if inclusive:
        events, emails = events.where(event_at >= since), emails.where(email_at >= since)
    else:
        events, emails = events.where(event_at > since), emails.where(email_at > since)
    if after is not None:
        events, emails = events.where(event_at > after), emails.where(email_at > after)
    return or_(events.exists(), emails.exists())


class ReengagedContacts(Rule):
    code = "R03"
    title = "Re-engaged contacts"
    category = PROSPECTING
    subject_type = "contact"
    key_description = "contact + disqualified lead"

    def candidates(self, ctx: RuleContext) -> Select[Any]:
        c = aliased(Contact)
        latest = latest_leads()
        return (
            select(
                *self.candidate(
                    user_id=c.owner_id,
                    key=key_of(c.id, latest.c.lead_id),
                    subject_id=c.id,
                    contact_id=c.id,
                    company_id=c.company_id,
                )
            )
            .join_from(c, latest, latest.c.contact_id == c.id)
            .where(
                c.owner_id.is_not(None),
                c.id.not_in(contacts_with_open_lead()),
                stage_state_is(latest.c, "lost"),
                engaged_since(c, ctx.ago(days=30), after=latest.c.disqualified_at),
            )
        )

    def expirations(self, ctx: RuleContext, action: ActionRef) -> Expirations:
        c = aliased(Contact)
        latest = latest_leads()
        still_latest = rows_of(latest).where(
            latest.c.contact_id == action.subject_id,
            key_of(latest.c.contact_id, latest.c.lead_id) == action.key,
        )
        contact = rows_of(c).where(c.id == action.subject_id)
        return [
            ("reassigned", ~contact.where(c.owner_id == action.user_id).exists()),
            ("lead_created", ~still_latest.exists()),
            ("aged_out", ~contact.where(engaged_since(c, ctx.ago(days=30), inclusive=True)).exists()),
        ]


RULE = ReengagedContacts()
