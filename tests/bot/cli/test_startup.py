"""Start-up stays fast: ``salesbot --help`` and every command's parsing load no heavy library.

An import test rather than a timing test: timings vary with the machine's load, the set of modules does not.
"""

from __future__ import annotations

import json
import subprocess
import sys

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
