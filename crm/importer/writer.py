"""Writing a validated dataset: upserts by id, in dependency order, in one transaction.

Rows go through SQLAlchemy Core in batches (``INSERT ... ON CONFLICT DO UPDATE`` on both SQLite and
PostgreSQL). Child rows (associations, recipients, histories, goals) are replaced for every parent in the
batch, so importing the same file twice leaves the same database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from crm.importer.reader import DatasetReader
from crm.importer.schema import COLLECTIONS, ORG_ADAPTER
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
from crm.models.org import ORG_ROW_ID

BATCH = 2_000
Rows = dict[Table, list[dict[str, Any]]]


def upsert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows``, updating those whose primary key exists."""
    if not rows:
        return
    dialect = connection.dialect.name
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert_(table)
    keys = [column.name for column in table.primary_key.columns]
    updates = {name: stmt.excluded[name] for name in rows[0] if name not in keys}
    stmt = (
        stmt.on_conflict_do_update(index_elements=keys, set_=updates)
        if updates
        else stmt.on_conflict_do_nothing()
    )
    connection.execute(stmt, rows)


def _t(model: Any) -> Table:
    return model.__table__


def _org_row(r: Any) -> dict[str, Any]:
    return {"id": ORG_ROW_ID, **r.model_dump()}


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


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _teams_parents_first(records: list[Any]) -> list[Any]:
    by_id = {r.id: r for r in records}
    ordered: list[Any] = []
    placed: set[str] = set()

    def place(r: Any) -> None:
        if r.id in placed:
            return
        if r.parent_id in by_id:
            place(by_id[r.parent_id])
        placed.add(r.id)
        ordered.append(r)

    for r in records:
        place(r)
    return ordered


def write_dataset(
    connection: Connection,
    reader: DatasetReader,
    present: Iterable[str],
    progress: Callable[[str, int], None] | None = None,
) -> None:
    """Write every present collection; the caller owns the transaction."""
    present = set(present)
    if "org" in present:
        upsert(connection, _t(Org), [_org_row(ORG_ADAPTER.validate_python(reader.value("org")))])
    for name, adapter in COLLECTIONS.items():
        if name not in present:
            continue
        model, build, children = WRITERS[name]
        # On a table that was empty before this import, no child rows can exist yet: skip the deletes.
        had_rows = connection.execute(select(func.count()).select_from(_t(model))).scalar_one() > 0
        records: Iterable[Any] = (adapter.validate_python(raw) for _, raw in reader.records(name))
        if name == "teams":
            records = _teams_parents_first(list(records))
        for batch in _batches(records, BATCH):
            rows: Rows = {_t(child): [] for child, _ in children}
            if name == "pipelines":
                rows[_t(Stage)] = []
            parents = [build(r, rows) for r in batch]
            if had_rows:
                ids = [p["id"] for p in parents]
                for child, column in children:
                    connection.execute(delete(_t(child)).where(_t(child).c[column].in_(ids)))
            upsert(connection, _t(model), parents)
            for table, child_rows in rows.items():
                if table is _t(Stage):
                    upsert(connection, table, child_rows)
                elif child_rows:
                    connection.execute(insert(table), child_rows)
            if progress is not None:
                progress(name, len(batch))
