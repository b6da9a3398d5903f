"""A rule's plan: its statements, built once per set of time zones in use, with what incremental runs need.

For each rule: one ``UPDATE`` per expiration reason and one ``SELECT`` of the actions to create (the rule's
candidates not already expired, whose key was never used and whose subject has no live action of the rule
for the user), each in full and restricted to the rows whose own time columns crossed a window edge
(``rules.incremental``), and the names of the inputs it depends on.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Dialect,
    Executable,
    FromClause,
    Select,
    Table,
    Update,
    func,
    literal_column,
    select,
    update,
)

from crm.models import Action
from crm.models.action import LIVE_STATES, ActionState
from rules.base import CANDIDATE_COLUMNS, Restriction, Rule
from rules.context import RuleContext
from rules.incremental import Shape, compiled_sql, input_names, own_rows, shape_of, slice_condition
from rules.registry import EMAIL_PRECEDENCE
from rules.sql import is_live, rows_of

ACTIONS = cast(Table, Action.__table__)


@dataclass(frozen=True)
class Step:
    """One statement of a rule's evaluation: in full, restricted to the rows whose own time columns crossed
    (None when it has none), and its shape (``rules.incremental``)."""

    full: Executable
    sliced: Executable | None
    shape: Shape


@dataclass(frozen=True)
class RulePlan:
    """A rule's statements, built once per set of time zones and run with each evaluation's parameters."""

    expirations: tuple[tuple[str, Step], ...]
    creation: Step
    inputs: tuple[str, ...]  # the version names it depends on
    parameters: frozenset[str]  # the parameters besides the time ones its statements use

    def statements(self) -> list[Executable]:
        return [step.full for _, step in self.expirations] + [self.creation.full]


class Planner:
    """The context and the rules' plans for one set of time zones in use."""

    def __init__(self, zones: tuple[str, ...]) -> None:
        self.context = RuleContext(zones)
        self._plans: dict[Rule, RulePlan] = {}
        self._sql: dict[tuple[Rule, str], str] = {}
        self._lock = threading.Lock()

    def plan(self, rule: Rule) -> RulePlan:
        with self._lock:
            plan = self._plans.get(rule)
            if plan is None:
                plan = self._plans[rule] = build_plan(rule, self.context)
            return plan

    def sql(self, rule: Rule, dialect: Dialect) -> str:
        """The rule's statements as the database gets them (part of its fingerprint)."""
        plan = self.plan(rule)
        with self._lock:
            key = (rule, dialect.name)
            if key not in self._sql:
                constants = [c for _, step in plan.expirations for c in step.shape.constants]
                constants += plan.creation.shape.constants
                self._sql[key] = compiled_sql(plan.statements(), dialect) + repr(constants)
            return self._sql[key]


@lru_cache(maxsize=16)
def planner(zones: tuple[str, ...]) -> Planner:
    return Planner(zones)


def build_plan(rule: Rule, ctx: RuleContext) -> RulePlan:
    expirations = []
    for reason, ids in rule.expires(ctx):
        shape = shape_of(ids, own_rows(ids))
        condition = slice_condition(shape.own)
        sliced = None if condition is None else _expiry(ids.where(condition), reason, ctx)
        expirations.append((reason, Step(_expiry(ids, reason, ctx), sliced, shape)))

    own: list[FromClause] = []

    def note(candidates: Select[Any]) -> list[ColumnElement[bool]]:
        own.extend(own_rows(candidates))
        return []

    def restrict(candidates: Select[Any]) -> list[ColumnElement[bool]]:
        condition = slice_condition(shape_of(candidates, own_rows(candidates)).own)
        return [] if condition is None else [condition]

    full = creatable(rule, ctx, restrict=note)
    shape = shape_of(full, own)
    creation = Step(full, creatable(rule, ctx, restrict=restrict) if shape.own else None, shape)
    shapes = [creation.shape, *(step.shape for _, step in expirations)]
    tables: frozenset[str] = frozenset().union(*(s.tables for s in shapes))
    columns: frozenset[str] = frozenset().union(*(s.columns for s in shapes))
    trio = [code for code in EMAIL_PRECEDENCE if code != rule.code] if rule.code in EMAIL_PRECEDENCE else []
    return RulePlan(
        expirations=tuple(expirations),
        creation=creation,
        inputs=input_names(rule.code, tables, columns, trio),
        parameters=frozenset().union(*(s.parameters for s in shapes)),
    )


def _expiry(ids: Select[Any], reason: str, ctx: RuleContext) -> Update:
    return (
        update(ACTIONS)
        .where(ACTIONS.c.id.in_(ids), ACTIONS.c.state.in_(LIVE_STATES))
        .values(state=ActionState.EXPIRED.value, expired_reason=reason, ended_at=ctx.now)
    )


def creatable(rule: Rule, ctx: RuleContext, *, restrict: Restriction | None = None) -> Select[Any]:
    """The rule's new actions: candidates not already expired, whose key was never used for the user, whose
    subject has no live action of the rule for the user (and, for R10/R05/R09, whose email has none of the
    three for the user); at most one per subject and user."""

    def exclude(candidate: Mapping[str, ColumnElement[Any]]) -> list[ColumnElement[bool]]:
        a = ACTIONS.alias("used")
        used = rows_of(a)
        conditions = [
            ~used.where(
                a.c.rule == rule.code, a.c.key == candidate["key"], a.c.user_id == candidate["user_id"]
            ).exists(),
            ~used.where(
                a.c.rule == rule.code,
                a.c.subject_type == candidate["subject_type"],
                a.c.subject_id == candidate["subject_id"],
                a.c.user_id == candidate["user_id"],
                is_live(a.c.state),
            ).exists(),
        ]
        if rule.code in EMAIL_PRECEDENCE:
            # First: on a re-run, most of the emails these rules scan already have one of the three actions,
            # and this one look-up rejects them all (an email's key is the email itself).
            conditions.insert(
                0,
                ~used.where(
                    one_per_email_rule(a.c.rule),
                    a.c.subject_id == candidate["subject_id"],
                    a.c.user_id == candidate["user_id"],
                ).exists(),
            )
        return conditions

    new = rule.creates(ctx, exclude=exclude, restrict=restrict).subquery("new_actions")
    # Two candidate rows for one subject and user (several deals, contacts sharing an address...) make one
    # action: the first by key, then by contact.
    first = (
        func.row_number()
        .over(
            partition_by=(new.c.subject_type, new.c.subject_id, new.c.user_id),
            order_by=(new.c.key, new.c.contact_id),
        )
        .label("n")
    )
    ranked = select(*new.c, first).subquery("ranked")
    return select(*(ranked.c[name] for name in CANDIDATE_COLUMNS)).where(ranked.c.n == 1)


def one_per_email_rule(rule: ColumnElement[str]) -> ColumnElement[bool]:
    """The action's rule is one of R10, R05, R09, written exactly as the partial index
    ``uq_actions_one_per_email`` states it (literal values, sorted): SQLite uses a partial index only when the
    query's condition is its ``WHERE`` word for word; with bound parameters the look-up would scan all of the
    user's actions instead."""
    return rule.in_([literal_column(f"'{code}'") for code in sorted(EMAIL_PRECEDENCE)])
