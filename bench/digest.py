"""Benchmark: building and delivering morning digests on the large demo profile.

Prints:
- digest build time per user (load from the CRM + Block Kit payload), median and p95, over every rep;
- the time to send 1,000 digests through a local Slack Web API server that rate-limits like Slack
  (one message per second per channel; a workspace limit answered with 429 and Retry-After), next to that
  server's floor (messages / workspace rate), and the duplicates and losses (targets: within 1.2x the floor,
  zero duplicates, zero lost). The server runs in a process of its own, so the time is the sender's alone.

Usage: python bench/digest.py [--db-url URL] [--rate 50] [--workers 4] [--processes 2]
(default: the SQLite database bench/rules.py left in /tmp/salesbot-bench; the large profile is generated and
imported first when that database is empty). The send run makes every rep due (their digest settings are
restored afterwards) and deletes the database's digest deliveries.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from sqlalchemy import delete, select

from bench.common import NOW, percentile
from bench.rules import ensure_data
from bot.digest.content import load_digest
from bot.digest.delivery import DeliveryConfig, send_due
from bot.digest.render import message_payload
from bot.slack.client import delivery_client
from crm.config import Settings
from crm.db import make_engine, session_scope, upgrade
from crm.localtime import zone
from crm.models import Action, DigestDelivery, Role, SlackIdentity, User
from rules.engine import evaluate
from tests.fakes.slack_process import FakeSlackProcess


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/salesbot-bench"))
    parser.add_argument("--db-url")
    parser.add_argument("--rate", type=int, default=50, help="the fake workspace's messages per second")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--processes", type=int, default=2, help="worker processes building digests")
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(args.db_url or f"sqlite:///{args.workdir / 'bench.db'}")
    upgrade(engine)
    ensure_data(engine, args.workdir)
    with session_scope(engine) as session:
        session.execute(delete(DigestDelivery))
        has_actions = session.scalar(select(Action.id).limit(1)) is not None
    if not has_actions:
        with session_scope(engine) as session:
            evaluate(session, NOW)  # digests with guided actions, as a rep would get them

    # --- build time per user -------------------------------------------------------------------------
    with session_scope(engine) as session:
        reps = session.scalars(select(User).where(User.role == Role.REP).order_by(User.id)).all()
        timings: list[float] = []
        blocks: list[int] = []
        for rep in reps:
            started = time.perf_counter()
            payload = message_payload(load_digest(session, rep, NOW, channel=rep.slack_user_id or "U0"))
            timings.append((time.perf_counter() - started) * 1000)
            blocks.append(len(payload["blocks"]))
    print(f"database              {engine.dialect.name}, {len(reps):,} reps")
    print(
        f"digest build          median {statistics.median(timings):.1f} ms, "
        f"p95 {percentile(timings, 0.95):.1f} ms, max {max(timings):.1f} ms per user "
        "(target: median under 10 ms)"
    )
    print(
        f"blocks per digest     median {statistics.median(blocks):.0f}, max {max(blocks)} (Slack's limit: 50)"
    )

    # --- delivery --------------------------------------------------------------------------------------
    with session_scope(engine) as session:
        users = session.scalars(select(User).order_by(User.id).limit(args.messages)).all()
        saved = {
            u.id: (
                u.digest_enabled,
                u.digest_time,
                list(u.digest_weekdays),
                u.digest_send_when_empty,
                u.slack_user_id,
            )
            for u in session.scalars(select(User))
        }
        for user in session.scalars(select(User)):
            user.digest_enabled = False
        for i, user in enumerate(users):
            user.digest_enabled = True
            # Due now, in the user's own zone: a digest is sent late only within the late window (3 hours).
            user.digest_time = NOW.astimezone(zone(user.timezone)).strftime("%H:%M")
            user.digest_weekdays = [1, 2, 3, 4, 5, 6, 7]
            user.digest_send_when_empty = True
            user.slack_user_id = user.slack_user_id or f"UB{i:06d}"
        session.execute(delete(SlackIdentity))
    # The fake Slack runs in a process of its own: the sender is measured alone, as against real Slack.
    slack = FakeSlackProcess(workspace_rate=args.rate, channel_interval=1.0).start()
    try:
        client = delivery_client(settings=Settings(slack_bot_token=slack.token, slack_api_url=slack.url))
        config = DeliveryConfig(workers=args.workers, processes=args.processes, run_budget_s=600)
        cpu_before = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        report = send_due(engine, client, NOW, config=config)
        seconds = time.perf_counter() - started
        # The build processes have been joined by now (the fake Slack's not yet): their CPU is counted.
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_own = time.process_time() - cpu_before[0]
        cpu_builders = (children.ru_utime + children.ru_stime) - (
            cpu_before[1].ru_utime + cpu_before[1].ru_stime
        )
        record = slack.record()
    finally:
        slack.stop()
        with session_scope(engine) as session:
            for user in session.scalars(select(User)):
                enabled, at, weekdays, empty, slack_id = saved[user.id]
                user.digest_enabled, user.digest_time, user.digest_weekdays = enabled, at, weekdays
                user.digest_send_when_empty, user.slack_user_id = empty, slack_id
    fake_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    fake_cpu_s = (fake_cpu.ru_utime + fake_cpu.ru_stime) - (children.ru_utime + children.ru_stime)
    per_channel = Counter(m["channel"] for m in record.messages)
    duplicates = sum(n - 1 for n in per_channel.values() if n > 1)
    lost = len(users) - len(per_channel)
    floor = len(users) / args.rate
    print(
        f"delivery              {len(record.messages):,} digests in {seconds:.1f} s; floor {floor:.1f} s "
        f"({args.rate}/s workspace limit, 1/s per channel) -> {seconds / floor:.2f}x the floor (target 1.2x)"
    )
    print(
        f"                      {report.rate_limited} answers 429, {duplicates} duplicates, {lost} lost, "
        f"{report.retry} left to retry, {report.failed} failed"
    )
    sent = max(1, len(record.messages))
    print(
        f"sender CPU            {(cpu_own + cpu_builders) / sent * 1000:.1f} ms per digest: "
        f"{cpu_own / sent * 1000:.1f} in the sending process, {cpu_builders / sent * 1000:.1f} in "
        f"{args.processes} build processes; the fake Slack server {fake_cpu_s / sent * 1000:.1f}"
    )


if __name__ == "__main__":
    main()
