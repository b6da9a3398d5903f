"""Start-up stays fast: ``salesbot --help`` and every command's parsing load no heavy library, and each
command loads, by the time it begins its own work, none of the heavy libraries it does not need
(bench/startup.py measures the times).

Import tests rather than timing tests: timings vary with the machine's load, the set of modules does not.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.main import main

# Each costs tens to hundreds of milliseconds to import; a command loads the ones it needs when it runs.
HEAVY = (
    "langchain",
    "langchain_core",
    "langchain_openai",
    "openai",
    "apscheduler",
    "sqlalchemy",
    "alembic",
    "slack_bolt",
    "slack_sdk",
    "pydantic",
    "pydantic_settings",
    "jinja2",
    "tqdm",
    "hubspot",
    "waitress",
    "ijson",
    "rules.engine",
    "insights.service",
    "bot.home.home_tab",
)

PROBE = """
import json, sys
from bot.cli.main import build_parser
build_parser()
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {0} or m in {0})))
"""


def test_building_the_command_line_imports_no_heavy_module() -> None:
    script = PROBE.format(repr(set(HEAVY)))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []


def test_help_exits_zero_without_touching_the_database(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    assert "preview" in capsys.readouterr().out


def test_version_prints_the_package_version() -> None:
    from importlib.metadata import version

    result = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == f"salesbot {version('salesbot')}"


def test_the_home_tabs_the_command_line_offers_are_the_home_tabs() -> None:
    from bot.cli.home import TABS as CLI_TABS
    from bot.home.state import TABS

    assert tuple(CLI_TABS) == tuple(TABS)


# What a command has loaded when it begins its own work: at its first SQL statement after the schema check
# (bot.cli.failures.open_store), or when it ends for a command with none. The process ends right there, so
# the command's work never runs.
COMMAND_PROBE = """
import json, os, sys
import bot.cli.failures as failures

def dump(*_args):
    with open(os.environ["MODULES_OUT"], "w") as out:
        json.dump(sorted(sys.modules), out)
    os._exit(0)

opened = failures.open_store

def open_store(url):
    engine = opened(url)
    from sqlalchemy import event

    event.listen(engine, "before_cursor_execute", dump)
    return engine

failures.open_store = open_store
from bot.cli.main import main
try:
    main(sys.argv[1:])
finally:
    dump()
"""

ROOT = (
    Path(__file__).resolve().parents[3]
)  # the child runs in a temporary folder: this source tree, not another

# Loaded only by the commands that need them, each named with what brings it in.
MODEL = ("langchain_core", "langchain_openai", "openai", "langsmith", "jinja2")  # a model being asked
SERVERS = ("slack_bolt", "apscheduler", "waitress")  # serve, socket, clock
MIGRATIONS = ("alembic",)  # a schema to upgrade (the test database is current)
OAUTH_STORES = ("slack_sdk.oauth", "sqlalchemy.ext.asyncio")  # Slack's OAuth installs, in serve and socket
HUBSPOT = ("hubspot", "hubspot_connector")  # the hubspot commands
SETTINGS = ("pydantic_settings", "crm.config")  # any setting but the database URL
PYDANTIC = ("pydantic",)  # settings, dataset validation, Slack payload checks
NEVER = MODEL + SERVERS + MIGRATIONS + OAUTH_STORES
STORE_ONLY = NEVER + HUBSPOT + SETTINGS + PYDANTIC

COMMANDS: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (("demo", "--reps", "1"), STORE_ONLY),
    (("import", "dataset.json"), NEVER + HUBSPOT + SETTINGS),
    (("export", "out.json"), STORE_ONLY),
    (("db", "upgrade"), STORE_ONLY),
    (("rules", "run"), STORE_ONLY),
    (("rules", "list"), STORE_ONLY),
    (("actions", "--user", "rep@example.com"), STORE_ONLY),
    (("digest", "--user", "rep@example.com"), STORE_ONLY),
    (("digest", "--user", "rep@example.com", "--team"), STORE_ONLY),
    (("digest", "send-due"), NEVER + HUBSPOT),
    (("digest", "send-due", "--dry-run"), STORE_ONLY),
    (("digest", "report"), NEVER + HUBSPOT),
    (("feedback", "report"), STORE_ONLY),
    (("housekeeping",), STORE_ONLY),
    (("insights", "d1", "--as", "rep@example.com"), NEVER + HUBSPOT),
    (("home", "--user", "rep@example.com"), STORE_ONLY),
    (("preview", "digest", "--user", "rep@example.com"), STORE_ONLY),
    (("preview", "home", "--user", "rep@example.com"), STORE_ONLY),
    (("preview", "insights", "d1", "--as", "rep@example.com"), NEVER + HUBSPOT),
    (("hubspot", "sync"), NEVER),
    (("hubspot", "status"), NEVER),
    (("hubspot", "roles"), NEVER),
    (("hubspot", "roles", "set", "Sales", "--role", "rep"), NEVER),
    (("hubspot", "push"), NEVER),
]


@pytest.fixture(scope="module")
def current_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite database (which modules a command loads does not depend on the backend)."""
    from crm.db import make_engine, upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('startup') / 'crm.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def loaded(names: list[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(n == p or n.startswith(p + ".") for p in prefixes))


@pytest.mark.parametrize(("argv", "absent"), COMMANDS, ids=[" ".join(argv[:3]) for argv, _ in COMMANDS])
def test_a_command_begins_its_work_without_the_heavy_modules_it_does_not_need(
    argv: tuple[str, ...], absent: tuple[str, ...], current_database: str, tmp_path: Path
) -> None:
    out = tmp_path / "modules.json"
    (tmp_path / "dataset.json").write_text("{}")
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HUBSPOT_", "OPENAI_"))},
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "DATABASE_URL": current_database,
        "MODULES_OUT": str(out),
        # Configured as in production, so nothing is left out for want of a setting; any call would go to a
        # closed local port (none is made: the process ends before the command's work).
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "HUBSPOT_ACCESS_TOKEN": "hubspot-test",
        "HUBSPOT_API_URL": "http://127.0.0.1:9",
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
    }
    subprocess.run(
        [sys.executable, "-c", COMMAND_PROBE, *argv],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        check=True,
        timeout=120,
    )
    assert loaded(json.loads(out.read_text()), absent) == []


def test_the_slack_app_and_the_clock_load_no_model_library() -> None:
    # serve, socket and clock load Bolt or APScheduler by design; LangChain and OpenAI wait for a model call.
    script = (
        "import json, sys, bot.app, bot.clock, bot.server, bot.cli.serve; print(json.dumps([*sys.modules]))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert loaded(json.loads(result.stdout), MODEL + MIGRATIONS) == []
