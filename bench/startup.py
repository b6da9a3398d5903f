"""Benchmark: each `salesbot` command's start-up, wall and CPU time (issue 16: under 0.6 s each).

Start-up is the time from starting the process until the command begins its own work:

- a command that reads or writes the store: until its first SQL statement after the schema check (the
  check itself, ``bot.cli.failures.open_store``, is start-up; whatever the command then sends first, a
  ``BEGIN`` or a query, is its work). Everything before it counts: the interpreter, imports, settings, the
  engine, the schema check, mapper configuration and statement building;
- ``serve``, ``socket`` and ``clock``: until they start serving (``bot.server.serve``, Bolt's Socket Mode
  ``start``, APScheduler's ``start``), the Slack app built and its listeners registered;
- commands that never touch the store (``--help``, ``--version``, ``rules list``) and ``db upgrade`` (whose
  work is the schema check): the whole run, until the process exits.

Each run is a fresh ``python`` process running ``bot.cli.main.main`` as the ``salesbot`` script does, with a
probe that notes the moment above (``time.perf_counter``, the system-wide monotonic clock, and the process's
CPU time, user + sys) and ends the process at once with ``os._exit``: the command's work never runs, so the
benchmark changes nothing, sends nothing and the numbers are start-up alone. The wall time starts just before
the parent spawns the child. Every run uses a fully configured deployment: Slack (a bot token, a signing
secret, an app token) and HubSpot (a private app token), both answered by local fakes (tests/fakes), no model.

Prints per command the median wall and CPU time of ``--runs`` runs, what ended the measurement, and the load
average before and after: wall times follow the machine's load, CPU times much less.

Usage: python bench/startup.py [--runs N] [--database-url URL] [--only NAME ...]
(default: a small demo CRM made in a temporary folder first).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

_HERE = Path(__file__).resolve().parent
ROOT = _HERE.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from tests.fakes.hubspot_api import TOKEN as HUBSPOT_TOKEN
from tests.fakes.hubspot_api import FakeHubSpot
from tests.fakes.slack_api import FakeSlack

# Runs in the child: installs the probe, then runs the command as the `salesbot` script does. Importing
# bot.cli.failures is part of what main imports anyway.
PROBE = r"""
import os, sys, time

def fire(how):
    cpu = time.process_time()
    with open(os.environ["STARTUP_PROBE_OUT"], "w") as out:
        out.write(f"{time.perf_counter()} {cpu} {how}")
    os._exit(0)

mark = os.environ["STARTUP_PROBE_MARK"]
if mark == "query":
    import bot.cli.failures as failures

    opened = failures.open_store

    def open_store(url):
        engine = opened(url)
        from sqlalchemy import event

        event.listen(engine, "before_cursor_execute", lambda *_args: fire("first query"))
        return engine

    failures.open_store = open_store
elif mark.startswith("call:"):
    from importlib.abc import MetaPathFinder

    module_name, qualname = mark[5:].split(":")

    class AfterImport(MetaPathFinder):
        # Wraps module_name's qualname once the module is loaded (importing it here would change timings).
        def find_spec(self, name, path, target=None):
            if name != module_name:
                return None
            for finder in sys.meta_path:
                spec = finder.find_spec(name, path, target) if finder is not self else None
                if spec is not None:
                    break
            else:
                return None
            execute = spec.loader.exec_module

            def exec_module(module):
                execute(module)
                *owner_path, attr = qualname.split(".")
                owner = module
                for part in owner_path:
                    owner = getattr(owner, part)
                setattr(owner, attr, lambda *a, **k: fire(qualname))

            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, AfterImport())

from bot.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


SOCKET_MODE = "slack_bolt.adapter.socket_mode.base_handler"


@dataclass(frozen=True)
class Command:
    name: str
    argv: tuple[str, ...]
    mark: str = "query"  # "query", "exit" or "call:MODULE:QUALNAME"


def commands(rep: str, manager: str, deal: str, dataset: str, export: str) -> list[Command]:
    return [
        Command("--help", ("--help",), "exit"),
        Command("--version", ("--version",), "exit"),
        Command("demo", ("demo", "--reps", "2")),
        Command("import", ("import", dataset)),
        Command("export", ("export", export)),
        Command("db upgrade", ("db", "upgrade"), "exit"),
        Command("rules run", ("rules", "run")),
        Command("rules list", ("rules", "list"), "exit"),
        Command("actions", ("actions", "--user", rep)),
        Command("digest", ("digest", "--user", rep)),
        Command("digest --team", ("digest", "--user", manager, "--team")),
        Command("digest send-due", ("digest", "send-due")),
        Command("digest send-due --dry-run", ("digest", "send-due", "--dry-run")),
        Command("digest report", ("digest", "report")),
        Command("feedback report", ("feedback", "report")),
        Command("housekeeping", ("housekeeping",)),
        Command("insights", ("insights", deal, "--as", rep)),
        Command("home", ("home", "--user", rep)),
        Command("preview digest", ("preview", "digest", "--user", rep)),
        Command("preview home", ("preview", "home", "--user", rep)),
        Command("preview insights", ("preview", "insights", deal, "--as", rep)),
        Command("hubspot sync", ("hubspot", "sync")),
        Command("hubspot status", ("hubspot", "status")),
        Command("hubspot roles", ("hubspot", "roles")),
        Command("hubspot roles set", ("hubspot", "roles", "set", "Sales", "--role", "rep")),
        Command("hubspot push", ("hubspot", "push")),
        Command("clock", ("clock",), "call:apscheduler.schedulers.blocking:BlockingScheduler.start"),
        Command("serve", ("serve", "--port", "0"), "call:bot.server:serve"),
        Command("socket", ("socket",), f"call:{SOCKET_MODE}:BaseSocketModeHandler.start"),
    ]  # fmt: skip


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    how: str


def run_once(command: Command, env: dict[str, str], workdir: Path, *, importtime: bool = False) -> Run:
    out = workdir / "probe.txt"
    out.unlink(missing_ok=True)
    env = {**env, "STARTUP_PROBE_OUT": str(out), "STARTUP_PROBE_MARK": command.mark}
    options = ("-X", "importtime") if importtime else ()
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, *options, "-c", PROBE, *command.argv],
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert child.stderr is not None
    stderr = child.stderr.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    ended = time.perf_counter()
    child.returncode = os.waitstatus_to_exitcode(status)
    if importtime:
        return Run(ended - start, usage.ru_utime + usage.ru_stime, stderr.decode(errors="replace"))
    if out.exists():
        at, cpu, how = out.read_text().split(" ", 2)
        return Run(float(at) - start, float(cpu), how)
    if command.mark != "exit":
        tail = stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
        raise SystemExit(f"{command.name}: exited {child.returncode} before its work began: {tail[0]}")
    return Run(ended - start, usage.ru_utime + usage.ru_stime, f"exit {child.returncode}")


def demo_database(workdir: Path) -> str:
    url = f"sqlite:///{workdir / 'demo.db'}"
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "demo", "--reps", "3"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return url


def subjects(url: str) -> tuple[str, str, str]:
    """A rep, a manager and a deal the rep owns, to run the commands for."""
    from sqlalchemy import select

    from crm.db import make_engine, session_scope
    from crm.models import Deal, Role, User

    engine = make_engine(url)
    with session_scope(engine) as session:
        rep = session.scalars(select(User).where(User.role == Role.REP).order_by(User.email)).first()
        manager = session.scalars(select(User).where(User.role == Role.MANAGER).order_by(User.email)).first()
        assert rep is not None and manager is not None, "the database needs a rep and a manager"
        deal = session.scalars(select(Deal.id).where(Deal.owner_id == rep.id).order_by(Deal.id)).first()
        assert deal is not None, "the rep needs a deal"
        result = rep.email, manager.email, deal
    engine.dispose()
    return result


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", help="a database holding a CRM (default: a small demo, made first)")
    parser.add_argument("--only", nargs="*", help="only these commands (names as printed)")
    parser.add_argument("--json", metavar="FILE", help="also write the medians to this file")
    parser.add_argument(
        "--importtime", metavar="DIR", help="also a run per command under -X importtime, as DIR/NAME.txt"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, FakeHubSpot() as hubspot:
        workdir = Path(tmp)
        slack = FakeSlack().start()
        url = args.database_url or demo_database(workdir)
        rep, manager, deal = subjects(url)
        dataset = workdir / "empty.json"
        dataset.write_text("{}")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HUBSPOT_", "OPENAI_"))},
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_SIGNING_SECRET": "bench-signing-secret",
            "SLACK_APP_TOKEN": "xapp-bench",
            "SLACK_API_URL": slack.url,
            "HUBSPOT_ACCESS_TOKEN": HUBSPOT_TOKEN,
            "HUBSPOT_API_URL": hubspot.base_url,
        }
        chosen = commands(rep, manager, deal, str(dataset), str(workdir / "export.json"))
        if args.only:
            chosen = [c for c in chosen if c.name in args.only]
        print(f"load average before: {load()}  ({os.cpu_count()} CPUs, {args.runs} runs each, median)")
        print(f"{'command':<28} {'wall s':>7} {'cpu s':>7}  measured until")
        results = {}
        for command in chosen:
            runs = [run_once(command, env, workdir) for _ in range(args.runs)]
            wall = statistics.median(r.wall for r in runs)
            cpu = statistics.median(r.cpu for r in runs)
            results[command.name] = {"wall": round(wall, 3), "cpu": round(cpu, 3)}
            print(f"{command.name:<28} {wall:7.2f} {cpu:7.2f}  {runs[0].how}", flush=True)
            if args.importtime:
                report = run_once(command, env, workdir, importtime=True).how
                name = command.name.strip("-").replace(" ", "_")
                (Path(args.importtime) / f"{name}.txt").write_text(report)
        print(f"load average after: {load()}")
        slack.stop()
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
