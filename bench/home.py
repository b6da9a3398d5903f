"""Benchmark: building and publishing the App Home Summary and Deals tabs for a rep with 500 open deals and
2,000 open tasks on the large profile.

Works on a copy of the large-profile database (``--db``; default /tmp/home-bench/bench.db, copied from
/tmp/salesbot-bench/bench.db): the rep with the most deals gets 500 open deals and 2,000 open tasks
reassigned to them in the copy, then each tab is built (CRM reads + Block Kit) and published to a local
Slack Web API fake, ``--runs`` times. Prints median and p95 per tab (target: p95 under 300 ms) and the
load average.
Usage: python bench/home.py [--db PATH] [--runs 40]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from slack_sdk import WebClient
from sqlalchemy import text

from bench.common import NOW, percentile
from bot.home import service as home
from bot.home.state import HomeState
from crm.db import make_engine, session_scope, upgrade
from crm.models import User
from tests.fakes.slack_api import FakeSlack


def prepare(engine, rep_id: str) -> None:  # type: ignore[no-untyped-def]
    """Give ``rep_id`` 500 open deals and 2,000 open tasks (in the copy only)."""
    with engine.begin() as c:
        c.execute(
            text(
                "UPDATE deals SET owner_id = :r WHERE id IN (SELECT d.id FROM deals d JOIN stages s"
                " ON s.pipeline_id = d.pipeline_id AND s.id = d.stage_id WHERE s.state = 'open'"
                " ORDER BY d.id LIMIT 500)"
            ),
            {"r": rep_id},
        )
        c.execute(
            text(
                "UPDATE activities SET owner_id = :r, private = 0, status = 'not_started',"
                " due_at = COALESCE(due_at, :now) WHERE id IN (SELECT id FROM activities"
                " WHERE type = 'task' ORDER BY id LIMIT 2000)"
            ),
            {"r": rep_id, "now": NOW.replace(tzinfo=None).isoformat(sep=" ")},
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/home-bench/bench.db"))
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    engine = make_engine(f"sqlite:///{args.db}")
    upgrade(engine)
    with session_scope(engine) as session:
        rep = session.query(User).filter(User.role == "rep").order_by(User.id).first()
        assert rep is not None
        rep_id = rep.id
    prepare(engine, rep_id)
    slack = FakeSlack().start()
    try:
        client = WebClient(token=slack.token, base_url=slack.url)
        for tab in ("summary", "deals"):
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                with session_scope(engine) as session:
                    user = session.get(User, rep_id)
                    assert user is not None
                    effect = home.publish(session, user, "UBENCH", HomeState(tab=tab), NOW)
                effect(client)
                times.append((time.perf_counter() - started) * 1000)
            print(
                f"{tab:8} build+publish: median {statistics.median(times):6.1f} ms, "
                f"p95 {percentile(times, 0.95):6.1f} ms over {args.runs} runs"
            )
    finally:
        slack.stop()
    load = os.getloadavg()
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (cpus: {os.cpu_count()})")


if __name__ == "__main__":
    main()
