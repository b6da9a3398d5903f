"""``sync``: HubSpot -> the store (hubspot.md, "Reading").

Per object type, in the order records point at each other (companies, contacts, leads, deals, then the
activities): the first run, or ``full=True``, lists everything (``GET /crm/v3/objects/{t}``, 100 a page);
later runs search what changed since the type's cursor minus an overlap (``hs_lastmodifieddate`` /
``lastmodifieddate`` GT, keyset-paged by ``hs_object_id`` past the 10,000-result cap). Records go in chunks
of up to 1,000 (``chunk``): their associations are read in one v4 batch per target type, the chunk is
written through the importer's writer and the cursor moved, in one transaction. A killed sync resumes from
the last chunk stored: a full one from its paging token, an incremental one after the last id stored. Then
archived records (``?archived=true``) of the types the store held before the run are deleted. Owners,
users, teams, roles, pipelines and the portal are read on a full sync, when last read more than
``people_every`` ago, and at once when a record names an owner or a pipeline not known yet. Records marked
by webhooks (``hubspot_pending_reads``) are read first, by id. The types listed in full are read a chunk
ahead of the writing (``reading``): with ``processes=True`` (the command line, the clock) by a process of
its own, so reading and writing do not share one interpreter lock; else by a thread.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table, delete, insert, literal, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.schema import DropConstraint

from crm.db import one_of
from crm.importer.writer import (
    SMALL_COLLECTIONS,
    WRITERS,
    Values,
    Writer,
    create_missing_indexes,
    end_bulk_load,
    insert_new,
    prepare_for_bulk_load,
    present_foreign_keys,
    restore_foreign_keys,
    secondary_indexes,
    upsert,
)
from crm.models import (
    Activity,
    Company,
    Contact,
    Deal,
    HubSpotCursor,
    HubSpotPendingRead,
    HubSpotRecord,
    Lead,
)
from hubspot_connector import prepare
from hubspot_connector.api import HubSpotApi, names
from hubspot_connector.ids import existing, mapped, named, resolve
from hubspot_connector.mapping import (
    MAPPERS,
    NO_ID,
    Context,
    Links,
    Unmappable,
    has_id,
    id_of_malformed,
    parse_time,
)
from hubspot_connector.people import (
    fetch_people,
    fetch_pipelines,
    owner_map,
    portal_zone,
    stage_map,
    sync_people,
    sync_pipelines,
    sync_portal,
)
from hubspot_connector.reading import (
    Found,
    ProcessReader,
    Reader,
    ThreadReader,
    properties,
    read_links,
    reader_settings,
)
from hubspot_connector.store import delete_rows, forget

CURSORS = cast(Table, HubSpotCursor.__table__)
RECORDS = cast(Table, HubSpotRecord.__table__)
PENDING = cast(Table, HubSpotPendingRead.__table__)
TABLES: dict[str, Table] = {
    names.COMPANIES: cast(Table, Company.__table__),
    names.CONTACTS: cast(Table, Contact.__table__),
    names.LEADS: cast(Table, Lead.__table__),
    names.DEALS: cast(Table, Deal.__table__),
    **{t: cast(Table, Activity.__table__) for t in names.ACTIVITY_TYPES},
}
PEOPLE = "owners"  # the cursor row recording when owners, users, teams, roles and pipelines were last read
OVERLAP = timedelta(minutes=5)
PEOPLE_EVERY = timedelta(minutes=15)
_KEYS = sorted({key for key, _ in MAPPERS.values()})  # the collections a sync writes
_TARGETS = {t for targets in names.ASSOCIATIONS.values() for t in targets}
BULK_FROM = 200  # records in a chunk of a full sync from which it is written as an import would
# PostgreSQL: how long dropping a table's indexes and foreign keys waits for other connections' locks, and how
# many times it is tried, before the table is loaded with them (``Sync._unload_checks``).
LOCK_WAIT_MS = 200
LOCK_TRIES = 3
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a lock_timeout that expired

log = logging.getLogger(__name__)


@dataclass
class TypeReport:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    skipped: int = 0
    links_dropped: int = 0  # associations to records not synced

    def line(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.deleted} deleted, {self.skipped} skipped"
        )


@dataclass
class SyncReport:
    full: bool = False
    types: dict[str, TypeReport] = field(default_factory=dict)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (object type, HubSpot id, reason)
    unknown_owners: set[str] = field(default_factory=set)
    requests: int = 0

    def of(self, object_type: str) -> TypeReport:
        return self.types.setdefault(object_type, TypeReport())


@contextmanager
def _no_collections() -> Iterator[None]:
    """The cyclic garbage collector held off while a chunk is received, mapped and written. A chunk is tens
    of thousands of objects that all live until it is written: each collection on the way would go over them
    again, and promote them, to be gone over by the older generations' collections too (the writer spent
    about a third of its CPU collecting). Its own cycles are collected after it, as usual."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class _OwnersUnknown(Exception):
    """A chunk names owners not read yet: read the people, then write the chunk again."""


class _PipelinesUnknown(Exception):
    """A chunk names a pipeline or stage not read yet: read the pipelines, then write the chunk again."""


class Sync:
    def __init__(
        self,
        engine: Engine,
        api: HubSpotApi,
        now: datetime,
        *,
        score_property: str | None = None,
        chunk: int = 1_000,
        overlap: timedelta = OVERLAP,
        people_every: timedelta = PEOPLE_EVERY,
        progress: Callable[[str, int, int | None], None] | None = None,
        processes: bool = False,
    ) -> None:
        """``processes``: list HubSpot in a process of its own when the API allows (``reading``)."""
        self.engine = engine
        self.processes = processes
        self.api = api
        self.now = now
        self.score_property = score_property
        self.chunk = chunk
        self.overlap = overlap
        self.people_every = people_every
        self.progress = progress
        self.report = SyncReport()
        self.ctx = Context(owners={}, stages={}, score_property=score_property)
        self._people_read = False
        self._pipelines_read = False
        self._listing = False  # reading a type in full (its chunks are written as an import would)
        self._unindexed: set[str] = set()  # collections loaded from empty, their indexes and keys dropped
        # Records of the types associations point at that this run stored (HubSpot id -> Salesbot id):
        # in the store since (only the sync deletes synced records: its own deletions are taken out), so
        # later pages' associations to them need no look-up.
        self._stored: dict[str, dict[str, str]] = {t: {} for t in _TARGETS}

    def _write(self) -> Any:
        if self.engine.dialect.name == "sqlite":
            return self.engine.execution_options(sqlite_begin="IMMEDIATE").begin()
        return self.engine.begin()

    # --- the run -----------------------------------------------------------------------------------------

    def run(self, *, full: bool = False) -> SyncReport:
        started = self.api.requests_sent
        self.report.full = full
        self._restore_checks(_KEYS)  # those a run that never finished dropped
        cursors = self._cursors()
        held = self._types_held()
        listed: dict[str, tuple[Any, bool]] = {}  # the types read in full: (cursor, restart)
        for object_type in names.OBJECT_TYPES:
            cursor = cursors.get(object_type)
            if full or cursor is None or cursor.modified_through is None or cursor.full_after is not None:
                listed[object_type] = (cursor, full and (cursor is None or cursor.full_after is None))
        # Started first: a reading process starts up while the people and the pending reads are handled.
        reader = self._reader(
            [(t, None if restart or c is None else c.full_after) for t, (c, restart) in listed.items()]
        )
        try:
            people = cursors.get(PEOPLE)
            stale = (
                people is None
                or people.last_sync_at is None
                or people.last_sync_at < self.now - self.people_every
            )
            if full or stale:
                self._refresh_people(with_portal=True)
            else:
                with self.engine.connect() as connection:
                    self.ctx.owners = owner_map(connection)
                    self.ctx.stages = stage_map(connection)
            self._pending_reads()
            self._unindexed = self._unload_checks(listed)
            last_listed = {MAPPERS[t][0]: t for t in listed}
            for object_type in names.OBJECT_TYPES:
                if object_type in listed:
                    cursor, restart = listed[object_type]
                    assert reader is not None
                    self._full(object_type, cursor, reader, restart=restart)
                else:
                    self._incremental(object_type, cursors[object_type])
                key = MAPPERS[object_type][0]
                if key in self._unindexed and last_listed[key] == object_type:
                    self._restore_checks({key})
                    self._unindexed.discard(key)
                if object_type in held:
                    self._deletions(object_type)
        finally:
            if reader is not None:
                reader.close()
            if self._unindexed:
                self._restore_checks(self._unindexed)
                self._unindexed = set()
        self.report.unknown_owners = set(self.ctx.unknown_owners)
        self.report.requests = self.api.requests_sent - started
        return self.report

    def _reader(self, plan: list[tuple[str, str | None]]) -> Reader | None:
        if not plan:
            return None
        if self.processes:
            url = self.engine.url.render_as_string(hide_password=False)
            settings = reader_settings(self.api, url)
            if settings is not None:
                return ProcessReader(settings, self.api, plan, self.chunk, self.score_property)
        return ThreadReader(self.api, plan, self.chunk, self.score_property, self.engine.dialect.name)

    def _unload_checks(self, listed: Iterable[str]) -> set[str]:
        """The tables a full listing fills from empty are loaded without their secondary indexes and, on
        PostgreSQL, their foreign keys (which would check every row at its chunk's commit: most of a chunk's
        time on the server), as an import loads them: the indexes built and the keys added back, each checked
        by one join, once after their last type is listed. A run that stops first restores them in its
        ``finally``; one killed has them restored by the next run's start.

        On PostgreSQL, dropping them locks their tables, and the tables the keys reference (users, ...),
        against every other connection: rather than wait for one that holds such a table in an open
        transaction (the app's queries would queue behind the wait), a collection is loaded with its indexes
        and keys, slower, when the locks do not come within ``LOCK_WAIT_MS`` (tried ``LOCK_TRIES`` times).
        Returns the collections whose indexes and keys were dropped."""
        dropped: set[str] = set()
        for key in dict.fromkeys(MAPPERS[t][0] for t in listed):
            if key not in SMALL_COLLECTIONS and self._unindex(key):
                dropped.add(key)
        return dropped

    def _unindex(self, key: str) -> bool:
        """Drop ``key``'s indexes and foreign keys if its tables are empty and the locks come: whether so."""
        table = WRITERS[key][0].__table__
        for _ in range(LOCK_TRIES):
            try:
                with self._write() as connection:
                    postgres = connection.dialect.name == "postgresql"
                    if postgres:
                        connection.execute(text(f"SET LOCAL lock_timeout = {LOCK_WAIT_MS}"))
                    if connection.execute(select(literal(1)).select_from(table).limit(1)).first():
                        return False
                    for index in secondary_indexes(key):
                        index.drop(connection)
                    for fk in present_foreign_keys(connection, key) if postgres else ():
                        connection.execute(DropConstraint(fk))
                return True
            except OperationalError as exc:
                if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                    raise
        log.warning(
            "hubspot sync: %s loaded with its indexes and foreign keys (other connections hold its tables)",
            key,
        )
        return False

    def _restore_checks(self, keys: Iterable[str]) -> None:
        """The collections' missing indexes built and missing foreign keys added back (``_unload_checks``)."""
        with self._write() as connection:
            create_missing_indexes(connection, keys)
            repaired = restore_foreign_keys(connection, keys)
        for table, n in repaired.items():
            log.warning(
                "hubspot sync: %d rows of %s referenced records deleted while their foreign keys were away: "
                "deleted or their reference emptied, as the deletion would have",
                n,
                table,
            )

    def _cursors(self) -> dict[str, Any]:
        with self.engine.connect() as connection:
            return {row.object_type: row for row in connection.execute(select(CURSORS))}

    def _types_held(self) -> set[str]:
        """The types with synced records in the store before this run. Only those can have records to delete:
        the others' records are all read by this run, live when read (one archived since is deleted by the
        next run), so their archived lists are not asked for (a request per type on a first sync)."""
        with self.engine.connect() as connection:
            return {
                t
                for t in names.OBJECT_TYPES
                if connection.execute(
                    select(RECORDS.c.hubspot_id).where(RECORDS.c.object_type == t).limit(1)
                ).first()
            }

    @staticmethod
    def _count(connection: Connection, object_type: str, delta: int) -> None:
        """Keep ``hubspot_cursors.records``, the records of a type in the store, for ``hubspot status``."""
        if not delta:
            return
        stmt = (
            update(CURSORS)
            .where(CURSORS.c.object_type == object_type)
            .values(records=CURSORS.c.records + delta)
        )
        if not connection.execute(stmt).rowcount:
            connection.execute(insert(CURSORS).values(object_type=object_type, records=max(delta, 0)))

    def _save_cursor(self, connection: Connection, object_type: str, **values: Any) -> None:
        values["last_sync_at"] = self.now
        if connection.execute(
            update(CURSORS).where(CURSORS.c.object_type == object_type).values(**values)
        ).rowcount:
            return
        connection.execute(insert(CURSORS).values(object_type=object_type, records=0, **values))

    def _refresh_people(self, *, with_portal: bool = False) -> None:
        data = fetch_people(self.api, with_portal=with_portal)
        with self._write() as connection:
            zone = sync_portal(connection, data.portal, self.now) if data.portal else portal_zone(connection)
            result = sync_people(connection, data, self.now, zone)
            _, skipped = sync_pipelines(connection, data.pipelines)
            self._save_cursor(connection, PEOPLE)
            self.ctx.owners = result.owners
            self.ctx.stages = stage_map(connection)
        people = self.report.of("users")
        people.created += result.created
        people.updated += result.updated
        people.skipped += len(result.skipped)
        self.report.skipped += result.skipped + skipped
        self._people_read = self._pipelines_read = True

    # --- full and incremental reads ----------------------------------------------------------------------

    def _properties(self, object_type: str) -> tuple[list[str], list[str]]:
        return properties(object_type, self.score_property)

    def _full(self, object_type: str, cursor: Any, reader: Reader, *, restart: bool) -> None:
        self._listing = True
        try:
            self._list_all(object_type, cursor, reader, restart=restart)
        finally:
            self._listing = False

    def _list_all(self, object_type: str, cursor: Any, reader: Reader, *, restart: bool) -> None:
        started = (
            self.now
            if restart or cursor is None or cursor.full_started_at is None
            else cursor.full_started_at
        )
        total = self._total(object_type, None) if self.progress else None
        while True:
            with _no_collections():
                objects, next_after, links = reader.next(object_type)
                # The next chunk's slots, before this one is written (``reading``).
                reader.reserve(object_type)
                if next_after is not None:
                    cursor_values: dict[str, Any] = {"full_after": next_after, "full_started_at": started}
                else:  # the last chunk also closes the full sync: everything up to its start is in
                    cursor_values = {
                        "full_after": None,
                        "full_started_at": None,
                        "modified_through": started,
                        "last_full_at": self.now,
                    }
                self._store(object_type, objects, links=links, **cursor_values)
                n = len(objects)
                del objects, links
            self._tick(object_type, n, total)
            if next_after is None:
                break

    def _incremental(self, object_type: str, cursor: Any) -> None:
        props, history = self._properties(object_type)
        since = cursor.incremental_since or cursor.modified_through - self.overlap
        after_id = cursor.incremental_after_id or 0
        modified = names.modified_property(object_type)
        filters = [{"propertyName": modified, "operator": "GT", "value": str(int(since.timestamp() * 1000))}]
        buffer: list[dict[str, Any]] = []
        total: int | None = None
        for page in self.api.search_by_id(object_type, filters=filters, properties=props, after_id=after_id):
            buffer += page
            if len(buffer) >= self.chunk:
                self._store_searched(object_type, buffer, history, since)
                self._tick(object_type, len(buffer), total)
                buffer = []
        if buffer:
            self._store_searched(object_type, buffer, history, since)
            self._tick(object_type, len(buffer), total)
        with self._write() as connection:
            self._save_cursor(
                connection,
                object_type,
                modified_through=self.now,
                incremental_since=None,
                incremental_after_id=None,
            )

    def _store_searched(
        self, object_type: str, objects: list[dict[str, Any]], history: list[str], since: datetime
    ) -> None:
        if history:  # search has no history: read the chunk again by id with it (100 a request)
            props, _ = self._properties(object_type)
            objects = self.api.batch_read(
                object_type,
                [str(o["id"]) for o in objects],
                properties=props,
                properties_with_history=history,
            )
        last = max(int(o["id"]) for o in objects)
        self._store(object_type, objects, incremental_since=since, incremental_after_id=last)

    def _total(self, object_type: str, filters: list[dict[str, Any]] | None) -> int | None:
        return self.api.search(object_type, filters=filters or [], limit=1).total

    def _tick(self, object_type: str, n: int, total: int | None) -> None:
        if self.progress is not None:
            self.progress(object_type, n, total)

    def _pending_reads(self) -> None:
        with self.engine.connect() as connection:
            marked = connection.execute(select(PENDING.c.object_type, PENDING.c.hubspot_id)).all()
        by_type: dict[str, list[str]] = {}
        for object_type, hubspot_id in marked:
            by_type.setdefault(object_type, []).append(hubspot_id)
        for object_type in names.OBJECT_TYPES:
            ids = by_type.get(object_type)
            if not ids:
                continue
            props, history = self._properties(object_type)
            for start in range(0, len(ids), self.chunk):
                batch = ids[start : start + self.chunk]
                found = self.api.batch_read(
                    object_type, batch, properties=props, properties_with_history=history
                )
                self._store(object_type, found, done_marks=batch)

    # --- one chunk ---------------------------------------------------------------------------------------

    def _resolve_links(
        self,
        connection: Connection,
        object_type: str,
        hs_ids: list[str],
        found: Found,
    ) -> dict[str, Links]:
        """Associations as Salesbot ids, keeping only records that are in the store."""
        links: dict[str, Links] = {i: Links() for i in hs_ids}
        dropped = 0
        for target, by_from in found.items():
            stored = self._stored.get(target, {})  # in the store: no look-up
            unknown = {t for pairs in by_from.values() for t, _ in pairs if t not in stored}
            salesbot = resolve(connection, target, unknown) if unknown else {}
            present = existing(connection, TABLES[target], salesbot.values()) if salesbot else set()
            for from_id, pairs in by_from.items():
                kept = []
                for t, types in pairs:
                    sid = stored.get(t)
                    if sid is None:
                        sid = salesbot[t]
                        if sid not in present:
                            continue
                    kept.append((sid, types))
                dropped += len(pairs) - len(kept)
                if from_id in links:
                    links[from_id].by_type[target] = kept
        self.report.of(object_type).links_dropped += dropped
        return links

    def _store(
        self,
        object_type: str,
        objects: list[dict[str, Any]] | prepare.Prepared,
        *,
        done_marks: list[str] | None = None,
        links: Found | None = None,
        **cursor: Any,
    ) -> None:
        self.report.of(object_type)  # every type read is in the report, even with nothing to say
        if isinstance(objects, prepare.Prepared):
            assert links is not None
            self._store_prepared(objects, links, cursor)
            return
        key, _ = MAPPERS[object_type]
        valid = []
        for obj in objects:
            if has_id(obj):
                valid.append(obj)
            else:
                self._skip(object_type, id_of_malformed(obj), NO_ID)
        hs_ids = [str(o["id"]) for o in valid]
        if links is None:
            links = read_links(self.api, object_type, hs_ids)
        with _no_collections():
            try:
                self._write_chunk(object_type, key, valid, hs_ids, links, done_marks, cursor)
            except _OwnersUnknown:
                self._refresh_people()  # an owner not seen yet: read the people again, then store the chunk
                self._write_chunk(object_type, key, valid, hs_ids, links, done_marks, cursor)
            except _PipelinesUnknown:
                self._reload_pipelines()  # a pipeline or stage not seen yet: read them again, then the chunk
                self._write_chunk(object_type, key, valid, hs_ids, links, done_marks, cursor)

    def _write_chunk(
        self,
        object_type: str,
        key: str,
        valid: list[dict[str, Any]],
        hs_ids: list[str],
        links: Found,
        done_marks: list[str] | None,
        cursor: dict[str, Any],
    ) -> None:
        with self._write() as connection:
            resolved = self._resolve_links(connection, object_type, hs_ids, links)
            found = mapped(connection, object_type, hs_ids)
            sids = named(object_type, hs_ids, found)
            records, rows, skips = self._map(connection, object_type, valid, sids, resolved)
            if self.ctx.unknown_owners - set(self.ctx.owners) and not self._people_read:
                raise _OwnersUnknown
            for hs_id, reason in skips:
                self._skip(object_type, hs_id, reason)
            if not self._listing and records:
                # Read again only because of the overlap: the same modification time as stored, nothing to do.
                stored = self._stored_times(connection, object_type, [row["hubspot_id"] for row in rows])
                keep = [
                    stored.get(row["hubspot_id"]) != row["modified_at"] or row["modified_at"] is None
                    for row in rows
                ]
                records = [r for r, k in zip(records, keep, strict=True) if k]
                rows = [r for r, k in zip(rows, keep, strict=True) if k]

            def add(writer: Writer) -> None:
                for record in records:
                    writer.add(key, record)

            self._write_records(
                connection, object_type, [r.id for r in records], add, rows, unmapped=not found
            )
            if done_marks:
                for start in range(0, len(done_marks), 900):
                    connection.execute(
                        delete(PENDING).where(
                            PENDING.c.object_type == object_type,
                            PENDING.c.hubspot_id.in_(done_marks[start : start + 900]),
                        )
                    )
            if cursor:
                self._save_cursor(connection, object_type, **cursor)
        if object_type in self._stored:  # committed
            self._stored[object_type].update((row["hubspot_id"], row["salesbot_id"]) for row in rows)

    def _store_prepared(self, prepared: prepare.Prepared, links: Found, cursor: dict[str, Any]) -> None:
        """A listed chunk of activities made into rows by the reading side (``prepare``), written as
        ``_store`` writes the records it maps itself; the Salesbot ids, owners and associations filled in
        here."""
        object_type = prepared.object_type
        for hs_id in prepared.malformed:
            self._skip(object_type, hs_id, NO_ID)
        for hs_id, reason in prepared.skipped:
            self._skip(object_type, hs_id, reason)
        with _no_collections():
            try:
                self._write_prepared(prepared, links, cursor)
            except _OwnersUnknown:
                self._refresh_people()  # an owner not seen yet: read the people again, then store the chunk
                self._write_prepared(prepared, links, cursor)

    def _write_prepared(self, prepared: prepare.Prepared, links: Found, cursor: dict[str, Any]) -> None:
        object_type = prepared.object_type
        rows = prepared.rows
        with self._write() as connection:
            resolved = self._resolve_links(connection, object_type, prepared.ids, links)
            owners = [self.ctx.owner_of(owner) for owner in prepared.owners]
            if self.ctx.unknown_owners - set(self.ctx.owners) and not self._people_read:
                raise _OwnersUnknown
            # The rows carry the default id; the id map may name another (a record created in Salesbot).
            found = mapped(connection, object_type, prepared.hs_ids)
            renamed: dict[str, str] = {}
            sids = []
            for hs_id, row, owner in zip(prepared.hs_ids, rows, owners, strict=True):
                sid = found.get(hs_id, row[prepare.ID])
                if sid != row[prepare.ID]:
                    renamed[row[prepare.ID]] = sid
                    row[prepare.ID] = sid
                row[prepare.OWNER] = owner
                sids.append(sid)
            if renamed:
                for recipient in prepared.recipients:
                    recipient[prepare.RECIPIENT_ACTIVITY] = renamed.get(
                        recipient[prepare.RECIPIENT_ACTIVITY], recipient[prepare.RECIPIENT_ACTIVITY]
                    )
            children = {prepare.RECIPIENTS: prepared.email_recipients()}
            for target, (link_table, column) in prepare.ACTIVITY_LINKS.items():
                children[link_table] = Values(
                    ["activity_id", column, "position"],
                    [
                        [sid, target_id, position]
                        for hs_id, sid in zip(prepared.hs_ids, sids, strict=True)
                        for position, (target_id, _) in enumerate(resolved[hs_id].by_type.get(target, ()))
                    ],
                )
            map_rows = Values(
                ["object_type", "hubspot_id", "salesbot_id", "modified_at"],
                [
                    [object_type, hs_id, sid, at]
                    for hs_id, sid, at in zip(prepared.hs_ids, sids, prepared.modified, strict=True)
                ],
            )
            self._write_records(
                connection,
                object_type,
                sids,
                lambda writer: writer.add_rows("activities", prepared.activities(), children),
                map_rows,
                unmapped=not found,
            )
            if cursor:
                self._save_cursor(connection, object_type, **cursor)
        if object_type in self._stored:  # committed
            self._stored[object_type].update(zip(prepared.hs_ids, sids, strict=True))

    def _write_records(
        self,
        connection: Connection,
        object_type: str,
        ids: list[str],
        add: Callable[[Writer], None],
        map_rows: list[dict[str, Any]] | Values,
        *,
        unmapped: bool,
    ) -> None:
        """A chunk's records (their Salesbot ids ``ids``, given to the writer by ``add``) and their rows of
        the id map written, and counted as created or updated. ``unmapped``: the map holds none of them.

        A full sync writes like an import (the rule engine's row triggers paused, one change of everything
        counted); an incremental one row by row, each change counted where it happens. None of them stored
        yet (a first sync's pages): no child rows of theirs to replace.

        A page of a listing into tables empty when the run began (``_unload_checks``) whose records the map
        does not hold has none of them stored, without asking: they have the default ids, and the only
        records with default ids are the sync's own, this listing's, each read once. Their map rows are new
        too (written by a plain insert, unless another process mapped one meanwhile)."""
        fresh = unmapped and self._listing and MAPPERS[object_type][0] in self._unindexed
        present = set() if fresh else existing(connection, TABLES[object_type], ids)
        bulk = self._listing and len(ids) >= BULK_FROM
        if bulk:  # as an import does: foreign keys checked at commit, a page cache for large tables
            prepare_for_bulk_load(connection)
        writer = Writer(connection, bulk=bulk, new_records=not present, keep_indexes=True)
        add(writer)
        writer.finish()
        if bulk:
            end_bulk_load(connection)
        if map_rows:
            (insert_new if fresh else upsert)(connection, RECORDS, map_rows)
        created = sum(1 for i in ids if i not in present)
        report = self.report.of(object_type)
        report.created += created
        report.updated += len(ids) - created
        self._count(connection, object_type, created)

    def _map(
        self,
        connection: Connection,
        object_type: str,
        objects: list[dict[str, Any]],
        sids: dict[str, str],
        links: dict[str, Links],
    ) -> tuple[list[Any], list[dict[str, Any]], list[tuple[str, str]]]:
        _, mapper = MAPPERS[object_type]
        records, rows, skips = [], [], []
        modified = names.modified_property(object_type)
        for obj in objects:
            hs_id = str(obj["id"])
            try:
                record = mapper(obj, sids[hs_id], links[hs_id], self.ctx)
                modified_at = parse_time((obj.get("properties") or {}).get(modified), modified)
            except Unmappable as exc:
                if "pipeline" in str(exc) and not self._pipelines_read:
                    raise _PipelinesUnknown from None
                skips.append((hs_id, str(exc)))
                continue
            records.append(record)
            rows.append(
                {
                    "object_type": object_type,
                    "hubspot_id": hs_id,
                    "salesbot_id": record.id,
                    "modified_at": modified_at,
                }
            )
        return records, rows, skips

    @staticmethod
    def _stored_times(
        connection: Connection, object_type: str, hs_ids: list[str]
    ) -> dict[str, datetime | None]:
        rows = connection.execute(
            select(RECORDS.c.hubspot_id, RECORDS.c.modified_at).where(
                RECORDS.c.object_type == object_type, one_of(connection, RECORDS.c.hubspot_id, hs_ids)
            )
        )
        return {h: m for h, m in rows}

    def _reload_pipelines(self) -> None:
        pipelines = fetch_pipelines(self.api)
        with self._write() as connection:
            _, skipped = sync_pipelines(connection, pipelines)
            self.ctx.stages = stage_map(connection)
        self.report.skipped += skipped
        self._pipelines_read = True

    def _skip(self, object_type: str, hs_id: str, reason: str) -> None:
        self.report.of(object_type).skipped += 1
        self.report.skipped.append((object_type, hs_id, reason))

    # --- deletions ---------------------------------------------------------------------------------------

    def _deletions(self, object_type: str) -> None:
        after: str | None = None
        archived: list[str] = []
        while True:
            page = self.api.list_page(object_type, properties=[names.OBJECT_ID], archived=True, after=after)
            archived += [str(o["id"]) for o in page.results if isinstance(o, dict) and "id" in o]
            after = page.after
            if after is None:
                break
        if not archived:
            return
        with self._write() as connection:
            synced = mapped(connection, object_type, archived)
            if not synced:
                return
            for hubspot_id in synced:
                self._stored.get(object_type, {}).pop(hubspot_id, None)
            deleted = delete_rows(connection, TABLES[object_type], synced.values())
            forget(connection, object_type, synced)
            self._count(connection, object_type, -len(synced))
        self.report.of(object_type).deleted += deleted


def sync(
    engine: Engine,
    api: HubSpotApi,
    now: datetime,
    *,
    full: bool = False,
    score_property: str | None = None,
    progress: Callable[[str, int, int | None], None] | None = None,
    chunk: int = 1_000,
    processes: bool = False,
) -> SyncReport:
    """Run one sync at ``now``; ``HubSpotError`` subclasses say why it stopped (what was stored stays).
    ``processes``: list HubSpot in a process of its own when the API allows (``reading``)."""
    return Sync(
        engine,
        api,
        now,
        score_property=score_property,
        progress=progress,
        chunk=chunk,
        processes=processes,
    ).run(full=full)
