"""Writing a validated dataset: upserts by id, in batches, inside the caller's transaction.

Rows go in batches as ``INSERT ... ON CONFLICT DO UPDATE`` (both SQLite and PostgreSQL), compiled by
SQLAlchemy and executed straight through the driver. Child rows (associations, recipients, histories,
goals) are replaced for every parent in the batch, so importing the same file twice leaves the same
database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    and_,
    delete,
    exists,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import AddConstraint, DropConstraint

from crm.db import insert_on_conflict
from crm.models import (
    Activity,
    ActivityCompany,
    ActivityContact,
    ActivityDeal,
    ActivityLead,
    Company,
    Contact,
    Deal,
    DealCloseDate,
    DealContact,
    DealScore,
    EmailRecipient,
    EngagementEvent,
    Enrollment,
    Lead,
    Org,
    Pipeline,
    Sequence,
    Stage,
    Team,
    User,
    UserGoal,
)
from crm.models.activity import activity_times
from crm.models.base import UTCDateTime
from crm.models.org import ORG_ROW_ID
from crm.models.rule_run import pause_change_counting, resume_change_counting

BATCH = 2_000
Rows = dict[Table, list[dict[str, Any]]]


@dataclass
class Values:
    """Rows already as the driver takes them (``convert``): each a list of values in ``names``' order.
    A HubSpot sync's reading side makes its activities' rows so (``hubspot_connector.prepare``)."""

    names: list[str]
    rows: list[list[Any]]

    def __len__(self) -> int:
        return len(self.rows)


Batch = list[dict[str, Any]] | Values


def _names_of(rows: Batch) -> list[str]:
    return rows.names if isinstance(rows, Values) else list(rows[0])


def upsert(connection: Connection, table: Table, rows: Batch) -> None:
    """Insert ``rows``, updating those whose primary key exists."""
    if rows:
        keys = [column.name for column in table.primary_key.columns]
        updated = [name for name in _names_of(rows) if name not in keys]
        # No column to update: conflicts skipped on any constraint, as before (keys only with an update).
        stmt = insert_on_conflict(connection, table, keys=keys if updated else None, update=updated)
        _execute_many(connection, stmt, table, rows)


def insert_new(connection: Connection, table: Table, rows: Batch) -> None:
    """Insert ``rows``, none of which should be in ``table`` yet: a plain insert (COPY on PostgreSQL), cheaper
    than ``upsert``; if one is after all (another connection wrote it meanwhile), ``upsert`` them."""
    if not rows:
        return
    try:
        with connection.begin_nested():
            _execute_many(connection, insert(table), table, rows)
    except (IntegrityError, connection.dialect.loaded_dbapi.IntegrityError):  # (COPY is the driver's own)
        upsert(connection, table, rows)


_SIMPLE_TYPES = (String, Integer, Boolean, Float, Numeric, Date, UTCDateTime)


def _sqlite_time(value: datetime) -> str:
    # SQLAlchemy's own SQLite storage format for DateTime, so SQL comparisons with its binds agree.
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _converter(column_type: Any, sqlite_dialect: bool) -> Callable[[Any], Any] | None:
    """How a value of this column reaches the driver, exactly as the column type would bind it."""
    if isinstance(column_type, UTCDateTime):
        # PostgreSQL: a timestamptz column keeps the instant whatever the offset it is sent with.
        return _sqlite_time if sqlite_dialect else None
    if sqlite_dialect and isinstance(column_type, Numeric) and not isinstance(column_type, Float):
        return float
    if sqlite_dialect and isinstance(column_type, Date):
        return date.isoformat
    return None


def driver_converters(table: Table, names: list[str], dialect: str) -> list[tuple[int, Callable[[Any], Any]]]:
    """(position, converter) of the columns among ``names`` whose values the driver takes converted."""
    sqlite_dialect = dialect == "sqlite"
    return [
        (i, conv) for i, name in enumerate(names) if (conv := _converter(table.c[name].type, sqlite_dialect))
    ]


def convert(row: list[Any], converters: list[tuple[int, Callable[[Any], Any]]]) -> list[Any]:
    """``row``'s values as the driver takes them (``driver_converters``), in place. A value in several
    columns (an activity's time is often its start and end too) is converted once."""
    done: dict[int, Any] = {}
    for i, conv in converters:
        value = row[i]
        if value is not None:
            key = id(value)  # the row holds every value: no id is reused while it is converted
            if key not in done:
                done[key] = conv(value)
            row[i] = done[key]
    return row


def _execute_many(connection: Connection, stmt: Any, table: Table, rows: Batch) -> None:
    """executemany, straight to the driver for tables of plain columns.

    SQLAlchemy's per-parameter processing costs more than the database itself on imports of millions of
    rows; the statement is still compiled by SQLAlchemy for the dialect, and values are converted here
    exactly as the column types would (UTC times in SQLAlchemy's SQLite text format). ``Values`` are
    converted already.
    """
    names = _names_of(rows)
    simple = all(isinstance(table.c[name].type, _SIMPLE_TYPES) for name in names)
    compiled = stmt.compile(dialect=connection.dialect, column_keys=names) if simple else None
    # The statement's parameters, in its order (positional) or by name: a column default may add one.
    order = names if compiled is None else list(compiled.positiontup or compiled.params)
    if compiled is None or not set(order) <= set(names):  # a column default SQLAlchemy would fill in: let it
        if isinstance(rows, Values):
            raise ValueError(f"{table.name}: rows as driver values need plain columns, all of them given")
        connection.execute(stmt, rows)
        return
    values: list[Any]
    if isinstance(rows, Values):
        if order == names:
            values = rows.rows
        else:
            positions = [names.index(name) for name in order]
            values = [[row[i] for i in positions] for row in rows.rows]
    else:
        converters = driver_converters(table, order, connection.dialect.name)
        pick = itemgetter(*order)
        if len(order) == 1:
            values = [(pick(row),) for row in rows]
        elif not converters:
            values = [pick(row) for row in rows]
        else:
            values = [convert(list(pick(row)), converters) for row in rows]
    if connection.dialect.name == "postgresql" and len(values) >= COPY_FROM:
        _copy(connection, stmt, table, order, values)
        return
    params: list[Any] = (
        [tuple(v) for v in values]
        if compiled.positiontup is not None
        else [dict(zip(order, v, strict=True)) for v in values]
    )
    connection.exec_driver_sql(str(compiled), params)


COPY_FROM = 32  # rows: from this many, PostgreSQL gets them by COPY rather than a statement per row


def _copy(connection: Connection, stmt: Any, table: Table, names: list[str], values: list[Any]) -> None:
    """PostgreSQL: the same writes as ``stmt`` executed once per row, by COPY (psycopg 3), several times
    faster. A plain insert copies straight into the table; an upsert copies into a temporary table of the same
    columns, then inserts from it with the statement's own ON CONFLICT clause (a key twice in one batch:
    the last row wins, as it would row by row)."""
    upserting = getattr(stmt, "_post_values_clause", None) is not None
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    columns = ", ".join(f'"{name}"' for name in names)
    if not upserting:
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for row in values:
                copy.write_row(row)
        return
    keys = [column.name for column in table.primary_key.columns]
    positions = [names.index(key) for key in keys]
    last = {tuple(row[i] for i in positions): row for row in values}
    stage = f"salesbot_stage_{table.name}"
    cursor.execute(f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" (LIKE "{table.name}") ON COMMIT DROP')
    cursor.execute(f'TRUNCATE "{stage}"')
    with cursor.copy(f'COPY "{stage}" ({columns}) FROM STDIN') as copy:
        for row in last.values():
            copy.write_row(row)
    staged = Table(stage, MetaData(), *(Column(name, table.c[name].type) for name in names))
    from_stage = postgresql.insert(table).from_select(names, select(*staged.c))
    updates = {name: from_stage.excluded[name] for name in names if name not in keys}
    final = (
        from_stage.on_conflict_do_update(index_elements=keys, set_=updates)
        if updates
        else from_stage.on_conflict_do_nothing()
    )
    connection.execute(final)


def _t(model: Any) -> Table:
    return model.__table__


def _org_row(r: Any) -> dict[str, Any]:
    urls = r.record_urls.model_dump(exclude_none=True) if r.record_urls is not None else None
    return {"id": ORG_ROW_ID, **r.model_dump(exclude={"record_urls"}), "record_urls": urls}


def _team_rows(r: Any, rows: Rows) -> dict[str, Any]:
    return {"id": r.id, "name": r.name, "parent_id": r.parent_id}


def _user_rows(r: Any, rows: Rows) -> dict[str, Any]:
    rows[_t(UserGoal)].extend(
        {"user_id": r.id, "position": i, "metric": g.metric, "period": g.period, "target": g.target}
        for i, g in enumerate(r.goals)
    )
    return {
        "id": r.id,
        "email": r.email,
        "name": r.name,
        "team_id": r.team_id,
        "role": r.role,
        "timezone": r.timezone,
        "slack_user_id": r.slack_user_id,
        **{f"access_{kind}": level for kind, level in r.access.model_dump().items()},
        "digest_enabled": r.digest.enabled,
        "digest_time": r.digest.time,
        "digest_weekdays": list(r.digest.weekdays),
        "digest_send_when_empty": r.digest.send_when_empty,
        "digest_team": r.digest.team,
    }


def _plain(r: Any, rows: Rows) -> dict[str, Any]:
    return r.model_dump()


def _contact_rows(r: Any, rows: Rows) -> dict[str, Any]:
    return {**r.model_dump(), "email_lower": r.email.lower() if r.email else None}


def _pipeline_rows(r: Any, rows: Rows) -> dict[str, Any]:
    rows[_t(Stage)].extend({"pipeline_id": r.id, **stage.model_dump()} for stage in r.stages)
    return {"id": r.id, "object": r.object, "name": r.name}


def _deal_rows(r: Any, rows: Rows) -> dict[str, Any]:
    rows[_t(DealContact)].extend(
        {"deal_id": r.id, "contact_id": c, "position": i} for i, c in enumerate(r.contact_ids)
    )
    rows[_t(DealScore)].extend(
        {"deal_id": r.id, "position": i, "at": s.at, "score": float(s.score)}
        for i, s in enumerate(r.score_history)
    )
    rows[_t(DealCloseDate)].extend(
        {"deal_id": r.id, "position": i, "at": h.at, "close_date": h.close_date}
        for i, h in enumerate(r.close_date_history)
    )
    return r.model_dump(exclude={"contact_ids", "score_history", "close_date_history"})


_ACTIVITY_COLUMNS = frozenset(column.name for column in _t(Activity).columns)
ACTIVITY_LINKS = {
    "contacts": (ActivityContact, "contact_id"),
    "companies": (ActivityCompany, "company_id"),
    "deals": (ActivityDeal, "deal_id"),
    "leads": (ActivityLead, "lead_id"),
}


_ACTIVITY_NONE = dict.fromkeys(_ACTIVITY_COLUMNS)
_RENAMED = {"email": (("from_", "from_address"),), "meeting": (("start", "start_at"), ("end", "end_at"))}


def activity_rows(r: Any, rows: Rows) -> dict[str, Any]:
    # Every column, then the validated fields as they are (``__dict__``: no copy of the lists, only read).
    data = _ACTIVITY_NONE.copy()
    data.update(r.__dict__)
    for field, column in _RENAMED.get(r.type, ()):
        data[column] = data.pop(field)
    associations = data.pop("associations")
    for kind, (model, column) in ACTIVITY_LINKS.items():
        targets = getattr(associations, kind)
        if targets:
            rows[_t(model)].extend(
                {"activity_id": r.id, column: target, "position": i} for i, target in enumerate(targets)
            )
    if r.type == "email":
        data["from_lower"] = r.from_.lower()
        for kind in ("to", "cc"):
            addresses = data.pop(kind)
            if addresses:
                rows[_t(EmailRecipient)].extend(
                    {
                        "activity_id": r.id,
                        "kind": kind,
                        "position": i,
                        "address": a,
                        "address_lower": a.lower(),
                    }
                    for i, a in enumerate(addresses)
                )
    data["occurred_at"], data["ended_at"] = activity_times(
        r.type,
        sent_at=data["sent_at"],
        started_at=data["started_at"],
        duration_s=data["duration_s"],
        start_at=data["start_at"],
        end_at=data["end_at"],
        created_at=data["created_at"],
    )
    # Every row of a batch must have the same keys for executemany: the other types' columns are None.
    return data


# collection -> (parent model, row builder, child tables replaced per parent with their parent column)
WRITERS: dict[str, tuple[Any, Callable[[Any, Rows], dict[str, Any]], list[tuple[Any, str]]]] = {
    "teams": (Team, _team_rows, []),
    "users": (User, _user_rows, [(UserGoal, "user_id")]),
    "companies": (Company, _plain, []),
    "contacts": (Contact, _contact_rows, []),
    "pipelines": (Pipeline, _pipeline_rows, []),  # stages are upserted, never deleted (deals use them)
    "sequences": (Sequence, _plain, []),
    "leads": (Lead, _plain, []),
    "deals": (
        Deal,
        _deal_rows,
        [(DealContact, "deal_id"), (DealScore, "deal_id"), (DealCloseDate, "deal_id")],
    ),
    "enrollments": (Enrollment, _plain, []),
    "activities": (
        Activity,
        activity_rows,
        [(EmailRecipient, "activity_id")] + [(model, "activity_id") for model, _ in ACTIVITY_LINKS.values()],
    ),
    "engagement_events": (EngagementEvent, _plain, []),
}


SMALL_COLLECTIONS = ("users", "teams", "pipelines", "sequences")  # loaded with their indexes


def _tables(key: str) -> list[Table]:
    """A collection's tables: its records', then their child rows'."""
    model, _, children = WRITERS[key]
    return [_t(model), *(_t(child) for child, _ in children)]


def secondary_indexes(key: str) -> list[Index]:
    """The indexes of a collection's tables (its records' and their child rows'), in a fixed order."""
    return [index for table in _tables(key) for index in sorted(table.indexes, key=lambda i: str(i.name))]


def foreign_keys(key: str) -> list[ForeignKeyConstraint]:
    """The foreign keys of a collection's tables (its records', then their child rows'), in a fixed order."""
    return [
        fk
        for table in _tables(key)
        for fk in sorted(table.foreign_key_constraints, key=lambda k: str(k.name))
    ]


def _keys_in_database(connection: Connection) -> set[tuple[str, str]]:
    """PostgreSQL: (table, name) of every foreign key of the schema, as the catalog has them."""
    stmt = (
        "SELECT c.relname, k.conname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE k.contype = 'f' AND n.nspname = current_schema()"
    )
    return {(table, name) for table, name in connection.execute(text(stmt))}


def present_foreign_keys(connection: Connection, key: str) -> list[ForeignKeyConstraint]:
    """PostgreSQL: those of a collection's foreign keys that are in the database (a bulk load drops them)."""
    present = _keys_in_database(connection)
    return [fk for fk in foreign_keys(key) if (fk.table.name, fk.name) in present]


def restore_foreign_keys(connection: Connection, keys: Iterable[str]) -> dict[str, int]:
    """PostgreSQL: add back those of the collections' foreign keys that are missing (dropped for a load that
    ended, or never finished), each checked by one join.

    While a key was away nothing enforced it: a record another process deleted meanwhile may still be
    referenced. Such rows are first made to meet the key as the deletion would have, had the key been
    there: deleted (the key cascades, or the column cannot be empty) or their reference emptied. Returns the
    rows so changed, per table (none in a load nothing else wrote to)."""
    if connection.dialect.name != "postgresql":
        return {}
    changed: dict[str, int] = {}
    present = _keys_in_database(connection)  # looked up once for all the collections
    for key in keys:
        for fk in foreign_keys(key):
            if (fk.table.name, fk.name) in present:
                continue
            try:  # as a rule every row meets it: one join checks them all
                with connection.begin_nested():
                    connection.execute(AddConstraint(fk))
                continue
            except IntegrityError:
                pass
            if n := _meet(connection, fk):
                changed[fk.table.name] = changed.get(fk.table.name, 0) + n
            connection.execute(AddConstraint(fk))
    return changed


def _meet(connection: Connection, fk: ForeignKeyConstraint) -> int:
    """The rows of ``fk``'s table referencing no row of the table it references, deleted or made to reference
    none (see ``restore_foreign_keys``); how many."""
    table = fk.table
    referenced = fk.referred_table.alias()  # an alias: a table may reference itself
    columns = [(element.parent, referenced.c[element.column.name]) for element in fk.elements]
    orphan = and_(
        *(column.is_not(None) for column, _ in columns),
        ~exists().where(*(target == column for column, target in columns)),
    )
    if fk.ondelete == "CASCADE" or not all(column.nullable for column, _ in columns):
        return connection.execute(delete(table).where(orphan)).rowcount
    return connection.execute(update(table).where(orphan).values({c.name: None for c, _ in columns})).rowcount


def create_missing_indexes(connection: Connection, keys: Iterable[str]) -> None:
    """Create those of the collections' indexes that do not exist (dropped by a load that never finished).
    Looked up in the catalog first: even a CREATE INDEX IF NOT EXISTS locks its table on PostgreSQL."""
    if connection.dialect.name == "postgresql":
        stmt = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    else:
        stmt = "SELECT name FROM sqlite_master WHERE type = 'index'"
    present = set(connection.execute(text(stmt)).scalars())
    for key in keys:
        for index in secondary_indexes(key):
            if index.name not in present:
                index.create(connection)


def prepare_for_bulk_load(connection: Connection) -> None:
    """Check foreign keys at commit, not per row, so collections may arrive in any order; on PostgreSQL, sort
    the rebuilt indexes in memory; on SQLite, give this connection a page cache large enough for the
    primary-key B-trees of millions of rows (the 2 MB default turns each insert into page misses once a
    table outgrows it)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET CONSTRAINTS ALL DEFERRED"))
        # The indexes rebuilt after a bulk load sort millions of rows: in memory rather than on disk runs
        # (the 64 MB default), for this transaction only.
        connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    else:
        connection.execute(text("PRAGMA defer_foreign_keys = ON"))
        connection.execute(text("PRAGMA cache_size = -1048576"))  # up to 1 GiB, allocated only as used


def end_bulk_load(connection: Connection) -> None:
    """SQLite: back to the default page cache (2 MB), freeing what a bulk load took, before the connection
    returns to a long-lived process's pool (the clock's syncs)."""
    if connection.dialect.name == "sqlite":
        connection.execute(text("PRAGMA cache_size = -2000"))


class Writer:
    """Buffers validated records per collection and writes them in batches; the caller owns the
    transaction (and rolls it back if validation finds an error anywhere in the file)."""

    def __init__(
        self,
        connection: Connection,
        progress: Callable[[str, int], None] | None = None,
        *,
        bulk: bool = True,
        new_records: bool = False,
        keep_indexes: bool = False,
        background: bool = False,
        references_met: Callable[[str, str], bool] | None = None,
    ) -> None:
        """``bulk=False`` for small writes into a live store (the HubSpot sync's pages): the rule engine's
        change counting stays on row by row and no index is dropped. ``new_records=True``: the caller knows
        none of the records added is in the store yet (a full sync's pages into a table empty when it began),
        so they have no child rows to delete, and a bulk write inserts them plainly (no upsert).
        ``keep_indexes=True``: the caller manages the indexes (a HubSpot sync drops them once for all the
        pages of a table empty when it began). ``background=True`` (an
        import on PostgreSQL): batches are written on a thread of their own while the caller validates the
        next ones (use the writer as a context manager, and ``drain`` it before using the connection).
        ``references_met(collection, id)``: whether every record referenced so far is written, but for that
        one (the validator's ``Checker.references_met``); only then are a bulk load's foreign keys dropped."""
        self.connection = connection
        self.progress = progress
        self.bulk = bulk
        self.new_records = new_records
        self.keep_indexes = keep_indexes
        self.key: str | None = None
        self.buffer: list[Any] = []
        # Child rows can only exist for parents already stored: on a table empty before this import the
        # per-batch deletes of child rows are skipped. Looked at when a collection starts (before it is
        # written; no other collection writes its table): a HubSpot sync's page writes only one.
        self.had_rows: dict[str, bool] = {}
        self.dropped: list[tuple[str, Index]] = []  # (collection, index)
        self.dropped_keys: list[ForeignKeyConstraint] = []  # PostgreSQL
        self.started: set[str] = set()
        self.paused = False  # the change triggers paused by this writer (SQLite)
        self.executor = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer")
            if background and connection.dialect.name == "postgresql"
            else None
        )
        self.pending: Future[None] | None = None
        self.references_met = references_met
        self.unchecked: set[str] = set()  # collections whose tables have no foreign key while loading

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: Any) -> None:
        try:
            if kind is None:
                self._wait()
            elif self.pending is not None:
                # Already failing: the connection must be free before the caller rolls back; the first error
                # is the one to report.
                wait([self.pending])
                self.pending = None
        finally:
            if self.executor is not None:
                self.executor.shutdown()

    def _in_background(self, work: Callable[[], None]) -> None:
        """Run ``work`` (writes on this connection) on the writer's thread, after the work before it. Most of
        a batch's time on PostgreSQL is spent waiting for the server, without the GIL: meanwhile the caller
        validates the next records. Without a thread, runs it now."""
        self._wait()
        if self.executor is None:
            work()
        else:
            self.pending = self.executor.submit(work)

    def _wait(self) -> None:
        """Before the connection is used here: the background work done (its error raised here)."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending.result()

    def drain(self) -> None:
        """Everything added written: the connection is the caller's again."""
        self.flush()
        self._wait()

    def _suspend_change_counting(self) -> None:
        """SQLite counts changes for the rule engine with row triggers (migration 0009), two statements per
        row written: a fifth of a large import's time. A bulk write pauses them for its transaction
        (``pause_change_counting``, migration 0015) and counts one change of everything in ``finish``. (It
        used to drop the triggers of each collection's tables and create them again: a dozen DDL statements
        per HubSpot page, each making SQLite prepare every statement again.) PostgreSQL counts once per
        transaction anyway."""
        if self.bulk and not self.paused:
            self.paused = pause_change_counting(self.connection)

    def _loading_empty(self, key: str) -> bool:
        """Whether ``key``'s tables are bulk-loaded from empty: no stored row can conflict with the file's
        (ids are unique in a valid file, and nothing is written once validation failed), so rows go in by
        plain insert (COPY on PostgreSQL) without indexes or foreign keys, both restored in ``finish``."""
        return self.bulk and not self.keep_indexes and not self.had_rows[key] and key not in SMALL_COLLECTIONS

    def _drop_indexes_while_loading(self, key: str, first: Any) -> None:
        """Bulk-loading an empty table is several times faster without its secondary indexes; they are
        rebuilt once, sorted, in ``finish`` (inside the same transaction, so a rollback restores them).
        PostgreSQL: its foreign keys too, which would otherwise queue one deferred check per row and key (a
        sixth of a large import's time); added back in ``finish``, each checked by one join."""
        if not self._loading_empty(key):
            return
        for index in secondary_indexes(key):
            index.drop(self.connection)
            self.dropped.append((key, index))
        if self.connection.dialect.name == "postgresql":
            self._drop_foreign_keys(key, first)

    def _drop_foreign_keys(self, key: str, first: Any) -> None:
        present = present_foreign_keys(self.connection, key)
        # Dropping a key alters the table it references too, which PostgreSQL refuses while checks of rows
        # written earlier (into small tables: users -> teams) are pending: they are run now, which only works
        # if every record those rows reference is written already (``first``, read, is not).
        if present and (self.references_met is None or not self.references_met(key, first.id)):
            return  # the keys stay, checked row by row at the end
        self.unchecked.add(key)
        if not present:
            return
        self.connection.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
        self.connection.execute(text("SET CONSTRAINTS ALL DEFERRED"))
        for fk in present:
            self.connection.execute(DropConstraint(fk))
        self.dropped_keys += present

    def org(self, record: Any) -> None:
        self._wait()
        upsert(self.connection, _t(Org), [_org_row(record)])

    def _index_finished(self, key: str) -> None:
        """With a writer thread: a collection's indexes built as soon as its run ends, while the next
        collection is validated, if its tables have no pending checks (their foreign keys were dropped). If
        the collection comes again later, its rows go into the indexed tables."""
        indexes = [index for of, index in self.dropped if of == key]
        if self.executor is None or not indexes or key not in self.unchecked:
            return  # (with keys, checks of its rows are pending: PostgreSQL would refuse CREATE INDEX)
        self.dropped = [(of, index) for of, index in self.dropped if of != key]

        def build() -> None:
            for index in indexes:
                index.create(self.connection)

        self._in_background(build)

    def add(self, key: str, record: Any) -> None:
        if key != self.key:
            self._begin(key, record)
        self.buffer.append(record)
        if len(self.buffer) >= BATCH:
            self.flush()

    def _begin(self, key: str, first: Any) -> None:
        """``key``'s records come next (``first`` the first of them)."""
        self.flush()
        if self.key is not None:
            self._index_finished(self.key)
        self._wait()
        self.key = key
        if key not in self.started:  # a collection may come in two runs; drop its indexes once
            self.started.add(key)
            model = WRITERS[key][0]
            self.had_rows[key] = (
                self.connection.execute(select(literal(1)).select_from(_t(model)).limit(1)).first()
                is not None
            )
            self._suspend_change_counting()
            self._drop_indexes_while_loading(key, first)

    def add_rows(self, key: str, parents: Values, children: dict[Table, Values]) -> None:
        """Records of ``key`` made into rows already, as ``_write`` would from them (``parents``, with an
        ``id``) and their child rows (``children``, per child table of ``WRITERS[key]``, as the driver takes
        them): written at once, as one batch. Not for a bulk load from empty (``keep_indexes`` or an upsert:
        ``first`` is not known)."""
        if not parents:
            return
        if key != self.key:
            self._begin(key, None)
        self.flush()
        self._wait()
        ids = [row[parents.names.index("id")] for row in parents.rows]
        self._write_rows(key, ids, parents, children)
        if self.progress is not None:
            self.progress(key, len(parents))

    def finish(self) -> None:
        self.drain()
        if (self.dropped or self.dropped_keys) and self.connection.dialect.name == "postgresql":
            # PostgreSQL refuses CREATE INDEX on a table with deferred checks pending: run them now.
            self.connection.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
        for _, index in self.dropped:
            index.create(self.connection)
        self.dropped.clear()
        for fk in self.dropped_keys:  # the file's references were all checked: no row to make meet them
            self.connection.execute(AddConstraint(fk))
        self.dropped_keys.clear()
        if self.paused:
            resume_change_counting(self.connection)
            self.paused = False

    def flush(self) -> None:
        if not self.buffer or self.key is None:
            return
        batch, self.buffer = self.buffer, []
        self._in_background(partial(self._write, self.key, batch))

    def _write(self, key: str, batch: list[Any]) -> None:
        _, build, children = WRITERS[key]
        rows: Rows = {_t(child): [] for child, _ in children}
        if key == "pipelines":
            rows[_t(Stage)] = []
        parents = [build(r, rows) for r in batch]
        self._write_rows(key, [p["id"] for p in parents], parents, rows)
        if self.progress is not None:
            self.progress(key, len(batch))

    def _write_rows(self, key: str, ids: list[str], parents: Batch, rows: dict[Table, Any]) -> None:
        """One batch of ``key``'s records as rows: the child rows stored for them replaced by ``rows``."""
        model, _, children = WRITERS[key]
        if self.had_rows[key] and not self.new_records:
            for child, column in children:
                self.connection.execute(delete(_t(child)).where(_t(child).c[column].in_(ids)))
        if self._loading_empty(key) or (self.bulk and self.new_records):
            # None stored yet (and a bulk write's batch has each record once): a plain insert (COPY on
            # PostgreSQL) instead of an upsert.
            _execute_many(self.connection, insert(_t(model)), _t(model), parents)
        else:
            upsert(self.connection, _t(model), parents)
        for table, child_rows in rows.items():
            if table is _t(Stage):
                upsert(self.connection, table, child_rows)
            elif child_rows:
                _execute_many(self.connection, insert(table), table, child_rows)
