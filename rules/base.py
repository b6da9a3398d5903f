"""What a rule is: a code, a title, a category, a subject, a key, and its creation criteria and expiration
conditions as SQL.

A rule states two things (docs/guided-actions.md):

- ``candidates(ctx)``: a ``Select`` of one row per (subject, user) whose *creation criteria* hold, with the
  columns of ``CANDIDATE_COLUMNS``;
- ``expirations(ctx, action)``: its *expiration conditions* in the spec's reason precedence (``reassigned``,
  ``closed``, the rule's own reasons in text order, ``criteria_no_longer_met``, ``aged_out``), each a SQL
  condition over an action's columns (``ActionRef``).

From those the base class derives what the engine runs: ``creates(ctx)`` is the candidates whose expiration
conditions do not already hold with ``created_at = now`` ("Not created already expired"), and
``expires(ctx)`` is, per reason, the ids of the rule's open or snoozed actions whose condition holds. One
definition of each condition serves both, so the two can never disagree.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    false,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from crm.models import Action
from rules.context import RuleContext
from rules.sql import (
    CLOSING,
    PROSPECTING,
    Value,
    activity_on_open_deal,
    closing_if,
    company_of,
    first_contact_of_activity,
    is_live,
    is_type,
    key_of,
    rows_of,
    where_first,
)

log = logging.getLogger(__name__)

BY_SUBJECT = "by subject"

# The columns every rule's ``candidates`` select returns, in this order.
CANDIDATE_COLUMNS = ("user_id", "key", "subject_type", "subject_id", "contact_id", "company_id", "category")


@dataclass(frozen=True)
class ActionRef:
    """The columns of an action an expiration condition may read: those of a stored action, or of a
    candidate about to be created (``created_at`` is then ``now``)."""

    user_id: Value
    key: Value
    subject_id: Value
    contact_id: Value
    company_id: Value
    created_at: Value
    is_candidate: bool = False


Expirations = list[tuple[str, ColumnElement[bool]]]

# The engine's conditions on a candidate, given its columns (``CANDIDATE_COLUMNS``) as SQL expressions.
Exclusion = Callable[[Mapping[str, ColumnElement[Any]]], Sequence[ColumnElement[bool]]]

# Conditions on the rows of a rule's candidates query, given that query.
Restriction = Callable[[Select[Any]], Sequence[ColumnElement[bool]]]


class Rule(ABC):
    """One guided-action rule. Subclasses set the class attributes and the two SQL builders, and their
    docstring mirrors the spec's "Creates when" / "Expires when" lines."""

    code: ClassVar[str]
    title: ClassVar[str]
    category: ClassVar[str]  # CLOSING, PROSPECTING or BY_SUBJECT
    subject_type: ClassVar[str]
    key_description: ClassVar[str]
    bundled: ClassVar[bool] = False

    @abstractmethod
    def candidates(self, ctx: RuleContext) -> Select[Any]:
        """Rows of ``CANDIDATE_COLUMNS``, one per (subject, user) whose creation criteria hold."""

    @abstractmethod
    def expirations(self, ctx: RuleContext, action: ActionRef) -> Expirations:
        """(reason, condition over ``action``) in the spec's reason precedence."""

    # --- derived -----------------------------------------------------------------------------------------

    def creates(
        self, ctx: RuleContext, *, exclude: Exclusion | None = None, restrict: Restriction | None = None
    ) -> Select[Any]:
        """The candidates whose expiration conditions do not already hold at ``now``.

        ``exclude`` adds the engine's own conditions (keys already used, live actions of the same subject),
        given the candidate columns' SQL expressions. They go inside the candidates' own query, *ahead* of
        its criteria (``where_first``): a no-change re-run then spends one index look-up per existing action
        rather than re-checking its criteria and expiration conditions. ``restrict``, given the candidates'
        own query, adds conditions on its rows that go first of all (an incremental run's slice).
        """
        candidates = self.candidates(ctx)
        first = list(restrict(candidates)) if restrict is not None else []
        if exclude is not None:
            columns = {name: candidates.selected_columns[name] for name in CANDIDATE_COLUMNS}
            first += exclude(columns)
        if first:
            candidates = where_first(candidates, *first)
        candidate = candidates.subquery(f"{self.code.lower()}_candidates")
        ref = ActionRef(
            user_id=candidate.c.user_id,
            key=candidate.c.key,
            subject_id=candidate.c.subject_id,
            contact_id=candidate.c.contact_id,
            company_id=candidate.c.company_id,
            created_at=ctx.now,
            is_candidate=True,
        )
        conditions = [condition for _, condition in self.expirations(ctx, ref)]
        stmt = select(*(candidate.c[name] for name in CANDIDATE_COLUMNS))
        if conditions:
            stmt = stmt.where(not_(or_(*conditions)))
        return stmt

    def expires(self, ctx: RuleContext) -> list[tuple[str, Select[Any]]]:
        """Per reason, in precedence order, the ids of this rule's live actions whose condition holds."""
        a = aliased(Action)
        ref = ActionRef(
            user_id=a.user_id,
            key=a.key,
            subject_id=a.subject_id,
            contact_id=a.contact_id,
            company_id=a.company_id,
            created_at=a.created_at,
        )
        return [
            (reason, select(a.id).where(a.rule == self.code, is_live(a.state), condition))
            for reason, condition in self.expirations(ctx, ref)
        ]

    def no_longer_candidate(self, ctx: RuleContext, action: ActionRef, *, same_key: bool = False) -> Any:
        """ "Any creation criterion no longer holds": the action's subject and user (and key, if
        ``same_key``) are not among the rule's candidates any more. Trivially false for a candidate."""
        if action.is_candidate:
            return false()
        now = self.candidates(ctx).subquery()
        match = [now.c.subject_id == action.subject_id, now.c.user_id == action.user_id]
        if same_key:
            match.append(now.c.key == action.key)
        return ~rows_of(now).where(*match).exists()

    def candidate(
        self,
        *,
        user_id: Value,
        key: Value,
        subject_id: Value,
        contact_id: Value | None,
        company_id: Value | None,
        category: Value | None = None,
    ) -> list[Value]:
        """The select list of ``candidates``, labelled as ``CANDIDATE_COLUMNS``."""
        if category is None:
            if self.category == BY_SUBJECT:
                raise ValueError(f"{self.code}: a by-subject rule must give each candidate's category")
            category = literal(self.category, String())
        return [
            user_id.label("user_id"),
            key.label("key"),
            literal(self.subject_type, String()).label("subject_type"),
            subject_id.label("subject_id"),
            _or_null(contact_id).label("contact_id"),
            _or_null(company_id).label("company_id"),
            category.label("category"),
        ]

    def owned_activity_candidates(self, activity: Any) -> Select[Any]:
        """Candidates for a rule whose subject is an activity (meeting or call) and whose user is its owner:
        the association snapshot is its first contact and that contact's company, the category "by
        subject". Callers add their creation criteria with ``.where``."""
        contact_id = first_contact_of_activity(activity.id)
        return select(
            *self.candidate(
                user_id=activity.owner_id,
                key=key_of(activity.id),
                subject_id=activity.id,
                contact_id=contact_id,
                company_id=company_of(contact_id),
                category=closing_if(activity_on_open_deal(activity.id)),
            )
        ).where(is_type(activity.type, self.subject_type), activity.owner_id.is_not(None))

    def __repr__(self) -> str:
        return f"<Rule {self.code} {self.title}>"


def _or_null(value: Value | None) -> Value:
    return literal(None, String()) if value is None else value


__all__ = [
    "BY_SUBJECT",
    "CANDIDATE_COLUMNS",
    "CLOSING",
    "PROSPECTING",
    "ActionRef",
    "Expirations",
    "Rule",
    "RuleContext",
]
