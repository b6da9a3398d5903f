"""Benchmark: building and publishing the App Home Summary and Deals tabs for a rep with 500 open deals and
2,000 open tasks on the large profile, and a manager's Summary (with its Team section and team goals) for a
50-rep team.

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
from bot.home import home_tab
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


TEAM_SIZE = 50


def prepare_team(engine) -> str:  # type: ignore[no-untyped-def]
    """A manager of a leaf team whose team then has exactly ``TEAM_SIZE`` reps (moved there, in the copy),
    with a deals-won and a meetings goal; their id."""
    with engine.begin() as c:
        manager_id, team_id = c.execute(
            text(
                "SELECT id, team_id FROM users WHERE role = 'manager' AND team_id IS NOT NULL"
                " AND team_id NOT IN (SELECT parent_id FROM teams WHERE parent_id IS NOT NULL)"
                " ORDER BY id LIMIT 1"
            )
        ).one()
        c.execute(text("UPDATE users SET team_id = NULL WHERE team_id = :t AND role = 'rep'"), {"t": team_id})
        c.execute(
            text(
                "UPDATE users SET team_id = :t WHERE id IN (SELECT id FROM users WHERE role = 'rep'"
                " ORDER BY id LIMIT :n)"
            ),
            {"t": team_id, "n": TEAM_SIZE},
        )
        c.execute(text("DELETE FROM user_goals WHERE user_id = :m"), {"m": manager_id})
        c.execute(
            text(
                "INSERT INTO user_goals (user_id, position, metric, period, target) VALUES"
                " (:m, 0, 'deals_won', 'quarter', 45), (:m, 1, 'meetings_booked', 'month', 400)"
            ),
            {"m": manager_id},
        )
    return str(manager_id)


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
    manager_id = prepare_team(engine)
    slack = FakeSlack(check_block_kit=False).start()
    try:
        client = WebClient(token=slack.token, base_url=slack.url)
        for label, user_id, tab in (
            ("summary", rep_id, "summary"),
            ("deals", rep_id, "deals"),
            (f"manager summary ({TEAM_SIZE} reps)", manager_id, "summary"),
            ("manager deals (My team)", manager_id, "deals"),
        ):
            times, cpu = [], []
            for _ in range(args.runs):
                started, started_cpu = time.perf_counter(), time.process_time()
                with session_scope(engine) as session:
                    user = session.get(User, user_id)
                    assert user is not None
                    effect = home_tab.publish(session, user, "UBENCH", HomeState(tab=tab), NOW)
                effect(client)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            # CPU time of this process (SQLite runs in it; the fake Slack's threads too): what a build costs
            # when the wall clock is inflated by other work on the machine.
            print(
                f"{label:30} build+publish: median {statistics.median(times):6.1f} ms, "
                f"p95 {percentile(times, 0.95):6.1f} ms over {args.runs} runs; "
                f"CPU median {statistics.median(cpu):6.1f} ms, p95 {percentile(cpu, 0.95):6.1f} ms"
            )
    finally:
        slack.stop()
    load = os.getloadavg()
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (cpus: {os.cpu_count()})")


if __name__ == "__main__":
    main()
