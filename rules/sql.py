"""SQL fragments the rules share, named after docs/guided-actions.md's words.

Every fragment aliases the tables it reads and correlates everything else it mentions to the enclosing
queries, at any depth (``rows_of``): SQLAlchemy's automatic correlation only looks one level up, and a
fragment nested in an expiration condition often refers to the action two or three levels up.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Exists,
    ScalarSelect,
    Select,
    String,
    and_,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from crm.models import (
    Activity,
    ActivityContact,
    ActivityDeal,
    Contact,
    Deal,
    DealContact,
    EmailRecipient,
    EngagementEvent,
    Lead,
    Stage,
)

# A SQL value a fragment accepts: a column expression or a mapped attribute (of a model or an alias).
Value = ColumnElement[Any] | QueryableAttribute[Any]

# The activity types that are an "engagement of a deal" and an "activity" for R16 (not tasks).
ENGAGEMENT_TYPES = ("email", "call", "meeting", "note")

KEY_SEPARATOR = "|"

CLOSING = "closing"
PROSPECTING = "prospecting"


def is_live(state: Value) -> ColumnElement[bool]:
    """An action's state is ``open`` or ``snoozed``, written with literal values: SQLite uses the partial
    unique index ``... WHERE state IN ('open', 'snoozed')`` only when a query's condition visibly implies
    it, which a bound parameter does not."""
    return state.in_([literal_column(f"'{state_}'") for state_ in ("open", "snoozed")])


def is_type(type_: Value, activity_type: str) -> ColumnElement[bool]:
    """An activity's type is ``activity_type``, written as a literal value for the same reason as ``is_live``:
    SQLite's partial index ``ix_activities_meeting_ended`` (``WHERE type = 'meeting'``) serves R06 and R07's
    time windows only when the query's condition names the type word for word."""
    return type_ == literal_column(f"'{activity_type}'")


def rows_of(*froms: Any) -> Select[Any]:
    """``SELECT 1 FROM froms``, correlated to enclosing queries for every other table its conditions name."""
    return select(literal(1)).select_from(*froms).correlate_except(*froms)


def where_first(stmt: Select[Any], *conditions: ColumnElement[bool]) -> Select[Any]:
    """``stmt`` (a plain ``SELECT ... FROM ... WHERE``) with ``conditions`` ahead of its own criteria.

    SQLite tests a row's correlated-subquery conditions in their WHERE order, once the tables they read are
    joined, and stops at the first false one; PostgreSQL's planner also keeps their order among equally
    costed filters. Putting cheap index look-ups first spares the rest for the rows they reject.
    """
    if stmt._group_by_clauses or stmt._having_criteria or stmt._distinct or stmt._limit_clause is not None:
        raise ValueError("where_first takes a plain SELECT ... FROM ... WHERE")
    rebuilt = select(*stmt.selected_columns).select_from(*stmt.get_final_froms()).where(*conditions)
    return rebuilt if stmt.whereclause is None else rebuilt.where(stmt.whereclause)


# --- keys ----------------------------------------------------------------------------------------------


def key_text(*parts: str) -> str:
    """The key of an action made of ``parts`` (CRM ids, a local date), as ``key_of`` builds it in SQL.

    Every part but the last has ``\\`` and ``|`` escaped, so the first unescaped ``|`` always splits a key
    back into its parts: two different id pairs can never make the same key.
    """
    escaped = [part.replace("\\", "\\\\").replace(KEY_SEPARATOR, "\\" + KEY_SEPARATOR) for part in parts[:-1]]
    return KEY_SEPARATOR.join([*escaped, parts[-1]])


def key_of(*parts: Value) -> Value:
    """``key_text`` in SQL."""
    key: Value = parts[-1]
    for part in reversed(parts[:-1]):
        escaped = func.replace(func.replace(part, "\\", "\\\\"), KEY_SEPARATOR, "\\" + KEY_SEPARATOR)
        key = escaped.concat(KEY_SEPARATOR).concat(key)
    return key


def last_key_part(key: Value, *leading: Value) -> ColumnElement[Any]:
    """The last part of ``key``, built by ``key_of(*leading, last)``: what follows the leading parts and
    their separators. Lets a condition look that part up by index instead of rebuilding every candidate's
    key to compare it."""
    return func.substr(key, func.length(key_of(*leading, literal("", String()))) + 1)


# --- addresses -----------------------------------------------------------------------------------------


class email_domain(FunctionElement[str]):
    """The part of an address after ``@`` (pass it lower-cased: a domain compares lower-cased)."""

    type = String()
    inherit_cache = True
    name = "email_domain"


@compiles(email_domain)
def _email_domain_sqlite(element: email_domain, compiler: SQLCompiler, **kw: Any) -> str:
    (address,) = list(element.clauses)
    text = compiler.process(address, **kw)
    return f"substr({text}, instr({text}, '@') + 1)"


@compiles(email_domain, "postgresql")
def _email_domain_postgresql(element: email_domain, compiler: SQLCompiler, **kw: Any) -> str:
    (address,) = list(element.clauses)
    return f"split_part({compiler.process(address, **kw)}, '@', 2)"


class unindexed(FunctionElement[Any]):
    """The value unchanged, hidden from SQLite's planner: ``+value`` (SQLite's documented way to keep a term
    from choosing an index). For a look-up whose best index the planner misjudges, such as an ``IN`` over a
    subquery whose size it cannot know. Plain ``value`` elsewhere."""

    inherit_cache = True
    name = "unindexed"

    @property
    def type(self) -> Any:  # type: ignore[override]
        (value,) = list(self.clauses)
        return value.type


@compiles(unindexed)
def _unindexed(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = list(element.clauses)
    return compiler.process(value, **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = list(element.clauses)
    return f"+{compiler.process(value, **kw)}"


def is_recipient(email_id: Value, address: Value) -> Exists:
    """``address`` is among the email's ``to`` or ``cc``."""
    r = aliased(EmailRecipient)
    return rows_of(r).where(r.activity_id == email_id, r.address_lower == address).exists()


def primary_recipient(email_id: Value) -> ScalarSelect[Any]:
    """The first address of the email's ``to`` list, lower-cased."""
    r = aliased(EmailRecipient)
    return (
        select(r.address_lower)
        .where(r.activity_id == email_id, r.kind == "to")
        .order_by(r.position)
        .limit(1)
        .correlate_except(r)
        .scalar_subquery()
    )


def user_emailed(
    user_id: Value,
    address: Value,
    *,
    after: Value | None = None,
    tracked_only: bool = False,
) -> Exists:
    """An outgoing email owned by the user has ``address`` among its ``to`` or ``cc`` (sent after ``after``).

    docs/guided-actions.md, "Words": tracked or not unless ``tracked_only``; addresses compare
    lower-cased.
    """
    r = aliased(EmailRecipient)
    e = aliased(Activity)
    query = (
        rows_of(r)
        .join(e, e.id == r.activity_id)
        .correlate_except(r, e)
        .where(
            r.address_lower == address,
            e.owner_id == user_id,
            e.type == "email",
            e.direction == "outgoing",
        )
    )
    if after is not None:
        query = query.where(e.sent_at > after)
    if tracked_only:
        query = query.where(e.tracked.is_(true()))
    return query.exists()


def contact_emailed_user(address: Value, user_address: Value) -> Exists:
    """An incoming email from ``address`` has the user among its recipients (R01, R10).

    Looked up from the contact's side (its few emails, then each one's recipients): a user receives
    thousands of emails, so the planner must not start from the recipients with the user's address."""
    e = aliased(Activity)
    return (
        rows_of(e)
        .where(
            e.from_lower == address,
            e.type == "email",
            e.direction == "incoming",
            is_recipient(e.id, user_address),
        )
        .exists()
    )


# --- stages, deals and leads ---------------------------------------------------------------------------


def stage_state_is(record: Any, state: str) -> Exists:
    """The deal's or lead's stage has ``state`` (``open``, ``won`` or ``lost``)."""
    s = aliased(Stage)
    return (
        rows_of(s)
        .where(s.pipeline_id == record.pipeline_id, s.id == record.stage_id, s.state == state)
        .exists()
    )


def in_first_stage(record: Any) -> Exists:
    """The deal or lead sits in the stage with the lowest ``order`` of its pipeline."""
    s = aliased(Stage)
    s2 = aliased(Stage)
    lowest = (
        select(func.min(s2.order))
        .where(s2.pipeline_id == s.pipeline_id)
        .correlate_except(s2)
        .scalar_subquery()
    )
    return (
        rows_of(s)
        .where(s.pipeline_id == record.pipeline_id, s.id == record.stage_id, s.order == lowest)
        .exists()
    )


def contacts_with_open_lead() -> Select[Any]:
    lead = aliased(Lead)
    s = aliased(Stage)
    return (
        select(lead.contact_id)
        .join(s, and_(s.pipeline_id == lead.pipeline_id, s.id == lead.stage_id))
        .where(s.state == "open")
    )


def activity_on_open_deal(activity_id: Value) -> Exists:
    """The activity is associated with a deal in an open stage.

    A join with per-row key look-ups rather than ``deal_id IN (<open deals>)``: SQLite re-evaluates such a
    list inside a correlated subquery for every outer row."""
    ad = aliased(ActivityDeal)
    deal = aliased(Deal)
    return (
        rows_of(ad)
        .join(deal, deal.id == ad.deal_id)
        .correlate_except(ad, deal)
        .where(ad.activity_id == activity_id, stage_state_is(deal, "open"))
        .exists()
    )


def closing_if(condition: ColumnElement[bool]) -> ColumnElement[str]:
    """A *by subject* category: ``closing`` when the primary object is associated with an open deal."""
    return case((condition, literal(CLOSING)), else_=literal(PROSPECTING))


# --- association snapshots -----------------------------------------------------------------------------


def first_contact_of_activity(activity_id: Value) -> ScalarSelect[Any]:
    ac = aliased(ActivityContact)
    return (
        select(ac.contact_id)
        .where(ac.activity_id == activity_id)
        .order_by(ac.position)
        .limit(1)
        .correlate_except(ac)
        .scalar_subquery()
    )


def first_contact_of_deal(deal_id: Value) -> ScalarSelect[Any]:
    dc = aliased(DealContact)
    return (
        select(dc.contact_id)
        .where(dc.deal_id == deal_id)
        .order_by(dc.position)
        .limit(1)
        .correlate_except(dc)
        .scalar_subquery()
    )


def first_recipient_contact(email_id: Value) -> ScalarSelect[Any]:
    """The first recipient of an outgoing email (``to`` before ``cc``) that is a contact."""
    r = aliased(EmailRecipient)
    c = aliased(Contact)
    return (
        select(c.id)
        .select_from(r)
        .join(c, c.email_lower == r.address_lower)
        .where(r.activity_id == email_id)
        .order_by(r.kind.desc(), r.position, c.id)
        .limit(1)
        .correlate_except(r, c)
        .scalar_subquery()
    )


def company_of(contact_id: Value) -> ScalarSelect[Any]:
    c = aliased(Contact)
    return select(c.company_id).where(c.id == contact_id).correlate_except(c).scalar_subquery()


def newer_than(other: Any, row: Any, time: str) -> ColumnElement[bool]:
    """``other`` comes after ``row`` by ``time``, ties broken by the larger id: "most recent" is the row
    with no newer one."""
    return or_(
        getattr(other, time) > getattr(row, time),
        and_(getattr(other, time) == getattr(row, time), other.id > row.id),
    )


def owned_by(model: Any, record_id: Value, user_id: Value) -> Exists:
    """The contact, lead, deal or activity ``record_id`` exists and is owned by the user."""
    record = aliased(model)
    return rows_of(record).where(record.id == record_id, record.owner_id == user_id).exists()


def user_emailed_contact(user_id: Value, contact_id: Value, *, after: Value) -> Exists:
    """The user emailed the contact ``contact_id`` after ``after`` ("responded")."""
    c = aliased(Contact)
    return rows_of(c).where(c.id == contact_id, user_emailed(user_id, c.email_lower, after=after)).exists()


def sent_at_of(email_id: Value) -> ScalarSelect[Any]:
    e = aliased(Activity)
    return select(e.sent_at).where(e.id == email_id).correlate_except(e).scalar_subquery()


def latest_event(event: Any) -> ColumnElement[bool]:
    """The engagement event is its contact's most recent one."""
    other = aliased(EngagementEvent)
    return (
        ~rows_of(other).where(other.contact_id == event.contact_id, newer_than(other, event, "at")).exists()
    )


def engaged_at_or_after(contact_id: Value, since: Any) -> Exists:
    """The contact has an engagement event at or after ``since``."""
    event = aliased(EngagementEvent)
    return rows_of(event).where(event.contact_id == contact_id, event.at >= since).exists()


def deal_closed(deal_id: Value) -> Exists:
    """The deal exists and its stage is not open (``won`` or ``lost``)."""
    deal = aliased(Deal)
    return rows_of(deal).where(deal.id == deal_id, ~stage_state_is(deal, "open")).exists()
