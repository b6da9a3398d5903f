"""Expected failures end in one line that says what and how to fix it, with the documented exit code."""

from __future__ import annotations

import sqlite3
from io import StringIO
from pathlib import Path

import pytest

from bot.cli.main import main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_an_unreachable_database_is_exit_4_in_one_line() -> None:
    code, out, err = run("--database-url", "postgresql://someone:hunter2@127.0.0.1:1/crm", "rules", "run")
    assert code == 4
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("error: the database postgresql://someone:***@127.0.0.1:1/crm cannot be")
    assert "check DATABASE_URL" in err
    assert "hunter2" not in err


def test_a_sqlite_file_in_a_missing_folder_is_exit_4(tmp_path: Path) -> None:
    code, _, err = run("--database-url", f"sqlite:///{tmp_path}/missing/crm.db", "actions", "--user", "a@b.c")
    assert code == 4
    assert "unable to open database file" in err and err.count("\n") == 1


@pytest.mark.parametrize("url", ["not a url", "oracle+nothing://x/y"])
def test_a_wrong_database_url_is_exit_2(url: str) -> None:
    code, _, err = run("--database-url", url, "rules", "run")
    assert code == 2
    assert err.count("\n") == 1
    assert "sqlite:///" in err and "postgresql://" in err


def test_a_failing_migration_is_exit_4_and_says_how_to_recover(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    with sqlite3.connect(path) as connection:  # a table in the way of the first migration
        connection.execute("CREATE TABLE pipelines (x INTEGER)")
    code, _, err = run("--database-url", f"sqlite:///{path}", "rules", "run")
    assert code == 4
    assert err.startswith("error: a schema migration failed on sqlite:///")
    assert "salesbot db upgrade" in err and err.count("\n") == 1


def test_a_missing_slack_token_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from crm.config import get_settings

    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    get_settings.cache_clear()
    code, _, err = run("--database-url", f"sqlite:///{tmp_path}/crm.db", "digest", "send-due")
    get_settings.cache_clear()
    assert code == 2
    assert "SLACK_BOT_TOKEN" in err and err.count("\n") == 1
