"""Benchmark: deal insights.

Prints, for deals with 100, 1,000 and 10,000 activities (emails with quoted replies, calls, meetings, notes;
long bodies): the context build time (median of runs; target under 50 ms at 100) and the prompt's estimated
tokens (bounded by the 6,000 budget at every size); then the cached answer time and the end-to-end time of
an uncached answer through the real ``ChatOpenAI`` against the local chat completions server
(tests/fakes/openai_api.py).

Usage: python bench/insights.py [--db-url URL] [--runs 20]   (default: a fresh SQLite file in /tmp)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from pydantic import SecretStr
from sqlalchemy import Engine, insert, text

from bench.common import NOW
from crm.config import Settings
from crm.db import make_engine, session_scope, upgrade
from crm.models import Activity, ActivityDeal, Deal, Org, Pipeline, Stage, User
from insights.budget import build_context
from insights.model import chat_model
from insights.service import get_insights
from tests.fakes.openai_api import FakeOpenAI

SIZES = (100, 1_000, 10_000)
BODY = (
    (
        "Thanks for the call. We reviewed the proposal with finance and security; SSO and audit logs "
        "are must-haves "
        "and the budget for Q1 is approved subject to legal review. "
    )
    * 6
    + "\n\nOn Mon, Nov 2, 2026 at 9:00 AM Ana <ana@acme.test> wrote:\n> "
    + "quoted text " * 200
)


def seed(engine: Engine) -> None:
    types = ("email", "call", "meeting", "note")
    with session_scope(engine) as s:
        s.add(Org(name="Bench"))
        s.add(User(id="u1", email="ana@acme.test", name="Ana Ruiz"))
        pipeline = Pipeline(id="p1", object="deal", name="Sales")
        pipeline.stages = [Stage(id="s1", label="Open", order=1, state="open")]
        s.add(pipeline)
        s.flush()
        for size in SIZES:
            s.add(Deal(id=f"d{size}", name=f"Deal {size}", owner_id="u1", pipeline_id="p1", stage_id="s1",
                       created_at=NOW - timedelta(days=90)))  # fmt: skip
        s.flush()
        for size in SIZES:
            rows, links = [], []
            for i in range(size):
                at = NOW - timedelta(minutes=30 * (i + 1))
                kind = types[i % 4]
                email, meeting = kind == "email", kind == "meeting"
                direction = ("incoming" if i % 8 == 0 else "outgoing") if email else None
                rows.append(
                    {
                        "id": f"d{size}-a{i}",
                        "type": kind,
                        "owner_id": "u1",
                        "private": False,
                        "body": BODY,
                        "occurred_at": at,
                        "ended_at": at,
                        "sent_at": at if email else None,
                        "direction": direction,
                        "subject": f"Subject {i}" if email else None,
                        "title": f"Meeting {i}" if meeting else None,
                        "start_at": at if meeting else None,
                        "end_at": at if meeting else None,
                        "started_at": at if kind == "call" else None,
                        "created_at": at if kind == "note" else None,
                    }
                )
                links.append({"activity_id": f"d{size}-a{i}", "deal_id": f"d{size}", "position": 0})
            s.execute(insert(Activity), rows)
            s.execute(insert(ActivityDeal), links)


def timed(fn, runs: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, value = [], None
    for _ in range(runs):
        start = time.perf_counter()
        value = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", default=None)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    url = args.db_url or f"sqlite:////tmp/salesbot-bench-insights-{time.time_ns()}.db"
    engine = make_engine(url)
    upgrade(engine)
    seed(engine)
    if engine.dialect.name == "postgresql":
        # Autovacuum analyses a table filled this fast only later; until then the planner guesses two rows
        # per table and nests loops over thousands (seconds a context). Production tables have statistics.
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    print(f"database: {engine.url.render_as_string(hide_password=True)}")
    # Timings on a shared machine mean little without the load they were taken under.
    print("load average: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    with session_scope(engine) as session:
        user = session.get(User, "u1")
        assert user is not None
        for size in SIZES:
            ms, context = timed(lambda size=size: build_context(session, f"d{size}", user, NOW), args.runs)
            print(
                f"context, {size:>6,} activities: {ms:7.1f} ms median  "
                f"prompt ~{context.prompt_tokens:,} tokens (budget 6,000)  "  # type: ignore[attr-defined]
                f"{len(context.recent)} activities in prompt, {context.omitted} older left out, "  # type: ignore[attr-defined]
                f"bodies cut to {context.body_cap} chars"  # type: ignore[attr-defined]
            )
        with FakeOpenAI() as server:
            settings = Settings(
                openai_api_key=SecretStr("k"), openai_base_url=server.base_url, salesbot_model="m"
            )
            model = chat_model(settings, max_retries=0)
            ms, _ = timed(
                lambda: get_insights(session, "d100", user, NOW, model=model, refresh=True), args.runs
            )
            print(f"end to end (uncached, local model server), 100 activities: {ms:7.1f} ms median")
            ms, result = timed(lambda: get_insights(session, "d100", user, NOW, model=model), args.runs)
            assert result.cached  # type: ignore[attr-defined]
            print(f"cached answer, 100 activities: {ms:7.1f} ms median")
    print("load average: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
