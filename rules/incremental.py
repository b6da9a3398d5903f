"""Incremental evaluation: run again only what can have changed since a rule's last run.

A rule's statements are a deterministic function of the tables they read and of their parameters. Between
two runs at ``then`` and ``now`` (``then < now``) in which none of the rule's input tables changed
(``rule_input_versions``, kept by triggers: crm/models/rule_run.py) and none of its other parameters did (the
fingerprint: its SQL, the org's final stages, the users' local days), only the time parameters moved:
``now`` and the instants ``now ± Δ`` (``RuleContext.ago`` / ``ahead``). Every one of them appears in a
comparison with a table column (``sent_at > now - 14 days``), or with another of them (a constant
difference, which never changes). A comparison of ``column`` with ``now + Δ`` can only change its truth for
a row whose ``column`` lies in ``[then + Δ, now + Δ]``. So every condition of the statement keeps its truth
value, and the statement returns what it returned at the end of the last run (nothing left to create or to
expire), except for the rows of such crossing intervals:

- where the column belongs to one of the statement's **own rows** (the FROM of a rule's candidates, or the
  action being checked for expiry), the statement runs **sliced**: restricted to the rows whose column
  crossed (``column BETWEEN then + Δ AND now + Δ``, one index range), which decides them exactly as a full
  run would; every other row is decided as last time;
- where it belongs to a **nested** table (a correlated look-up: "the user emailed the contact after now"),
  a crossing row could change the answer for rows anywhere: if any row of that table has the column in its
  interval, the statement runs in **full**; if none has, only its own rows' slice runs (nothing, when it has
  no time columns of its own).

A statement whose time parameters are used any other way (inside a function, against a derived column) is
not sliceable and runs in full whenever ``now`` moved. A rule whose inputs or fingerprint changed, that
never ran, or whose ``now`` went backwards, runs in full. Same inputs and the same ``now``: nothing runs.
The engine's own writes do not count as changes: the run that makes them decides their consequences (after
expiring any of a rule's actions, it looks for the rule's new actions in full: an ended action frees its
subject for a candidate with another key). A user completing or dismissing an action does count
(``actions:<rule>``), as does every write to a CRM table the rule reads: rows inserted or deleted, or a
column the rule reads updated.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Dialect,
    Executable,
    Join,
    Select,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BinaryExpression, ClauseElement, ColumnClause
from sqlalchemy.sql.selectable import Alias, FromClause

from crm.models import RuleInputVersion, RuleRun
from crm.models.base import UTCDateTime
from crm.models.rule_run import EVERYTHING, clear_stale_pause

log = logging.getLogger(__name__)

# Bump when the way results are decided changes in a way the statements' SQL does not show.
FORMAT = "1"

TIME_PARAMETER = re.compile(r"^now(_(plus|minus)_(\d+)s)?$")
COMPARISONS = frozenset({operators.lt, operators.le, operators.gt, operators.ge, operators.eq, operators.ne})


class Mode(StrEnum):
    FULL = "full"  # every statement over the whole CRM
    INCREMENTAL = "incremental"  # only what ``now`` moving can have changed
    UNCHANGED = "unchanged"  # same inputs, same now: nothing to do


def offset_of(parameter: str) -> timedelta:
    """``Δ`` of a time parameter ``now``, ``now_minus_<s>s`` or ``now_plus_<s>s``."""
    match = TIME_PARAMETER.match(parameter)
    if match is None:
        raise ValueError(f"not a time parameter: {parameter}")
    if match.group(1) is None:
        return timedelta(0)
    seconds = int(match.group(3))
    return timedelta(seconds=seconds if match.group(2) == "plus" else -seconds)


def is_time_parameter(node: object) -> bool:
    return isinstance(node, BindParameter) and TIME_PARAMETER.match(node.key) is not None


@dataclass(frozen=True)
class Crossing:
    """A column of a nested table compared with a time parameter."""

    table: str
    column: str
    parameter: str


@dataclass(frozen=True)
class Shape:
    """What incremental runs need to know about one statement."""

    sliceable: bool
    own: tuple[tuple[ColumnElement[Any], str], ...]  # (column of the statement's own rows, time parameter)
    crossings: frozenset[Crossing]
    parameters: frozenset[str]  # the other named parameters it uses (their values go into the fingerprint)
    constants: tuple[str, ...]  # the values of its anonymous parameters, which its SQL does not show
    tables: frozenset[str]
    columns: frozenset[str]  # ``table.column`` of every table column it reads


def own_rows(stmt: Select[Any]) -> list[FromClause]:
    """The FROM elements of ``stmt`` itself, joins taken apart."""
    found: list[FromClause] = []
    pending: list[FromClause] = list(stmt.get_final_froms())
    while pending:
        element = pending.pop()
        if isinstance(element, Join):
            pending += [element.left, element.right]
        else:
            found.append(element)
    return found


def shape_of(stmt: Executable, own: Sequence[FromClause] = ()) -> Shape:
    own_ids = {id(_plain(element)) for element in own}
    own_columns: list[tuple[ColumnElement[Any], str]] = []
    crossings: set[Crossing] = set()
    parameters: set[str] = set()
    constants: list[str] = []
    tables: set[str] = set()
    columns: set[str] = set()
    time_uses = 0
    understood = 0
    for node in visitors.iterate(cast(ClauseElement, stmt)):
        if isinstance(node, Table):
            tables.add(node.name)
        elif isinstance(node, ColumnClause) and (table := _base_table(node.table)) is not None:
            columns.add(f"{table.name}.{node.name}")
        elif is_time_parameter(node):
            time_uses += 1
        elif isinstance(node, BindParameter):
            if node.key.startswith("%("):  # anonymous: a literal value
                constants.append(repr(node.effective_value))
            else:
                parameters.add(node.key)
        if not (isinstance(node, BinaryExpression) and node.operator in COMPARISONS):
            continue
        left, right = node.left, node.right
        if is_time_parameter(left) and is_time_parameter(right):
            understood += 2  # a constant difference: never changes
            continue
        for parameter, other in ((left, right), (right, left)):
            if not is_time_parameter(parameter) or not isinstance(other, ColumnClause):
                continue
            assert isinstance(parameter, BindParameter)
            table = _base_table(other.table)
            if table is None:
                continue
            understood += 1
            if id(_plain(other.table)) in own_ids:
                own_columns.append((other, parameter.key))
            else:
                crossings.add(Crossing(table.name, other.name, parameter.key))
    return Shape(
        sliceable=understood == time_uses,
        own=tuple(own_columns),
        crossings=frozenset(crossings),
        parameters=frozenset(parameters),
        constants=tuple(constants),
        tables=frozenset(tables),
        columns=frozenset(columns),
    )


def slice_condition(own: Iterable[tuple[ColumnElement[Any], str]]) -> ColumnElement[bool] | None:
    """Rows whose own time columns crossed their parameter's interval since the last run (bounds:
    ``slice_parameters``)."""
    terms = [
        column.between(_bound("from", parameter), _bound("to", parameter))
        for column, parameter in dict.fromkeys(own)  # in order, each once
    ]
    return or_(*terms) if terms else None


def slice_parameters(shapes: Iterable[Shape], then: datetime, now: datetime) -> dict[str, datetime]:
    values: dict[str, datetime] = {}
    for shape in shapes:
        for _, parameter in shape.own:
            delta = offset_of(parameter)
            values[f"slice_from_{parameter}"] = then + delta
            values[f"slice_to_{parameter}"] = now + delta
    return values


def _bound(end: str, parameter: str) -> BindParameter[datetime]:
    return bindparam(f"slice_{end}_{parameter}", type_=UTCDateTime())


def _plain(element: Any) -> Any:
    deannotate = getattr(element, "_deannotate", None)
    return deannotate() if deannotate is not None else element


def _base_table(element: Any) -> Table | None:
    while isinstance(element, Alias):
        element = element.element
    element = _plain(element)
    return element if isinstance(element, Table) else None


# --- versions and runs -------------------------------------------------------------------------------------

TRUNCATED_ACTIONS = "actions:*"


def input_names(
    code: str, tables: Iterable[str], columns: Iterable[str], also_actions_of: Iterable[str] = ()
) -> tuple[str, ...]:
    """The version names a rule depends on: its tables (rows inserted or deleted), the columns it reads (rows
    updated), and its own actions (and those of ``also_actions_of``) instead of the ``actions`` table."""
    names = {table for table in tables if table != "actions"}
    names |= {column for column in columns if not column.startswith("actions.")}
    names |= {f"actions:{c}" for c in (code, *also_actions_of)} | {TRUNCATED_ACTIONS, EVERYTHING}
    return tuple(sorted(names))


def read_versions(session: Session) -> dict[str, int]:
    """Every name's version, in this transaction's view. On PostgreSQL the appended rows are folded first."""
    connection = session.connection()
    if clear_stale_pause(connection):
        log.error("the change triggers were left paused by a bulk write: every rule runs in full")
    table = cast(Table, RuleInputVersion.__table__)
    if connection.dialect.name == "postgresql":
        gone = delete(table).returning(table.c.name, table.c.version).cte("gone")
        folded = select(gone.c.name, func.sum(gone.c.version)).group_by(gone.c.name)
        connection.execute(insert(table).from_select(["name", "version"], folded).add_cte(gone))
    rows = connection.execute(select(table.c.name, func.sum(table.c.version)).group_by(table.c.name))
    return {name: int(total) for name, total in rows}


def fingerprint(sql: str, parameters: Iterable[str], values: Mapping[str, Any]) -> str:
    """Everything besides the input tables and ``now`` that a rule's result depends on: its statements
    (``sql``, with their literal values) and the values of their other parameters."""
    used = {name: values.get(name) for name in sorted(parameters)}
    text = json.dumps([FORMAT, sql, used], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def compiled_sql(statements: Iterable[Executable], dialect: Dialect) -> str:
    return "\n;\n".join(str(cast(ClauseElement, stmt).compile(dialect=dialect)) for stmt in statements)


@dataclass
class Runs:
    """The rules' last runs, and the decisions of this one."""

    now: datetime
    previous: dict[str, RuleRun]
    versions: dict[str, int]
    _crossed: dict[tuple[str, str, datetime, datetime], bool] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, now: datetime) -> Runs:
        versions = read_versions(session)
        previous = {run.rule: run for run in session.scalars(select(RuleRun))}
        return cls(now=now, previous=previous, versions=versions)

    def inputs(self, names: Iterable[str]) -> dict[str, int]:
        return {name: self.versions.get(name, 0) for name in names}

    def mode(self, code: str, inputs: Mapping[str, int], print_: str) -> Mode:
        run = self.previous.get(code)
        if (
            run is None
            or run.fingerprint != print_
            or run.inputs != dict(inputs)
            or run.evaluated_at > self.now
        ):
            return Mode.FULL
        return Mode.UNCHANGED if run.evaluated_at == self.now else Mode.INCREMENTAL

    def then(self, code: str) -> datetime:
        return self.previous[code].evaluated_at

    def crossed(
        self, session: Session, tables: Mapping[str, Table], crossing: Crossing, then: datetime
    ) -> bool:
        """Whether any row of the crossing's table has the column in ``[then + Δ, now + Δ]``."""
        delta = offset_of(crossing.parameter)
        low, high = then + delta, self.now + delta
        key = (crossing.table, crossing.column, low, high)
        if key not in self._crossed:
            table = tables[crossing.table]
            stmt = (
                select(literal(1))
                .select_from(table)
                .where(table.c[crossing.column].between(low, high))
                .limit(1)
            )
            self._crossed[key] = session.connection().execute(stmt).first() is not None
        return self._crossed[key]

    def record(self, session: Session, code: str, inputs: Mapping[str, int], print_: str) -> None:
        run = self.previous.get(code)
        if run is None:
            run = RuleRun(rule=code)
            session.add(run)
            self.previous[code] = run
        run.evaluated_at = self.now
        run.fingerprint = print_
        run.inputs = dict(inputs)
