"""Writing a validated dataset: upserts by id, in batches, inside the caller's transaction.

Rows go in batches as ``INSERT ... ON CONFLICT DO UPDATE`` (both SQLite and PostgreSQL), compiled by
SQLAlchemy and executed straight through the driver. Child rows (associations, recipients, histories,
goals) are replaced for every parent in the batch, so importing the same file twice leaves the same
database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    bindparam,
    delete,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.dialects import postgresql

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
from crm.models.rule_run import count_everything_changed

BATCH = 2_000
Rows = dict[Table, list[dict[str, Any]]]


def upsert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows``, updating those whose primary key exists."""
    if rows:
        keys = [column.name for column in table.primary_key.columns]
        update = [name for name in rows[0] if name not in keys]
        # No column to update: conflicts skipped on any constraint, as before (keys only with an update).
        stmt = insert_on_conflict(connection, table, keys=keys if update else None, update=update)
        _execute_many(connection, stmt, table, rows)


_SIMPLE_TYPES = (String, Integer, Boolean, Float, Numeric, Date, UTCDateTime)


def _sqlite_time(value: datetime) -> str:
    # SQLAlchemy's own SQLite storage format for DateTime, so SQL comparisons with its binds agree.
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _converter(column_type: Any, sqlite_dialect: bool) -> Callable[[Any], Any] | None:
    """How a value of this column reaches the driver, exactly as the column type would bind it."""
    if isinstance(column_type, UTCDateTime):
        return _sqlite_time if sqlite_dialect else _utc
    if sqlite_dialect and isinstance(column_type, Numeric) and not isinstance(column_type, Float):
        return float
    if sqlite_dialect and isinstance(column_type, Date):
        return date.isoformat
    return None


def _execute_many(connection: Connection, stmt: Any, table: Table, rows: list[dict[str, Any]]) -> None:
    """executemany, straight to the driver for tables of plain columns.

    SQLAlchemy's per-parameter processing costs more than the database itself on imports of millions of
    rows; the statement is still compiled by SQLAlchemy for the dialect, and values are converted here
    exactly as the column types would (UTC times in SQLAlchemy's SQLite text format).
    """
    names = list(rows[0])
    if not all(isinstance(table.c[name].type, _SIMPLE_TYPES) for name in names):
        connection.execute(stmt, rows)
        return
    compiled = stmt.compile(dialect=connection.dialect, column_keys=names)
    order = compiled.positiontup if compiled.positiontup is not None else names
    if not set(order) <= set(names):  # a column default SQLAlchemy would fill in: let it
        connection.execute(stmt, rows)
        return
    sqlite_dialect = connection.dialect.name == "sqlite"
    converters = [
        (i, conv) for i, name in enumerate(order) if (conv := _converter(table.c[name].type, sqlite_dialect))
    ]
    values: list[Any] = []
    for row in rows:
        out = [row[name] for name in order]
        for i, conv in converters:
            if out[i] is not None:
                out[i] = conv(out[i])
        values.append(out)
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


def _copy(connection: Connection, stmt: Any, table: Table, names: list[str], values: list[list[Any]]) -> None:
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
_LINKS = {
    "contacts": (ActivityContact, "contact_id"),
    "companies": (ActivityCompany, "company_id"),
    "deals": (ActivityDeal, "deal_id"),
    "leads": (ActivityLead, "lead_id"),
}


def _activity_rows(r: Any, rows: Rows) -> dict[str, Any]:
    data = r.model_dump(exclude={"associations"})
    for kind, (model, column) in _LINKS.items():
        rows[_t(model)].extend(
            {"activity_id": r.id, column: target, "position": i}
            for i, target in enumerate(getattr(r.associations, kind))
        )
    if r.type == "email":
        data["from_address"] = data.pop("from_")
        data["from_lower"] = r.from_.lower()
        for kind in ("to", "cc"):
            rows[_t(EmailRecipient)].extend(
                {"activity_id": r.id, "kind": kind, "position": i, "address": a, "address_lower": a.lower()}
                for i, a in enumerate(data.pop(kind))
            )
    elif r.type == "meeting":
        data["start_at"] = data.pop("start")
        data["end_at"] = data.pop("end")
    data["occurred_at"], data["ended_at"] = activity_times(
        r.type,
        sent_at=data.get("sent_at"),
        started_at=data.get("started_at"),
        duration_s=data.get("duration_s"),
        start_at=data.get("start_at"),
        end_at=data.get("end_at"),
        created_at=data.get("created_at"),
    )
    # Every row of a batch must have the same keys for executemany: fill the other types' columns.
    return {column: data.get(column) for column in _ACTIVITY_COLUMNS}


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
        _activity_rows,
        [(EmailRecipient, "activity_id")] + [(model, "activity_id") for model, _ in _LINKS.values()],
    ),
    "engagement_events": (EngagementEvent, _plain, []),
}


SMALL_COLLECTIONS = ("users", "teams", "pipelines", "sequences")  # loaded with their indexes


def secondary_indexes(key: str) -> list[Index]:
    """The indexes of a collection's tables (its records' and their child rows'), in a fixed order."""
    model, _, children = WRITERS[key]
    return [
        index
        for table in [_t(model), *(_t(child) for child, _ in children)]
        for index in sorted(table.indexes, key=lambda i: str(i.name))
    ]


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
    """Check foreign keys at commit, not per row, so collections may arrive in any order; on SQLite, give
    this connection a page cache large enough for the primary-key B-trees of millions of rows (the 2 MB
    default turns each insert into page misses once a table outgrows it)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET CONSTRAINTS ALL DEFERRED"))
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
    ) -> None:
        """``bulk=False`` for small writes into a live store (the HubSpot sync's pages): the rule engine's
        change counting stays on row by row and no index is dropped. ``new_records=True``: the caller knows
        none of the records added is in the store yet (a full sync's pages into a table empty when it began),
        so they have no child rows to delete. ``keep_indexes=True``: the caller manages the indexes (a HubSpot
        sync drops them once for all the pages of a table empty when it began)."""
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
        self.dropped: list[Index] = []
        self.started: set[str] = set()
        self.suspended: list[str] = []

    def _suspend_change_counting(self, key: str) -> None:
        """SQLite counts changes for the rule engine with row triggers (migration 0009), two statements per
        row written: a fifth of a large import's time. The triggers of the tables a collection writes are
        dropped when it starts and created again in ``finish`` from their own SQL, which then counts one
        change of everything (inside the same transaction: a rollback restores them). Only those tables':
        a HubSpot sync's page writes one collection, and each DDL statement costs (every prepared statement
        is prepared again after it). PostgreSQL counts once per transaction anyway."""
        if not self.bulk or self.connection.dialect.name == "postgresql":
            return
        model, _, children = WRITERS[key]
        tables = [_t(model).name, *(_t(child).name for child, _ in children)]
        if key == "pipelines":
            tables.append(_t(Stage).name)
        rows = self.connection.execute(
            text(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'trigger' AND name LIKE 'rule_inputs_%' AND tbl_name IN :tables"
            ).bindparams(bindparam("tables", expanding=True)),
            {"tables": tables},
        ).all()
        for name, _ in rows:
            self.connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
        self.suspended += [sql for _, sql in rows]

    def _drop_indexes_while_loading(self, key: str) -> None:
        """Bulk-loading an empty table is several times faster without its secondary indexes; they are
        rebuilt once, sorted, in ``finish`` (inside the same transaction, so a rollback restores them)."""
        if not self.bulk or self.keep_indexes or self.had_rows[key] or key in SMALL_COLLECTIONS:
            return
        for index in secondary_indexes(key):
            index.drop(self.connection)
            self.dropped.append(index)

    def org(self, record: Any) -> None:
        upsert(self.connection, _t(Org), [_org_row(record)])

    def add(self, key: str, record: Any) -> None:
        if key != self.key:
            self.flush()
            self.key = key
            if key not in self.started:  # a collection may come in two runs; drop its indexes once
                self.started.add(key)
                model = WRITERS[key][0]
                self.had_rows[key] = (
                    self.connection.execute(select(literal(1)).select_from(_t(model)).limit(1)).first()
                    is not None
                )
                self._suspend_change_counting(key)
                self._drop_indexes_while_loading(key)
        self.buffer.append(record)
        if len(self.buffer) >= BATCH:
            self.flush()

    def finish(self) -> None:
        self.flush()
        if self.dropped and self.connection.dialect.name == "postgresql":
            # PostgreSQL refuses CREATE INDEX on a table with deferred checks pending: run them now.
            self.connection.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
        for index in self.dropped:
            index.create(self.connection)
        self.dropped.clear()
        for sql in self.suspended:
            self.connection.exec_driver_sql(sql)
        if self.suspended:
            count_everything_changed(self.connection)
        self.suspended.clear()

    def flush(self) -> None:
        if not self.buffer or self.key is None:
            return
        batch, self.buffer = self.buffer, []
        model, build, children = WRITERS[self.key]
        rows: Rows = {_t(child): [] for child, _ in children}
        if self.key == "pipelines":
            rows[_t(Stage)] = []
        parents = [build(r, rows) for r in batch]
        if self.had_rows[self.key] and not self.new_records:
            ids = [p["id"] for p in parents]
            for child, column in children:
                self.connection.execute(delete(_t(child)).where(_t(child).c[column].in_(ids)))
        upsert(self.connection, _t(model), parents)
        for table, child_rows in rows.items():
            if table is _t(Stage):
                upsert(self.connection, table, child_rows)
            elif child_rows:
                _execute_many(self.connection, insert(table), table, child_rows)
        if self.progress is not None:
            self.progress(self.key, len(batch))
