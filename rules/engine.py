"""``evaluate(session, now)``: expire what no longer holds, then create what is missing, set-based.

Per rule a handful of statements over the whole CRM (built in ``rules/plan.py``), never a query per record:

1. **Expire.** For each of the rule's reasons in precedence order, one ``UPDATE actions ... WHERE id IN
   (<ids whose condition holds>) AND state IN ('open', 'snoozed')``; an action the first reason expired is no
   longer live when the next one runs, so the first reason wins. Expiring before creating lets a new action
   take the place of one that just ended in the same run (R13's new local day, a reassigned record).
2. **Create.** One ``SELECT`` of the rule's candidates that are not already expired and whose key was never
   used and whose subject has no live action of the rule for that user, then one batched ``INSERT ... ON
   CONFLICT DO NOTHING``. R10, R05 and R09 run in that order and each skips an email that already has one
   of the three for that user: the spec's one-action-per-email precedence.

Incremental (``rules/incremental.py``): a rule whose inputs did not change since its last run runs only the
statements, or the slices of them, that ``now`` moving can have changed; ``incremental=False`` forces every
rule to run in full. Either way the result is the same.

Two evaluations at once (two clock processes) take turns: the first statement takes a transaction-scoped
lock (PostgreSQL advisory lock; on SQLite a write, which holds SQLite's single write lock until commit), so
the second sees what the first created. The unique constraints of ``actions`` stay the last line of defence:
a conflicting row is skipped and logged, never an error. The engine never reads the clock and never
commits: the caller owns the session and its transaction. On SQLite, call it first in its transaction.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Executable,
    Table,
    false,
    func,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from crm.db import insert_on_conflict
from crm.models import Action, Base
from crm.models.action import ActionState
from rules.base import Rule
from rules.context import read_settings
from rules.incremental import (
    Mode,
    Runs,
    fingerprint,
    slice_parameters,
)
from rules.plan import RulePlan, Step, planner
from rules.registry import ALL_RULES, EMAIL_PRECEDENCE

log = logging.getLogger(__name__)

ACTIONS = cast(Table, Action.__table__)
TABLES = Base.metadata.tables
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
    mode: Mode = Mode.FULL
    statements: Counter[str] = field(default_factory=Counter)  # how each statement ran: full, sliced, skipped

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


def evaluate(
    session: Session, now: datetime, *, rules: Sequence[Rule] = ALL_RULES, incremental: bool = True
) -> EvaluationReport:
    """Create and expire guided actions as of ``now`` (aware). Does not commit."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    take_evaluation_lock(session)
    prepare_planner(session)
    zones, final_stages = read_settings(session)
    plans = planner(zones)
    ordered = creation_order(rules)
    rule_plans = {rule: plans.plan(rule) for rule in ordered}
    params = plans.context.parameters(now, final_stages)
    report = EvaluationReport(now=now, rules={r.code: RuleReport(r.code, r.title) for r in rules})
    runs = Runs.load(session, now)
    dialect = session.get_bind().dialect
    run = Run(session, runs, {})
    for rule in rules:
        plan = rule_plans[rule]
        inputs = runs.inputs(plan.inputs)
        print_ = fingerprint(plans.sql(rule, dialect), plan.parameters, params)
        mode = runs.mode(rule.code, inputs, print_) if incremental else Mode.FULL
        run.decisions[rule.code] = (mode, inputs, print_)
        report.rules[rule.code].mode = mode
    for rule in rules:
        started = time.perf_counter()
        expire(run, rule, rule_plans[rule], params, report.rules[rule.code])
        report.rules[rule.code].expire_seconds = time.perf_counter() - started
        report.rules[rule.code].seconds += report.rules[rule.code].expire_seconds
    for rule in ordered:
        started = time.perf_counter()
        create(run, rule, rule_plans[rule], params, report.rules[rule.code])
        report.rules[rule.code].seconds += time.perf_counter() - started
    for rule in rules:
        _, inputs, print_ = run.decisions[rule.code]
        runs.record(session, rule.code, inputs, print_)
    session.flush()
    modes = Counter(r.mode.value for r in report.rules.values())
    log.debug(  # the caller (the clock, `rules run`) reports the run in one line
        "rules evaluated at %s: %d created, %d expired (rules: %s)",
        now.isoformat(),
        report.created,
        report.expired,
        ", ".join(f"{n} {mode}" for mode, n in sorted(modes.items())),
    )
    return report


@dataclass
class Run:
    """One evaluation's session, the rules' last runs, and each rule's (mode, inputs, fingerprint)."""

    session: Session
    runs: Runs
    decisions: dict[str, tuple[Mode, dict[str, int], str]]

    def choose(
        self, rule: Rule, step: Step, report: RuleReport, *, full: bool = False
    ) -> tuple[Executable, dict[str, Any]] | None:
        """The statement to run for ``step`` (and its extra parameters), or None when it cannot have
        anything to do. ``full``: in full, whatever the rule's mode."""
        mode = self.decisions[rule.code][0]
        chosen: tuple[Executable, dict[str, Any]] | None = None
        if mode is Mode.FULL or full:
            chosen = (step.full, {})
        elif mode is Mode.INCREMENTAL:
            then = self.runs.then(rule.code)
            shape = step.shape
            crossed = any(self.runs.crossed(self.session, TABLES, c, then) for c in shape.crossings)
            if not shape.sliceable or crossed:
                chosen = (step.full, {})
            elif step.sliced is not None:
                chosen = (step.sliced, slice_parameters([shape], then, self.runs.now))
        how = "skipped" if chosen is None else "full" if chosen[0] is step.full else "sliced"
        report.statements[how] += 1
        return chosen


def take_evaluation_lock(session: Session) -> None:
    """Make concurrent evaluations take turns until this transaction ends."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(ADVISORY_LOCK_ID)))
    else:
        # A write that changes nothing still takes SQLite's write lock, held until commit or rollback.
        session.execute(update(ACTIONS).where(false()).values(state=ACTIONS.c.state))


def prepare_planner(session: Session) -> None:
    """Set the database's planner up for the rules' statements, for this transaction.

    SQLite: gather its statistics if the database has never had them. The rules' correlated look-ups need
    the planner to know that ``activities.type`` is far less selective than ``from_lower`` or a contact id;
    without ``sqlite_stat1`` SQLite guesses, and some statements go from seconds to hours on a large CRM
    (imports analyze at their end: ``crm.importer.load``).

    PostgreSQL: no JIT. The correlated look-ups make the planner's cost estimates huge, which turns JIT
    compilation on: up to a second per statement, for index look-ups that take milliseconds.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL jit = off"))
        return
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


def expire(run: Run, rule: Rule, plan: RulePlan, params: dict[str, Any], report: RuleReport) -> None:
    for reason, step in plan.expirations:
        chosen = run.choose(rule, step, report)
        if chosen is None:
            continue
        stmt, extra = chosen
        result = run.session.connection().execute(stmt, {**params, **extra})
        if result.rowcount:
            report.expired[reason] += result.rowcount


def create(run: Run, rule: Rule, plan: RulePlan, params: dict[str, Any], report: RuleReport) -> None:
    # An action this run expired frees its subject for a candidate with another key, wherever that candidate's
    # time columns are: the engine's own writes are decided by the run that makes them, so in full.
    chosen = run.choose(rule, plan.creation, report, full=report.expired_total > 0)
    if chosen is None:
        return
    stmt, extra = chosen
    insert_new(run.session, rule, stmt, {**params, **extra}, report)


def insert_new(
    session: Session, rule: Rule, stmt: Executable, params: dict[str, Any], report: RuleReport
) -> None:
    """Insert the new actions ``stmt`` selects (``CANDIDATE_COLUMNS``), skipping conflicts."""
    rows = [dict(row) for row in session.connection().execute(stmt, params).mappings()]
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


def insert_skipping_conflicts(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert ``rows`` into ``actions``, skipping any that would break a unique constraint; how many went
    in."""
    stmt = insert_on_conflict(session, ACTIONS).returning(ACTIONS.c.id)
    return len(session.connection().execute(stmt, rows).all())
