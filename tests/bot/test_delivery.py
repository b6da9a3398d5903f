"""Digest delivery against a local Slack Web API: who is due, exactly once, retries, crashes, limits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.digest.delivery import DeliveryConfig, send_due
from bot.slack import limits
from crm.models import DigestDelivery, SlackIdentity
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World

ROOT = Path(__file__).resolve().parents[2]
MONDAY_6 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def add_user(world: World, id_: str, email: str, *, task: bool = True, **fields: object) -> None:
    fields.setdefault("digest_time", "06:00")
    fields.setdefault("slack_user_id", f"U{id_.upper()}")
    world.user(id_, email, **fields)
    if task:
        world.task(f"task-{id_}", owner=id_, due=MONDAY_6 - timedelta(days=1))


def deliveries(session: Session) -> dict[tuple[str, date], DigestDelivery]:
    session.rollback()  # end the read snapshot the session may hold, to see the senders' commits
    return {(d.user_id, d.local_date): d for d in session.scalars(select(DigestDelivery))}


def _stat(pid: int | str) -> list[str]:
    """State, parent id... of a process from Linux's /proc (empty when it is gone)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def children_of(pid: int) -> list[int]:
    return [int(p.name) for p in Path("/proc").glob("[0-9]*") if _stat(p.name)[1:2] == [str(pid)]]


def running(pid: int) -> bool:
    return _stat(pid)[:1] not in ([], ["Z"], ["X"])  # a zombie has exited


def posted_to(slack: FakeSlack) -> list[str]:
    return sorted(m.user or "" for m in slack.messages)


def test_who_gets_a_digest(
    world: World, session: Session, engine: Engine, slack: FakeSlack, client: WebClient
) -> None:
    world.users["u1"].slack_user_id = "UANA"
    world.users["u1"].digest_time = "06:00"
    world.task("t1", due=MONDAY_6 - timedelta(days=1))
    world.users["u2"].digest_enabled = False  # digests off
    world.task("t2", owner="u2", due=MONDAY_6)
    add_user(
        world, "u3", "sun@acme.test", timezone="America/Los_Angeles", digest_time="00:00"
    )  # Sunday there
    add_user(world, "u4", "late@acme.test", timezone="Asia/Tokyo", digest_time="16:00")  # 15:00 there
    add_user(world, "u5", "ghost@acme.test", slack_user_id=None)  # Slack does not know this email
    add_user(world, "u6", "eve@acme.test", slack_user_id=None)  # found by email
    add_user(world, "u7", "empty@acme.test", task=False)  # empty day: skipped
    add_user(world, "u8", "always@acme.test", task=False, digest_send_when_empty=True)
    add_user(world, "u9", "sat@acme.test", digest_weekdays=[6, 7])  # weekends only
    slack.users["eve@acme.test"] = "UEVE"
    world.commit()

    report = send_due(engine, client, MONDAY_6)
    assert posted_to(slack) == ["UANA", "UEVE", "UU8"]
    assert (report.sent, report.skipped_empty, report.not_in_slack) == (3, 1, 1)
    rows = deliveries(session)
    today = date(2026, 11, 23)
    assert {u for (u, _), d in rows.items() if d.state == "sent"} == {"u1", "u6", "u8"}
    assert rows[("u7", today)].state == "skipped"
    sent = rows[("u1", today)]
    assert sent.channel == "DANA" and sent.ts and sent.sent_at == MONDAY_6
    assert sent.items is not None and sent.items["overdue"] == ["task:t1"]
    assert session.get(SlackIdentity, "u6").slack_user_id == "UEVE"
    assert session.get(SlackIdentity, "u5").slack_user_id is None
    for message in slack.messages:
        limits.check_message({"text": message.text, "blocks": message.blocks})
        assert message.metadata["event_type"] == "salesbot_digest"

    # A second tick the same day sends nothing, and does not ask Slack about u5 again.
    lookups = len(slack.calls("users.lookupByEmail"))
    again = send_due(engine, client, MONDAY_6 + timedelta(minutes=1))
    assert again.sent == 0 and len(slack.messages) == 3
    assert len(slack.calls("users.lookupByEmail")) == lookups

    # Missed by the scheduler for a while: still sent within the late window (u4, Tokyo, at 18:30 for
    # 16:00). (By then it is Monday 01:30 in Los Angeles: u3's digest of 00:00 is due there as well.)
    late = send_due(engine, client, datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    assert late.sent == 2
    assert [m.user for m in slack.messages[3:]] in (["UU4", "UU3"], ["UU3", "UU4"])
    # u5 was never found in Slack: after the window the day stays "not linked" (the report's reason).
    assert late.missed == 0 and deliveries(session)[("u5", today)].state == "not_linked"
    # ...never on the next day: at 00:01 Tokyo time the 23rd is over and the 24th is a new digest, not due
    # before 16:00 there.
    tuesday = send_due(engine, client, datetime(2026, 11, 24, 6, 0, tzinfo=UTC))
    assert tuesday.sent == 3
    assert sorted(m.user or "" for m in slack.messages[5:]) == ["UANA", "UEVE", "UU8"]


def test_weekday_follows_the_local_date(
    world: World, engine: Engine, slack: FakeSlack, client: WebClient
) -> None:
    # Friday 23:30 UTC is already Saturday in Berlin: no digest there; Friday in New York: digest.
    friday_late = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)
    add_user(world, "u3", "berlin@acme.test", timezone="Europe/Berlin", digest_time="00:00")
    add_user(world, "u4", "ny@acme.test", timezone="America/New_York", digest_time="17:00")  # 18:30 there
    world.commit()
    send_due(engine, client, friday_late)
    assert posted_to(slack) == ["UU4"]


def test_daylight_saving_day(world: World, engine: Engine, slack: FakeSlack, client: WebClient) -> None:
    # 2027-03-28: Warsaw springs forward at 02:00; 08:00 local is 06:00 UTC that day (07:00 the day before).
    add_user(
        world, "u3", "warsaw@acme.test", timezone="Europe/Warsaw", digest_time="08:00", digest_weekdays=[7]
    )
    world.commit()
    assert send_due(engine, client, datetime(2027, 3, 28, 5, 59, tzinfo=UTC)).sent == 0
    assert send_due(engine, client, datetime(2027, 3, 28, 6, 0, tzinfo=UTC)).sent == 1


@pytest.mark.parametrize("processes", [0, 2], ids=["in-process", "build-processes"])
def test_two_senders_at_once_send_each_digest_once(
    processes: int, world: World, session: Session, engine: Engine, slack: FakeSlack, client: WebClient
) -> None:
    for i in range(3, 23):
        add_user(world, f"u{i}", f"rep{i}@acme.test")
    world.commit()
    barrier = threading.Barrier(2)
    reports = []

    def run() -> None:
        barrier.wait()
        config = DeliveryConfig(workers=4, processes=processes)
        reports.append(send_due(engine, client, MONDAY_6, config=config))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(slack.messages) == 20
    assert len(set(posted_to(slack))) == 20
    assert sum(r.sent for r in reports) == 20
    assert all(d.state == "sent" for d in deliveries(session).values())


def test_429_and_500_are_retried_and_arrive_once(
    world: World, session: Session, engine: Engine, slack: FakeSlack, client: WebClient
) -> None:
    add_user(world, "u3", "a@acme.test")
    add_user(world, "u4", "b@acme.test")
    world.commit()
    slack.fail("chat.postMessage", status=500)  # retried inside the call by the client's handler
    slack.fail("chat.postMessage", ratelimited=1)  # the sender pauses for Retry-After and tries again
    report = send_due(engine, client, MONDAY_6)
    assert report.sent == 2 and report.rate_limited == 1
    assert posted_to(slack) == ["UU3", "UU4"]
    assert ("chat.postMessage", "HTTP 500") in slack.rejected and (
        "chat.postMessage",
        "ratelimited",
    ) in slack.rejected


def test_a_failing_digest_backs_off_without_blocking_others(
    world: World, session: Session, engine: Engine, slack: FakeSlack, client: WebClient
) -> None:
    add_user(world, "u3", "a@acme.test")
    world.commit()
    slack.fail("chat.postMessage", times=3, status=503)  # more than the client's own two retries
    report = send_due(engine, client, MONDAY_6, config=DeliveryConfig(workers=1))
    assert (report.sent, report.retry) == (0, 1)
    row = deliveries(session)[("u3", date(2026, 11, 23))]
    assert row.state == "retry" and row.next_attempt_at == MONDAY_6 + timedelta(minutes=1)
    assert row.last_error == "internal_error"
    assert send_due(engine, client, MONDAY_6 + timedelta(seconds=30)).sent == 0  # backing off
    assert send_due(engine, client, MONDAY_6 + timedelta(minutes=1)).sent == 1
    assert posted_to(slack) == ["UU3"]
    assert deliveries(session)[("u3", date(2026, 11, 23))].attempts == 2


def test_permanent_slack_errors_end_the_day(
    world: World, session: Session, engine: Engine, slack: FakeSlack, client: WebClient
) -> None:
    add_user(world, "u3", "gone@acme.test")
    world.commit()
    slack.fail("chat.postMessage", error="account_inactive")
    assert send_due(engine, client, MONDAY_6).failed == 1
    assert deliveries(session)[("u3", date(2026, 11, 23))].state == "failed"
    assert send_due(engine, client, MONDAY_6 + timedelta(hours=1)).due == 0
    assert slack.messages == []


def test_wrong_token_is_retried_not_lost(
    world: World, session: Session, engine: Engine, slack: FakeSlack
) -> None:
    add_user(world, "u3", "a@acme.test")
    world.commit()
    bad = WebClient(token="xoxb-wrong", base_url=slack.url)
    assert send_due(engine, bad, MONDAY_6).retry == 1
    assert deliveries(session)[("u3", date(2026, 11, 23))].last_error == "invalid_auth"


@pytest.mark.parametrize(
    ("posted_before_crash", "processes"), [(False, 0), (True, 0), (True, 2)], ids=["0", "posted", "posted-2p"]
)
def test_a_sender_killed_mid_delivery_never_causes_a_duplicate(
    posted_before_crash: bool,
    processes: int,
    world: World,
    session: Session,
    engine: Engine,
    db_url: str,
    slack: FakeSlack,
    client: WebClient,
) -> None:
    if processes and not Path("/proc/self/stat").exists():
        pytest.skip("finds the sender's build processes in Linux's /proc")
    add_user(world, "u3", "a@acme.test")
    world.commit()
    release = slack.hang("chat.postMessage", record=posted_before_crash)
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_API_URL": slack.url,
        "SALESBOT_DIGEST_PROCESSES": str(processes),  # digests built in worker processes, or not
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli.main", "digest", "send-due", "--now", MONDAY_6.isoformat()],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert slack.hanging.wait(60), proc.communicate(timeout=5)
        children = children_of(proc.pid)
        assert bool(children) == bool(processes)  # its build process (and multiprocessing's helper)
        proc.send_signal(signal.SIGKILL)  # killed between claim and the end of the send
        proc.wait(10)
    finally:
        release.set()
    # ...and its build processes leave with it.
    deadline = time.monotonic() + 10
    while any(map(running, children)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in children if running(pid)]
    row = deliveries(session)[("u3", date(2026, 11, 23))]
    assert row.state == "claimed"
    assert len(slack.messages) == int(posted_before_crash)

    # Within the lease nobody else sends it...
    assert send_due(engine, client, MONDAY_6 + timedelta(minutes=1)).sent == 0
    # ...after it, the claim is taken over: sent once, or found already posted and recorded.
    report = send_due(engine, client, MONDAY_6 + timedelta(minutes=6))
    assert len(slack.messages) == 1
    assert (report.sent, report.recovered) == ((0, 1) if posted_before_crash else (1, 0))
    row = deliveries(session)[("u3", date(2026, 11, 23))]
    assert row.state == "sent" and row.ts == slack.messages[0].ts and row.attempts == 2
