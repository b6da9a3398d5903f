"""``evaluate(session, now)``: expire what no longer holds, then create what is missing, set-based.

Per rule a handful of statements over the whole CRM, never a query per record:

1. **Expire.** For each of the rule's reasons in precedence order, one ``UPDATE actions ... WHERE id IN
   (<ids whose condition holds>) AND state IN ('open', 'snoozed')``; an action the first reason expired is no
   longer live when the next one runs, so the first reason wins. Expiring before creating lets a new action
   take the place of one that just ended in the same run (R13's new local day, a reassigned record).
2. **Create.** One ``SELECT`` of the rule's candidates that are not already expired and whose key was never
   used and whose subject has no live action of the rule for that user, then one batched ``INSERT ... ON
   CONFLICT DO NOTHING``. R10, R05 and R09 run in that order and each skips an email that already has one
   of the three for that user: the spec's one-action-per-email precedence.

Two evaluations at once (two clock processes) take turns: the first statement takes a transaction-scoped
lock (PostgreSQL advisory lock; on SQLite a write, which holds SQLite's single write lock until commit), so
the second sees what the first created. The unique constraints of ``actions`` stay the last line of defence:
a conflicting row is skipped and logged, never an error. The engine never reads the clock and never
commits: the caller owns the session and its transaction. On SQLite, call it first in its transaction.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    Update,
    false,
    func,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crm.models import Action
from crm.models.action import LIVE_STATES, ActionState
from rules.base import CANDIDATE_COLUMNS, Rule
from rules.context import RuleContext, read_settings
from rules.registry import ALL_RULES, EMAIL_PRECEDENCE
from rules.sql import is_live, rows_of

log = logging.getLogger(__name__)

ACTIONS = cast(Table, Action.__table__)
# Any constant works; it names "the rule engine" among PostgreSQL advisory locks.
ADVISORY_LOCK_ID = 0x5A1E5B07


@dataclass
class RuleReport:
    code: str
    title: str
    created: int = 0
    expired: Counter[str] = field(default_factory=Counter)
    skipped: int = 0  # candidates a concurrent writer had already inserted
    seconds: float = 0.0  # wall time spent on this rule's statements, expiring and creating
    expire_seconds: float = 0.0  # the part of ``seconds`` spent expiring

    @property
    def expired_total(self) -> int:
        return sum(self.expired.values())


@dataclass
class EvaluationReport:
    now: datetime
    rules: dict[str, RuleReport] = field(default_factory=dict)

    @property
    def created(self) -> int:
        return sum(r.created for r in self.rules.values())

    @property
    def expired(self) -> int:
        return sum(r.expired_total for r in self.rules.values())


@dataclass(frozen=True)
class RulePlan:
    """A rule's statements, built once per set of time zones and run with each evaluation's parameters."""

    expirations: tuple[tuple[str, Update], ...]
    creation: Select[Any]


class Planner:
    """The context and the rules' plans for one set of time zones in use."""

    def __init__(self, zones: tuple[str, ...]) -> None:
        self.context = RuleContext(zones)
        self._plans: dict[Rule, RulePlan] = {}
        self._lock = threading.Lock()

    def plan(self, rule: Rule) -> RulePlan:
        with self._lock:
            plan = self._plans.get(rule)
            if plan is None:
                plan = self._plans[rule] = build_plan(rule, self.context)
            return plan


@lru_cache(maxsize=16)
def planner(zones: tuple[str, ...]) -> Planner:
    return Planner(zones)


def evaluate(session: Session, now: datetime, *, rules: Sequence[Rule] = ALL_RULES) -> EvaluationReport:
    """Create and expire guided actions as of ``now`` (aware). Does not commit."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    take_evaluation_lock(session)
    ensure_planner_statistics(session)
    zones, final_stages = read_settings(session)
    plans = planner(zones)
    ordered = creation_order(rules)
    rule_plans = {rule: plans.plan(rule) for rule in ordered}
    params = plans.context.parameters(now, final_stages)
    report = EvaluationReport(now=now, rules={r.code: RuleReport(r.code, r.title) for r in rules})
    for rule in rules:
        started = time.perf_counter()
        expire(session, rule_plans[rule], params, report.rules[rule.code])
        report.rules[rule.code].expire_seconds = time.perf_counter() - started
        report.rules[rule.code].seconds += report.rules[rule.code].expire_seconds
    for rule in ordered:
        started = time.perf_counter()
        create(session, rule, rule_plans[rule], params, report.rules[rule.code])
        report.rules[rule.code].seconds += time.perf_counter() - started
    log.info("rules evaluated at %s: %d created, %d expired", now.isoformat(), report.created, report.expired)
    return report


def build_plan(rule: Rule, ctx: RuleContext) -> RulePlan:
    expirations = tuple(
        (
            reason,
            update(ACTIONS)
            .where(ACTIONS.c.id.in_(ids), ACTIONS.c.state.in_(LIVE_STATES))
            .values(state=ActionState.EXPIRED.value, expired_reason=reason, ended_at=ctx.now),
        )
        for reason, ids in rule.expires(ctx)
    )
    return RulePlan(expirations=expirations, creation=creatable(rule, ctx))


def take_evaluation_lock(session: Session) -> None:
    """Make concurrent evaluations take turns until this transaction ends."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(ADVISORY_LOCK_ID)))
    else:
        # A write that changes nothing still takes SQLite's write lock, held until commit or rollback.
        session.execute(update(ACTIONS).where(false()).values(state=ACTIONS.c.state))


def ensure_planner_statistics(session: Session) -> None:
    """Gather SQLite's planner statistics if the database has never had them.

    The rules' correlated look-ups need the planner to know that ``activities.type`` is far less selective
    than ``from_lower`` or a contact id; without ``sqlite_stat1`` SQLite guesses, and some statements go from
    seconds to hours on a large CRM. PostgreSQL's autovacuum keeps its statistics itself.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    connection = session.connection()
    has_stats = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
    ).first()
    if has_stats is None:
        log.info("no SQLite planner statistics yet: running ANALYZE")
        connection.exec_driver_sql("ANALYZE")


def creation_order(rules: Sequence[Rule]) -> list[Rule]:
    """The rules in registry order, except that R10, R05 and R09 run in their precedence order."""
    by_code = {rule.code: rule for rule in rules}
    ranked = iter([by_code[code] for code in EMAIL_PRECEDENCE if code in by_code])
    return [next(ranked) if rule.code in EMAIL_PRECEDENCE else rule for rule in rules]


def expire(session: Session, plan: RulePlan, params: dict[str, Any], report: RuleReport) -> None:
    for reason, stmt in plan.expirations:
        result = session.connection().execute(stmt, params)
        if result.rowcount:
            report.expired[reason] += result.rowcount


def create(session: Session, rule: Rule, plan: RulePlan, params: dict[str, Any], report: RuleReport) -> None:
    rows = [dict(row) for row in session.connection().execute(plan.creation, params).mappings()]
    if not rows:
        return
    for row in rows:
        row.update(rule=rule.code, state=ActionState.OPEN.value, created_at=params["now"])
    inserted = insert_skipping_conflicts(session, rows)
    report.created += inserted
    skipped = len(rows) - inserted
    if skipped:
        report.skipped += skipped
        log.warning("skipped %d %s action(s) already created by another evaluation", skipped, rule.code)


def creatable(rule: Rule, ctx: RuleContext) -> Select[Any]:
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

    new = rule.creates(ctx, exclude=exclude).subquery("new_actions")
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


def insert_skipping_conflicts(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert ``rows`` into ``actions``, skipping any that would break a unique constraint; how many went
    in."""
    dialect = session.get_bind().dialect.name
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert_(ACTIONS).on_conflict_do_nothing().returning(ACTIONS.c.id)
    return len(session.connection().execute(stmt, rows).all())
