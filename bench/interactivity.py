"""Benchmark: how fast `salesbot serve` acks button clicks, next to a bare Bolt app served the same way.

Starts, one after the other, two servers as subprocesses on loopback, both behind the same WSGI front
(signature check, payload check) on waitress with the same thread count, both talking to one local fake
Slack Web API (in a process of its own, like the fake HubSpot, so serving the app's calls never takes the
interpreter lock from the clients whose latency is measured):
- `salesbot serve` on a demo CRM (SQLite), answering signed "Complete" clicks on real tasks of mapped reps
  (each click completes a task, redraws nothing since the click is not on a stored digest, and tells the
  user; all of that after the ack, in the background, competing for the same two cores);
- a bare Bolt app whose only listener acks and does nothing.
50 concurrent clients (keep-alive connections) each send their share of the clicks; the time from sending a
request to its HTTP answer is the ack latency. Prints median, p95, p99 and errors for both, and the ratio.
Targets: p99 within 1.5x the bare app and under 300 ms; zero errors.

With ``--hubspot``, Salesbot runs with HubSpot connected to a fake HubSpot mirroring the demo's tasks
(``bench/interactivity_hubspot.py``): every first click on a task queues a write-back, sent after the ack.
The ack phase then runs while the write-back pool works through its backlog; a second run of the server
sends ``--paced`` clicks on fresh tasks from the same clients at ``--rate`` clicks a second (what the rate
budget carries: a write is a read and a PATCH) and prints the time from each click to HubSpot's record
updated, and lost / duplicated writes.

Usage: python bench/interactivity.py [--clients 50] [--clicks 2000] [--reps 50]
       [--hubspot [--hubspot-latency-ms 150] [--paced 200] [--rate 4]]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import select

from crm.db import make_engine, session_scope
from crm.models import Activity, User
from tests.fakes.slack_api import FakeSlack

SECRET = "bench-secret"
THREADS = 16


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_bare(port: int) -> None:
    """The comparison: a Bolt app with one no-op listener, behind the same front and server."""
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    from bot.server import SlackWSGI, serve

    app = App(
        signing_secret=SECRET,
        client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
    )

    def complete(ack: Ack) -> None:
        ack()

    app.action("digest.complete")(complete)
    serve(SlackWSGI(app, SECRET), host="127.0.0.1", port=port, threads=THREADS)


def wait_up(port: int, process: subprocess.Popen[bytes]) -> None:
    """Until the server answers ``/healthz``, and ``salesbot serve``'s work process says it is ready."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            body = response.read()
            work = json.loads(body).get("work") if body.startswith(b"{") else None
            if response.status == 200 and (work is None or work.get("ready")):
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not start")


def click_body(slack_user: str, task_id: str) -> str:
    payload = {
        "type": "block_actions",
        "team": {"id": "T0001"},
        "user": {"id": slack_user},
        "channel": {"id": "D" + slack_user[1:]},
        "container": {"type": "message", "message_ts": "1700000000.000001"},
        "actions": [
            {"action_id": "digest.complete", "block_id": f"a:task:{task_id}", "value": f"task:{task_id}"}
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def hammer(port: int, clicks: list[tuple[str, str]], clients: int) -> tuple[list[float], int]:
    verifier = SignatureVerifier(SECRET)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def client(share: list[tuple[str, str]]) -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        start.wait()
        for slack_user, task_id in share:
            body = click_body(slack_user, task_id)
            timestamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": verifier.generate_signature(timestamp=timestamp, body=body),
            }
            began = time.perf_counter()
            try:
                connection.request("POST", "/slack/events", body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                ok = False
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                latencies.append(elapsed)
                errors += 0 if ok else 1

    threads = [threading.Thread(target=client, args=(clicks[i::clients],)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def signed_headers(body: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body),
    }


def run_server(  # type: ignore[no-untyped-def]
    args: list[str],
    env: dict[str, str],
    port: int,
    clicks: list[tuple[str, str]],
    clients: int,
    drained=None,
    phase=None,
    warmed=None,
):
    log_path = os.environ.get("BENCH_SERVER_LOG")  # where the servers' logs go (default: nowhere)
    log_file = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed below
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=log_file)
    try:
        wait_up(port, process)
        if phase is not None:
            return phase(port)
        hammer(port, clicks[:clients], clients)  # warm-up: connections, first auth.test, caches
        deadline = time.monotonic() + 60
        while warmed is not None and not warmed() and time.monotonic() < deadline:
            time.sleep(0.1)  # the warm-up clicks' work done too: what is measured is a running server
        began = time.perf_counter()
        cpu_before = cpu_seconds(process.pid)
        result = hammer(port, clicks[clients:], clients)
        cpu = cpu_seconds(process.pid) - cpu_before
        per_click = cpu * 1000 / max(len(result[0]), 1)
        print(f"answering process     {per_click:.2f} ms CPU per click while hammered")
        if drained is not None:  # wait for the work after the acks, to report its throughput
            deadline = time.monotonic() + 300
            while not drained() and time.monotonic() < deadline:
                time.sleep(0.1)
            seconds = time.perf_counter() - began
            print(f"work after the ack    all {len(clicks):,} clicks handled {seconds:.1f} s after the first")
        return result
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        if log_path:
            log_file.close()  # type: ignore[union-attr]


def _fakes(connection: Connection, db_url: str, hubspot_latency_ms: float | None) -> None:
    """The fakes' process: the fake Slack and, with --hubspot, the fake HubSpot mirroring the demo's tasks;
    answers the benchmark's questions over ``connection`` until told to stop."""
    slack = FakeSlack(token="xoxb-bench", check_block_kit=False).start()
    mirror = None
    if hubspot_latency_ms is not None:
        from bench.interactivity_hubspot import Mirror

        engine = make_engine(db_url)
        mirror = Mirror(engine, hubspot_latency_ms).start()
        engine.dispose()
    env = {"SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.url, **(mirror.env() if mirror else {})}
    connection.send((env, mirror.task_ids if mirror else {}))
    try:
        while True:
            question, *args = connection.recv()
            if question == "calls":
                connection.send(len(slack.calls(args[0])))
            elif question == "completed":
                connection.send(dict(mirror.completed) if mirror else {})
            elif question == "hubspot":
                answer = mirror.fake.command(args[0]) if mirror else {}
                connection.send({**answer, "rate_limited": mirror.fake.rate_limited if mirror else 0})
            else:
                break
    finally:
        slack.stop()
        if mirror is not None:
            mirror.stop()


class Fakes:
    """The fakes in a process of their own, so that serving the app's Slack and HubSpot calls never takes
    the interpreter lock from the clients whose latency is measured (a real Slack is not in their process
    either)."""

    def __init__(self, db_url: str, hubspot_latency_ms: float | None) -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, there = context.Pipe()
        self._process = context.Process(target=_fakes, args=(there, db_url, hubspot_latency_ms), daemon=True)
        self._process.start()
        self._lock = threading.Lock()
        self.env, self.task_ids = self._connection.recv()

    def ask(self, *question: str) -> Any:
        with self._lock:
            self._connection.send(question)
            return self._connection.recv()

    def calls(self, method: str) -> int:
        return int(self.ask("calls", method))

    def completed(self) -> dict[str, list[float]]:
        return dict(self.ask("completed"))

    def command(self, line: str) -> dict[str, Any]:
        return dict(self.ask("hubspot", line))

    def stop(self) -> None:
        with self._lock:
            self._connection.send(("stop",))
        self._process.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--clicks", type=int, default=2000)
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--hubspot", action="store_true", help="with HubSpot connected (a fake HubSpot)")
    parser.add_argument("--hubspot-latency-ms", type=float, default=150.0)
    parser.add_argument("--paced", type=int, default=200, help="clicks timed to HubSpot (with --hubspot)")
    parser.add_argument("--rate", type=float, default=4.0, help="clicks a second in the paced phase")
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return
    workdir = Path(tempfile.mkdtemp(prefix="salesbot-interactivity-"))
    db_url = f"sqlite:///{workdir / 'crm.db'}"
    salesbot = [sys.executable, "-m", "bot.cli.main", "--database-url", db_url]
    subprocess.run([*salesbot, "demo", "--reps", str(args.reps)], check=True, stdout=subprocess.DEVNULL)
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        rows = session.execute(
            select(User.slack_user_id, Activity.id)
            .join(Activity, Activity.owner_id == User.id)
            .where(Activity.type == "task", User.slack_user_id.is_not(None))
            .order_by(Activity.id)
        ).all()
    clicks = [(str(u), str(t)) for u, t in rows]
    paced: list[tuple[str, str]] = []
    if args.hubspot:
        with session_scope(engine) as session:
            open_ids = set(
                session.scalars(
                    select(Activity.id).where(Activity.type == "task", Activity.status != "completed")
                )
            )
        fresh = [c for c in clicks if c[1] in open_ids]
        paced = fresh[-args.paced :]
        clicks = [c for c in clicks if c not in paced]
    engine.dispose()
    while len(clicks) < args.clicks + args.clients:
        clicks += clicks  # repeated clicks: "already completed", the same ack path
    clicks = clicks[: args.clicks + args.clients]

    fakes = Fakes(db_url, args.hubspot_latency_ms if args.hubspot else None)
    env = {**os.environ, **fakes.env, "SLACK_SIGNING_SECRET": SECRET, "PYTHONPATH": str(_HERE.parent)}
    env.pop("OPENAI_API_KEY", None)
    try:
        port = free_port()
        app, app_errors = run_server(
            [*salesbot, "serve", "--host", "127.0.0.1", "--port", str(port), "--threads", str(THREADS)],
            env,
            port,
            clicks,
            args.clients,
            drained=lambda: fakes.calls("chat.postEphemeral") >= len(clicks),
            warmed=lambda: fakes.calls("chat.postEphemeral") >= args.clients,
        )
        if args.hubspot:
            from bench.interactivity_hubspot import paced_clicks, report

            def timed(port: int) -> None:
                fakes.command("reset")  # the paced phase's requests only
                sent = paced_clicks(port, paced, args.clients, args.rate, click_body, signed_headers)
                report(fakes, sent, 120.0, pct)

            print(f"paced phase           {len(paced)} clicks at {args.rate:g}/s from {args.clients} clients")
            port = free_port()
            run_server(
                [*salesbot, "serve", "--host", "127.0.0.1", "--port", str(port), "--threads", str(THREADS)],
                env,
                port,
                clicks,
                args.clients,
                phase=timed,
            )
        port = free_port()
        bare, bare_errors = run_server(
            [sys.executable, str(Path(__file__).resolve()), "--serve-bare", str(port)],
            env,
            port,
            clicks,
            args.clients,
        )
    finally:
        fakes.stop()
    load = os.getloadavg()[0]
    print(
        f"clicks                {len(app):,} per server, {args.clients} concurrent clients, load {load:.2f}"
    )
    for name, values, errors in (("salesbot serve", app, app_errors), ("bare Bolt app", bare, bare_errors)):
        print(
            f"{name:<22}median {statistics.median(values):6.1f} ms  p95 {pct(values, 0.95):6.1f} ms  "
            f"p99 {pct(values, 0.99):6.1f} ms  errors {errors}"
        )
    ratio = pct(app, 0.99) / pct(bare, 0.99)
    print(f"p99 ratio             {ratio:.2f}x the bare app (target 1.5x, and p99 under 300 ms)")


if __name__ == "__main__":
    main()
