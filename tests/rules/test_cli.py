"""``salesbot rules run`` and ``salesbot actions``: output, the documented JSON, exit codes."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from bot.cli.main import main
from tests.rules.world import World, ago, ahead


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    w = World(engine)
    w.users["u1"].timezone = "Europe/Warsaw"
    w.company("co1")
    w.contact("c1", company="co1")  # R01
    w.deal("d1", created=ago(days=2))
    w.meeting("m1", start=ahead(hours=2), contacts=["c1"], deals=["d1"])  # R12, closing
    w.contact("c2", owner="u2")  # R01 for bo
    w.commit()
    yield w
    w.close()


def test_rules_run_prints_what_it_created_per_rule(db_url: str, world: World) -> None:
    code, out, err = run_cli("--database-url", db_url, "rules", "run", "--now", "2026-11-23T12:00:00Z")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Rules evaluated at 2026-11-23T12:00:00Z"
    assert "R01 Newly assigned contacts: 2 created, 0 expired" in lines
    assert "R12 Prepare for upcoming meetings: 1 created, 0 expired" in lines
    assert lines[-2] == "Rules run: 19 in full"
    assert lines[-1] == "Total: 3 created, 0 expired, 0 un-snoozed"
    assert len(lines) == 22


def test_rules_run_again_checks_only_what_changed_unless_told_full(db_url: str, world: World) -> None:
    at = ("--now", "2026-11-23T12:00:00Z")
    run_cli("--database-url", db_url, "rules", "run", *at)
    _, again, _ = run_cli("--database-url", db_url, "rules", "run", *at)
    assert "Rules run: 19 not at all (inputs and time unchanged)" in again.splitlines()
    _, later, _ = run_cli("--database-url", db_url, "rules", "run", "--now", "2026-11-23T12:05:00Z")
    assert "Rules run: 19 incrementally (inputs unchanged: only what time moving can change)" in later
    _, full, _ = run_cli("--database-url", db_url, "rules", "run", "--now", "2026-11-23T12:06:00Z", "--full")
    assert full.splitlines()[-2] == "Rules run: 19 in full"


def test_rules_run_prints_expirations_with_their_reasons(db_url: str, world: World) -> None:
    run_cli("--database-url", db_url, "rules", "run", "--now", "2026-11-23T12:00:00Z")
    code, out, _ = run_cli("--database-url", db_url, "rules", "run", "--now", "2026-11-23T14:10:00+00:00")
    assert code == 0
    assert "R12 Prepare for upcoming meetings: 0 created, 1 expired (started 1)" in out.splitlines()


def test_actions_json_is_the_documented_format(db_url: str, world: World) -> None:
    run_cli("--database-url", db_url, "rules", "run", "--now", "2026-11-23T12:00:00Z")
    code, out, err = run_cli("--database-url", db_url, "actions", "--user", "Ana@Acme.test", "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert [a["rule"] for a in listed] == ["R12", "R01"]  # closing first
    r12 = listed[0]
    assert isinstance(r12.pop("id"), int)
    assert r12 == {
        "rule": "R12",
        "title": "Prepare for upcoming meetings",
        "category": "closing",
        "subject_type": "meeting",
        "subject_id": "m1",
        "key": "m1",
        "contact_id": "c1",
        "company_id": "co1",
        "state": "open",
        "expired_reason": None,
        "created_at": "2026-11-23T12:00:00Z",
        "ended_at": None,
    }


def test_actions_filters_by_category_and_state(db_url: str, world: World) -> None:
    run_cli("--database-url", db_url, "rules", "run", "--now", "2026-11-23T12:00:00Z")
    run_cli("--database-url", db_url, "rules", "run", "--now", "2026-11-23T14:10:00Z")
    base = ("--database-url", db_url, "actions", "--user", "ana@acme.test", "--json")
    assert [a["rule"] for a in json.loads(run_cli(*base)[1])] == ["R07", "R01"]
    # The meeting has started: R12 expired and R07 (follow up) is open.
    assert [a["rule"] for a in json.loads(run_cli(*base, "--category", "closing")[1])] == ["R07"]
    listed = json.loads(run_cli(*base, "--state", "all", "--category", "closing")[1])
    assert [(a["rule"], a["state"], a["expired_reason"], a["ended_at"]) for a in listed] == [
        ("R12", "expired", "started", "2026-11-23T14:10:00Z"),
        ("R07", "open", None, None),
    ]
    assert [a["rule"] for a in json.loads(run_cli(*base, "--category", "prospecting")[1])] == ["R01"]


def test_actions_prints_a_table_in_the_users_time_zone(db_url: str, world: World) -> None:
    run_cli("--database-url", db_url, "rules", "run", "--now", "2026-11-23T12:00:00Z")
    code, out, _ = run_cli("--database-url", db_url, "actions", "--user", "ana@acme.test")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Guided actions of ana@acme.test (Europe/Warsaw)"
    assert lines[1].split() == ["ID", "RULE", "TITLE", "CATEGORY", "STATE", "SUBJECT", "CONTACT", "CREATED"]
    assert "Prepare for upcoming meetings" in lines[2] and lines[2].endswith("2026-11-23 13:00")
    assert "Newly assigned contacts" in lines[3]


def test_actions_without_any_says_so(db_url: str, world: World) -> None:
    code, out, _ = run_cli("--database-url", db_url, "actions", "--user", "bo@acme.test")
    assert (code, out.strip()) == (0, "No guided actions for bo@acme.test.")


@pytest.mark.parametrize(
    "argv",
    [
        ("actions", "--user", "nobody@acme.test"),
        ("actions", "--user", "ana@acme.test", "--category", "upsell"),
        ("actions", "--user", "ana@acme.test", "--state", "expired"),
        ("actions",),
        ("rules", "run", "--now", "yesterday"),
        ("rules", "run", "--now", "2026-11-23T12:00:00"),
        ("rules",),
    ],
)
def test_bad_input_exits_2(db_url: str, world: World, argv: tuple[str, ...]) -> None:
    code, _, err = run_cli("--database-url", db_url, *argv)
    assert code == 2
    assert err


def test_rules_run_dry_run_prints_the_run_and_changes_nothing(db_url: str, world: World) -> None:
    at = ("--now", "2026-11-23T12:00:00Z")
    code, dry, _ = run_cli("--database-url", db_url, "rules", "run", "--dry-run", *at)
    assert code == 0 and dry.startswith("Dry run: nothing was changed.")
    _, again, _ = run_cli("--database-url", db_url, "rules", "run", "--dry-run", *at)
    assert again == dry
    assert (
        json.loads(run_cli("--database-url", db_url, "actions", "--user", "ana@acme.test", "--json")[1]) == []
    )
    _, real, _ = run_cli("--database-url", db_url, "rules", "run", *at)
    assert dry.splitlines()[1:] == real.splitlines()  # the same run, this time kept
