"""Sending queued write-backs to HubSpot: exactly once in effect.

``Sender.send(entry_id)`` claims the entry (a lease: another process skips it meanwhile; an entry waits while
an earlier entry of the same record is unfinished, so a record's changes arrive in order), works out what
to write (``mapping``), talks to HubSpot outside any transaction, and stores the result:

- an update first reads the record: deleted, or a written property that changed in HubSpot since Salesbot
  read it (HubSpot's value is neither Salesbot's before nor after), or a task HubSpot already completed, is
  a conflict: HubSpot's value is applied locally and the rep told. HubSpot already holding Salesbot's value
  is a success without a write (a retried update is harmless).
- a create carries the entry's unique ``salesbot_ref`` (a ``hasUniqueValue`` property, created once per
  object type); after an attempt whose answer was lost it looks the record up by that value first, and a
  create HubSpot refuses as a duplicate is found the same way: never a second record.
- 429, 5xx and network errors are retried by the API client, then the entry waits with back-off
  (``next_attempt_at``) for the next send; a refusal (400, 403, a missing record) is final: ``failed``,
  with the reason, until the rep's Retry.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, exists, func, select, update
from sqlalchemy.orm import aliased

from crm.db import session_scope
from crm.models import HubSpotPendingRead, HubSpotRecord, WritebackEntry
from crm.record_links import hubspot_object_url
from hubspot_connector.api import HubSpotApi, names
from hubspot_connector.errors import (
    HubSpotAnswerLost,
    HubSpotConflict,
    HubSpotError,
    HubSpotRequestError,
    HubSpotUnavailable,
)
from hubspot_connector.writeback import mapping
from hubspot_connector.writeback.mapping import REF_PROPERTY, Create, NotWritable, Update

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 12  # sends of one entry (each already retried by the client) before it fails for good
FIRST_BACKOFF = timedelta(seconds=5)
MAX_BACKOFF = timedelta(hours=1)
ACTIVITY_LABELS = {"tasks": "task", "calls": "call", "meetings": "meeting", "notes": "note"}


@dataclass(frozen=True)
class Result:
    """How an entry's send ended, and what to tell whom."""

    entry_id: int
    state: str  # "sent" | "conflict" | "failed" | "pending"
    message: str  # one line for the rep
    url: str | None
    kind: str
    actor_id: str | None
    slack_user: str | None
    channel: str | None
    message_ts: str | None


@dataclass
class _Job:
    entry_id: int
    ref: str
    kind: str
    operation: str
    object_type: str
    record_id: str
    attempts: int
    tried_before: bool  # an earlier send may have reached HubSpot (a retry, or the rep's Retry)
    hubspot_id: str | None
    plan: Update | Create | None
    problem: str | None
    actor_id: str | None
    slack_user: str | None
    channel: str | None
    message_ts: str | None


def backoff(attempts: int) -> timedelta:
    return min(FIRST_BACKOFF * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


class Sender:
    def __init__(self, engine: Engine, api: HubSpotApi, *, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.api = api
        self.clock = clock
        self._ref_properties: set[str] = set()

    # --- claiming ----------------------------------------------------------------------------------------

    def _claim(self, entry_id: int, now: datetime) -> _Job | None:
        earlier = aliased(WritebackEntry)
        with session_scope(self.engine, write=True) as session:
            claimed = session.execute(
                update(WritebackEntry)
                .where(
                    WritebackEntry.id == entry_id,
                    WritebackEntry.state == "pending",
                    WritebackEntry.next_attempt_at <= now,
                    (WritebackEntry.lease_until.is_(None)) | (WritebackEntry.lease_until < now),
                    ~exists().where(
                        and_(
                            earlier.object_type == WritebackEntry.object_type,
                            earlier.record_id == WritebackEntry.record_id,
                            earlier.id < WritebackEntry.id,
                            earlier.state == "pending",
                        )
                    ),
                )
                .values(lease_until=now + LEASE, attempts=WritebackEntry.attempts + 1)
                .returning(WritebackEntry.id)
                .execution_options(synchronize_session=False)
            ).first()
            if claimed is None:
                return None
            entry = session.get(WritebackEntry, entry_id, populate_existing=True)
            assert entry is not None
            plan: Update | Create | None = None
            problem = None
            hubspot_id = entry.hubspot_id
            try:
                if entry.operation == "create":
                    plan = mapping.create_for(session, entry)
                else:
                    plan = mapping.update_for(session, entry)
                    hubspot_id = mapping.hubspot_id(session, entry.object_type, entry.record_id)
                    if hubspot_id is None:
                        raise NotWritable("this record is not in HubSpot")
            except NotWritable as exc:
                problem = str(exc)
            tried_before = entry.attempts > 1 or entry.last_error is not None
            return _Job(
                entry.id, entry.ref, entry.kind, entry.operation, entry.object_type, entry.record_id,
                entry.attempts, tried_before, hubspot_id, plan, problem, entry.actor_id, entry.slack_user,
                entry.channel, entry.message_ts,
            )  # fmt: skip

    # --- sending -----------------------------------------------------------------------------------------

    def send(self, entry_id: int) -> list[Result]:
        """Send the entry if it is due and free, then the entries of the same record waiting behind it.
        Returns what happened to each (nothing when another sender has it or it is not due)."""
        results: list[Result] = []
        next_id: int | None = entry_id
        while next_id is not None:
            result = self._send_one(next_id)
            if result is None:
                break
            results.append(result)
            next_id = self._next_of_record(next_id) if result.state != "pending" else None
        return results

    def _next_of_record(self, entry_id: int) -> int | None:
        with session_scope(self.engine) as session:
            entry = session.get(WritebackEntry, entry_id)
            if entry is None:
                return None
            return session.scalar(
                select(func.min(WritebackEntry.id)).where(
                    WritebackEntry.object_type == entry.object_type,
                    WritebackEntry.record_id == entry.record_id,
                    WritebackEntry.id > entry_id,
                    WritebackEntry.state == "pending",
                )
            )

    def send_pending(self, limit: int = 500) -> list[Result]:
        """Every entry due now, oldest first (``salesbot clock``, ``salesbot hubspot push``)."""
        now = self.clock()
        with session_scope(self.engine) as session:
            ids = session.scalars(
                select(WritebackEntry.id)
                .where(WritebackEntry.state == "pending", WritebackEntry.next_attempt_at <= now)
                .order_by(WritebackEntry.id)
                .limit(limit)
            ).all()
        results: list[Result] = []
        done: set[int] = set()
        for entry_id in ids:
            if entry_id in done:
                continue
            for result in self.send(entry_id):
                done.add(result.entry_id)
                results.append(result)
        return results

    def _send_one(self, entry_id: int) -> Result | None:
        now = self.clock()
        job = self._claim(entry_id, now)
        if job is None:
            return None
        if job.problem is not None or job.plan is None:
            return self._finish(job, "failed", error=job.problem or "nothing to write")
        try:
            if isinstance(job.plan, Create):
                return self._create(job, job.plan)
            return self._update(job, job.plan)
        except HubSpotUnavailable as exc:
            return self._finish(job, "pending", error=str(exc))
        except HubSpotError as exc:
            return self._finish(job, "failed", error=_reason(exc))
        except Exception as exc:  # a bug must not leave the entry leased forever
            log.exception("write-back %s failed unexpectedly", job.entry_id)
            return self._finish(job, "pending", error=f"unexpected error: {type(exc).__name__}")

    def _update(self, job: _Job, plan: Update) -> Result:
        assert job.hubspot_id is not None
        t = job.object_type
        wanted = [f.name for f in plan.fields]
        if plan.requires_open_task:
            wanted.append(names.Task.STATUS)
        found = self.api.batch_read(t, [job.hubspot_id], properties=wanted)
        if not found:
            return self._deleted(job)
        current = found[0].get("properties") or {}
        if plan.requires_open_task and str(current.get(names.Task.STATUS) or "").upper() == "COMPLETED":
            return self._conflict(job, current)
        if all(mapping.same(f.name, current.get(f.name), f.after) for f in plan.fields):
            if job.tried_before:  # our own earlier attempt got through
                return self._finish(job, "sent", written=plan.properties())
            return self._conflict(job, current)
        if any(
            not mapping.same(f.name, current.get(f.name), f.before)
            and not mapping.same(f.name, current.get(f.name), f.after)
            for f in plan.fields
        ):
            return self._conflict(job, current)
        try:
            answer = self.api.update(t, job.hubspot_id, plan.properties())
        except HubSpotRequestError as exc:
            if exc.status == 404:
                return self._deleted(job)
            raise
        modified = mapping.parse_hubspot_time(
            (answer.get("properties") or {}).get(names.modified_property(t))
        )
        return self._finish(job, "sent", written=plan.properties(), modified=modified)

    def _ensure_ref_property(self, object_type: str) -> None:
        if object_type in self._ref_properties:
            return
        if self.api.get_property(object_type, REF_PROPERTY) is None:
            with contextlib.suppress(HubSpotConflict):  # another process created it meanwhile
                self.api.create_property(
                    object_type,
                    {
                        "name": REF_PROPERTY,
                        "label": "Salesbot reference",
                        "type": "string",
                        "fieldType": "text",
                        "groupName": f"{object_type[:-1]}information",
                        "hasUniqueValue": True,
                        "description": "Set by Salesbot on records it creates (never a second one).",
                    },
                )
        self._ref_properties.add(object_type)

    def _find_by_ref(self, job: _Job) -> str | None:
        page = self.api.search(
            job.object_type,
            filters=[{"propertyName": REF_PROPERTY, "operator": "EQ", "value": job.ref}],
            properties=[REF_PROPERTY],
            limit=1,
        )
        return str(page.results[0]["id"]) if page.results else None

    def _create(self, job: _Job, plan: Create) -> Result:
        if job.hubspot_id is not None:
            return self._finish(job, "sent", written=plan.properties)
        self._ensure_ref_property(job.object_type)
        if job.tried_before:
            existing = self._find_by_ref(job)
            if existing is not None:
                return self._finish(job, "sent", written=plan.properties, hubspot_id=existing)
        try:
            answer = self.api.create(job.object_type, plan.properties, plan.associations)
        except HubSpotAnswerLost as exc:
            return self._finish(job, "pending", error=f"{exc}; looking it up before creating again")
        except HubSpotRequestError as exc:
            if isinstance(exc, HubSpotConflict) or "already has that value" in exc.message:
                existing = self._find_by_ref(job)
                if existing is not None:
                    return self._finish(job, "sent", written=plan.properties, hubspot_id=existing)
                return self._finish(job, "pending", error="created before; waiting for HubSpot's search")
            raise
        modified = mapping.parse_hubspot_time(
            (answer.get("properties") or {}).get(names.modified_property(job.object_type))
        )
        return self._finish(
            job, "sent", written=plan.properties, hubspot_id=str(answer["id"]), modified=modified
        )

    def _deleted(self, job: _Job) -> Result:
        what = ACTIVITY_LABELS.get(job.object_type, job.object_type[:-1])
        return self._finish(job, "conflict", outcome=f"this {what} was deleted in HubSpot", read=True)

    def _conflict(self, job: _Job, current: dict[str, Any]) -> Result:
        return self._finish(job, "conflict", current=current, read=True)

    # --- storing the result ------------------------------------------------------------------------------

    def _finish(
        self,
        job: _Job,
        state: str,
        *,
        error: str | None = None,
        written: dict[str, Any] | None = None,
        hubspot_id: str | None = None,
        modified: datetime | None = None,
        current: dict[str, Any] | None = None,
        outcome: str | None = None,
        read: bool = False,
    ) -> Result:
        now = self.clock()
        with session_scope(self.engine, write=True) as session:
            entry = session.get(WritebackEntry, job.entry_id, with_for_update=True)
            assert entry is not None
            entry.lease_until = None
            if state == "pending" and entry.attempts >= MAX_ATTEMPTS:
                state, error = "failed", f"HubSpot kept failing: {error}"
            entry.state = state
            entry.last_error = error
            if state == "pending":
                entry.next_attempt_at = now + backoff(entry.attempts)
            hid = hubspot_id or job.hubspot_id
            if hubspot_id is not None:
                entry.hubspot_id = hubspot_id
                session.merge(
                    HubSpotRecord(
                        object_type=job.object_type, hubspot_id=hubspot_id, salesbot_id=job.record_id,
                        modified_at=modified,
                    )
                )  # fmt: skip
            elif modified is not None and hid is not None:
                record = session.get(HubSpotRecord, (job.object_type, hid))
                if record is not None and (record.modified_at is None or record.modified_at < modified):
                    record.modified_at = modified
            if state == "sent":
                entry.written, entry.sent_at = written, now
                entry.hubspot_id = hid
            elif current is not None and hid is not None:
                entry.hubspot_id = hid  # a conflict on a record HubSpot still has: the rep gets its link
            if current is not None:
                outcome = mapping.apply_locally(session, entry, current)
            if read and hid is not None:
                session.merge(HubSpotPendingRead(object_type=job.object_type, hubspot_id=hid, marked_at=now))
            message = self._message(job, state, outcome, error)
            entry.outcome = message
            url = hubspot_object_url(session, job.object_type, hid) if state in ("sent", "conflict") else None
            if state == "failed":
                log.warning("write-back %s failed: %s", job.entry_id, error)
            return Result(
                job.entry_id, state, message, url, job.kind, job.actor_id, job.slack_user, job.channel,
                job.message_ts,
            )  # fmt: skip

    @staticmethod
    def _message(job: _Job, state: str, outcome: str | None, error: str | None) -> str:
        if state == "sent":
            return "Saved in HubSpot."
        if state == "conflict":
            return f"HubSpot had a newer change, so Salesbot took HubSpot's: {outcome}."
        if state == "failed":
            return f"Not saved in HubSpot: {error}."
        return "Saving in HubSpot..."


def _reason(exc: HubSpotError) -> str:
    if isinstance(exc, HubSpotRequestError):
        if exc.status == 403:
            return f"Salesbot's HubSpot app lacks a permission (403: {exc.message})"
        return f"HubSpot refused it ({exc.status}: {exc.message})"
    return str(exc)
