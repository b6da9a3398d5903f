"""``send_due``: one scheduler tick of digest delivery, exactly once per user and local day.

Who is due (``crm.queries.deliveries.due_users``): digests on, today (in the user's zone) one of their
weekdays, their local time at or past their digest time but within the late window
(``SALESBOT_DIGEST_LATE_HOURS``, ``crm.digest_window``), and no finished delivery for today. Each tick first
records the days whose window passed unsent as ``missed`` (``crm.changes.missed_deliveries``): a digest is
never sent in the evening or at night, nor on the next day. A manager who opted in gets a team digest
(``bot.digest.team``, ``kind = team``) right after their own; with OAuth installs each user is reached
through their own workspace's bot token (``bot.digest.workspaces``).

Exactly once:

1. **Claim** (``crm.changes.deliveries``) a row of ``digest_deliveries`` for (user, local date) in a short
   transaction of its own, before Slack is called: insert-if-absent (``INSERT ... ON CONFLICT DO NOTHING
   RETURNING``), or a compare-and-set ``UPDATE`` of a row whose claim lease ran out (a crashed sender) or
   whose retry is due. Both are atomic on
   SQLite and PostgreSQL, so of two senders at the same moment exactly one owns the row.
2. **Send** ``chat.postMessage`` with the row's id in the message ``metadata``.
3. **Record** ``sent`` with ``channel`` and ``ts``, under the claim token.

A sender killed between 1 and 2 leaves a claim that another run takes over after the lease. One killed
between 2 and 3 has posted: before posting again, a take-over looks in the DM's history for a message
carrying this delivery's id and records that one instead.

Building a digest is most of its CPU; with ``DeliveryConfig.processes`` it happens in worker processes
(:mod:`bot.digest.building`) while claims, pacing, sending and recording stay in this process's threads, so
one pacer still paces the whole workspace and nothing about exactly-once changes.

Failures: 429 pauses every worker for ``Retry-After`` and teaches the pacer the workspace's rate; the
message is retried in the same run. 5xx and network errors (after the client's own retries) put the row in
``retry`` with exponential back-off, and the run goes on with everyone else. Slack errors that will not get
better (no such channel, account inactive...) end the day's delivery as ``failed``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.digest.building import Builders
from bot.digest.pacer import Pacer
from bot.digest.team import build_team
from bot.digest.workspaces import Route, Workspaces
from bot.slack.users import remember_dm_channel
from crm.changes.deliveries import Claim, claim, finish
from crm.changes.missed_deliveries import record_missed, record_not_linked
from crm.config import Settings
from crm.db import session_scope
from crm.digest_window import DEFAULT_LATE
from crm.models import DigestDelivery, DigestKind, SlackIdentity, User
from crm.models.delivery import DeliveryState
from crm.queries.deliveries import due_users

log = logging.getLogger(__name__)

METADATA_EVENT = "salesbot_digest"

# Slack errors that retrying will not fix for this user today.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "user_not_found",
        "users_not_found",
        "account_inactive",
        "user_disabled",
        "cannot_dm_bot",
        "is_archived",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "too_many_attachments",
    }
)


@dataclass(frozen=True)
class DeliveryConfig:
    lease: timedelta = timedelta(minutes=5)  # a claim older than this was left by a crashed sender
    workers: int = 4
    # Worker processes that build digests; 0: the sending threads build them. Each process adds two sending
    # threads, so that while some threads send, others have digests waiting in every build process.
    processes: int = 0
    first_backoff: timedelta = timedelta(minutes=1)
    max_backoff: timedelta = timedelta(minutes=30)
    run_budget_s: float = 50.0  # stop picking up new digests after this long; the next tick goes on
    channel_interval_s: float = 1.0  # chat.postMessage: one message per second per channel
    late: timedelta = DEFAULT_LATE  # how late a digest may still go out (SALESBOT_DIGEST_LATE_HOURS)

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryConfig:
        return cls(
            workers=settings.salesbot_digest_workers,
            processes=settings.salesbot_digest_processes,
            late=timedelta(hours=settings.salesbot_digest_late_hours),
        )


@dataclass
class SendReport:
    due: int = 0
    sent: int = 0
    recovered: int = 0  # found already posted by a sender that crashed before recording it
    skipped_empty: int = 0
    not_in_slack: int = 0
    claimed_elsewhere: int = 0
    retry: int = 0
    failed: int = 0
    missed: int = 0  # recorded as missed: their late window passed unsent
    rate_limited: int = 0  # 429 answers met on the way
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + n)

    def fail(self, error: str) -> None:
        """Count one failed digest and keep its reason (senders call it from several threads)."""
        with self._lock:
            self.failed += 1
            self.errors.append(error)

    def summary(self) -> str:
        return (
            f"{self.due} due: {self.sent} sent, {self.recovered} recovered, {self.skipped_empty} empty "
            f"(skipped), {self.not_in_slack} not in Slack, {self.claimed_elsewhere} taken by another sender, "
            f"{self.retry} to retry, {self.failed} failed, {self.missed} missed; "
            f"{self.rate_limited} rate-limited answers; "
            f"{self.seconds:.1f} s"
        )


# --- sending -----------------------------------------------------------------------------------------


class Sender:
    def __init__(
        self,
        engine: Engine,
        client: WebClient | Workspaces,
        now: datetime,
        *,
        clock: Callable[[], datetime] | None = None,
        config: DeliveryConfig | None = None,
        home_url: str | None = None,
    ) -> None:
        self.engine = engine
        self.workspaces = client if isinstance(client, Workspaces) else Workspaces(client)
        self.now = now
        # Leases and back-off follow the wall clock as the run goes on; a pinned run (tests, --now) stays at
        # ``now`` throughout.
        self.clock = clock or (lambda: now)
        self.config = config or DeliveryConfig()
        self.home_url = home_url
        self._pacers: dict[str | None, Pacer] = {}  # one per workspace: Slack's rates are per workspace
        self._pacers_lock = threading.Lock()
        self.report = SendReport()
        self._deadline = 0.0
        self._builders: Builders | None = None

    def pacer(self, team_id: str | None) -> Pacer:
        with self._pacers_lock:
            if team_id not in self._pacers:
                self._pacers[team_id] = Pacer(self.config.channel_interval_s)
            return self._pacers[team_id]

    def run(self) -> SendReport:
        started = time.monotonic()
        self._deadline = started + self.config.run_budget_s
        with session_scope(self.engine, write=True) as session:
            self.report.missed = record_missed(session, self.now, self.config.late)
        with session_scope(self.engine) as session:
            due = [
                (user.id, day, kinds) for user, day, kinds in due_users(session, self.now, self.config.late)
            ]
        self.report.due = len(due)
        if due:
            processes = min(self.config.processes, len(due))
            threads = self.config.workers + 2 * processes
            with (
                Builders(self.engine, processes) as self._builders,
                ThreadPoolExecutor(max_workers=threads, thread_name_prefix="digest") as pool,
            ):
                futures = [
                    pool.submit(self._deliver_safely, user_id, day, kinds) for user_id, day, kinds in due
                ]
                for future in futures:
                    future.result()
            self._builders = None
        self.report.seconds = time.monotonic() - started
        log.debug("digest tick at %s: %s", self.now.isoformat(), self.report.summary())
        return self.report

    def _deliver_safely(
        self, user_id: str, day: date, kinds: tuple[str, ...] = (DigestKind.OWN.value,)
    ) -> None:
        try:
            for kind in kinds:
                # A manager's team digest follows their own: not before it is finished.
                if not self.deliver(user_id, day, kind):
                    return
        except Exception as exc:  # one user's failure must not stop everyone else's digest
            log.exception("digest for user %s on %s failed", user_id, day)
            self.report.fail(f"{user_id}: {type(exc).__name__}: {exc}")

    def deliver(self, user_id: str, day: date, kind: str = DigestKind.OWN.value) -> bool:
        """Deliver one digest; whether it is finished for the day (sent, skipped or failed for good)."""
        if time.monotonic() > self._deadline:
            return False  # the next tick picks it up
        with session_scope(self.engine, write=True) as session:
            user = session.get(User, user_id)
            if user is None:
                return False
            try:
                route = self.workspaces.route(session, user, self.clock())
            except SlackApiError as exc:
                log.warning("finding %s in Slack failed: %s", user_id, exc.response.get("error"))
                self.report.add("retry")
                return False
        if route.client is None or route.slack_id is None:
            with session_scope(self.engine, write=True) as session:
                record_not_linked(session, user_id, day, kind, route.reason or "no Slack user")
            self.report.add("not_in_slack")
            return False
        with session_scope(self.engine, write=True) as session:
            claim_ = claim(session, user_id, day, self.clock(), self.config.lease, kind)
        if claim_ is None:
            self.report.add("claimed_elsewhere")
            return False
        if kind == DigestKind.TEAM.value:
            built = build_team(self.engine, user_id, self.now, route.slack_id, self.home_url)
        else:
            builders = self._builders or Builders(self.engine, 0)
            built = builders.build(user_id, self.now, route.slack_id, self.home_url)
        if built.payload is None:
            with session_scope(self.engine, write=True) as session:
                finish(session, claim_, DeliveryState.SKIPPED, items=built.items)
            self.report.add("skipped_empty")
            return True
        if claim_.taken_over:
            with session_scope(self.engine, write=True) as session:
                user = session.get(User, user_id)
                assert user is not None
                if self._already_posted(session, user, claim_, route):
                    return True
        return self._post(user_id, claim_, built.payload, built.items, route)

    def _already_posted(self, session: Session, user: User, claim_: Claim, route: Route) -> bool:
        """After a crashed attempt: was the message posted before the crash? Record it if so."""
        client = route.client
        assert client is not None
        identity = session.get(SlackIdentity, user.id)
        channel = identity.dm_channel if identity is not None else None
        try:
            if channel is None:
                opened = client.conversations_open(users=route.slack_id)
                channel = opened["channel"]["id"]
            # The latest messages of the bot's DM with the user: a digest posted by the crashed attempt,
            # minutes ago, is among them.
            history = client.conversations_history(channel=channel, include_all_metadata=True, limit=50)
        except SlackApiError as exc:
            log.warning(
                "could not check %s's DM for an earlier digest: %s", user.id, exc.response.get("error")
            )
            return False
        messages: list[dict[str, Any]] = history.get("messages") or []
        for message in messages:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == METADATA_EVENT and payload.get("delivery_id") == claim_.id:
                finish(
                    session,
                    claim_,
                    DeliveryState.SENT,
                    channel=channel,
                    ts=message.get("ts"),
                    sent_at=self.clock(),
                )
                self.report.add("recovered")
                log.info("digest %d was posted before its sender stopped: recorded, not re-sent", claim_.id)
                return True
        return False

    def _post(
        self, user_id: str, claim_: Claim, payload: dict[str, Any], items: dict[str, list[str]], route: Route
    ) -> bool:
        client = route.client
        assert client is not None
        pacer = self.pacer(route.team_id)
        metadata = {
            "event_type": METADATA_EVENT,
            "event_payload": {
                "delivery_id": claim_.id,
                "local_date": claim_.local_date.isoformat(),
                "kind": claim_.kind,
            },
        }
        while True:
            pacer.wait(payload["channel"])
            try:
                response = client.chat_postMessage(
                    **payload, metadata=metadata, unfurl_links=False, unfurl_media=False
                )
            except SlackApiError as exc:
                if exc.response.status_code == 429:
                    self.report.add("rate_limited")
                    retry_after = _retry_after(exc)
                    pacer.rate_limited(retry_after)
                    if time.monotonic() + retry_after < self._deadline:
                        continue
                    self._retry(claim_, "ratelimited", timedelta(seconds=retry_after))
                    return False
                error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
                if error in PERMANENT_ERRORS:
                    with session_scope(self.engine, write=True) as session:
                        finish(session, claim_, DeliveryState.FAILED, last_error=error)
                    log.warning("digest for %s not deliverable: %s", user_id, error)
                    self.report.add("failed")
                    return True
                self._retry(claim_, error)
                return False
            except OSError as exc:  # connection refused or reset, timeouts (after the client's retries)
                self._retry(claim_, f"{type(exc).__name__}: {exc}")
                return False
            break
        with session_scope(self.engine, write=True) as session:
            recorded = finish(
                session,
                claim_,
                DeliveryState.SENT,
                channel=response.get("channel"),
                ts=response.get("ts"),
                sent_at=self.clock(),
                items=items,
                last_error=None,
            )
            user = session.get(User, user_id)
            if user is not None and response.get("channel"):
                remember_dm_channel(session, user, str(response["channel"]), self.clock())
        if not recorded:
            log.warning("digest %d was sent but its claim had been taken over", claim_.id)
        self.report.add("sent")
        return True

    def _retry(self, claim_: Claim, error: str, wait: timedelta | None = None) -> None:
        with session_scope(self.engine) as session:
            attempts = (
                session.scalar(select(DigestDelivery.attempts).where(DigestDelivery.id == claim_.id)) or 1
            )
            backoff = min(self.config.first_backoff * 2 ** (attempts - 1), self.config.max_backoff)
            finish(
                session,
                claim_,
                DeliveryState.RETRY,
                last_error=error,
                next_attempt_at=self.clock() + max(backoff, wait or timedelta(0)),
            )
        log.warning("digest for %s not sent (%s): will retry", claim_.user_id, error)
        self.report.add("retry")


def _retry_after(exc: SlackApiError) -> float:
    headers = {k.lower(): v for k, v in (exc.response.headers or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0]
    try:
        return max(0.0, float(value)) if value is not None else 1.0
    except ValueError:
        return 1.0


def send_due(
    engine: Engine,
    client: WebClient | Workspaces,
    now: datetime,
    *,
    clock: Callable[[], datetime] | None = None,
    config: DeliveryConfig | None = None,
    home_url: str | None = None,
) -> SendReport:
    """Send every digest due at ``now``. Safe to run concurrently with itself."""
    return Sender(engine, client, now, clock=clock, config=config, home_url=home_url).run()
