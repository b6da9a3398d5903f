"""``salesbot digest report``: per digest-enabled user, sent / skipped / missed / failed / not_linked (and
pending before it is finished), for each user's local date or the one given."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.digest.delivery import DeliveryConfig, send_due
from tests.bot.test_delivery import MONDAY_6, add_user
from tests.bot.test_digest_cli import run
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World


def test_the_report_says_what_became_of_each_digest(
    world: World, engine: Engine, db_url: str, slack: FakeSlack, client: WebClient
) -> None:
    world.users["u1"].slack_user_id = "UANA"
    world.users["u1"].digest_time = "06:00"
    world.task("t1", due=MONDAY_6)
    world.users["u2"].digest_enabled = False  # not in the report at all
    add_user(world, "a0", "refused@acme.test")  # sorts first: the failure below is its
    add_user(world, "u5", "ghost@acme.test", slack_user_id=None)
    add_user(world, "u7", "empty@acme.test", task=False)
    add_user(world, "u8", "early@acme.test", digest_time="01:00")  # 01:00 + 3 h passed at 06:00
    add_user(world, "u9", "evening@acme.test", digest_time="23:00")
    add_user(world, "u10", "weekends@acme.test", digest_weekdays=[6, 7])
    world.commit()
    slack.fail("chat.postMessage", error="account_inactive")
    send_due(engine, client, MONDAY_6, config=DeliveryConfig(workers=1))

    code, out, _ = run(db_url, "digest", "report", "--now", MONDAY_6.isoformat(), "--json")
    assert code == 0
    rows = {r["email"]: r for r in json.loads(out)}
    assert set(rows) == {
        "ana@acme.test",
        "refused@acme.test",
        "ghost@acme.test",
        "empty@acme.test",
        "early@acme.test",
        "evening@acme.test",
        "weekends@acme.test",
    }
    assert all(r["local_date"] == "2026-11-23" for r in rows.values())
    status = {email: (r["status"], r["reason"]) for email, r in rows.items()}
    assert status == {
        "ana@acme.test": ("sent", None),
        "refused@acme.test": ("failed", "account_inactive"),
        "ghost@acme.test": ("not_linked", "no Slack user with the email ghost@acme.test"),
        "empty@acme.test": ("skipped", "empty day"),
        "early@acme.test": ("missed", "not sent within 3 hours of 01:00"),
        "evening@acme.test": ("pending", "due at 23:00"),
        "weekends@acme.test": ("skipped", "off"),
    }

    # The text form: a line per user and the totals.
    code, out, _ = run(db_url, "digest", "report", "--now", MONDAY_6.isoformat())
    assert code == 0
    assert out.splitlines()[-1] == ("Digests: 1 sent, 2 skipped, 1 missed, 1 failed, 1 not linked, 1 pending")

    # A Saturday: a weekday-only user's digest is skipped for the weekend.
    code, out, _ = run(
        db_url,
        "digest",
        "report",
        "--date",
        "2026-11-28",
        "--now",
        datetime(2026, 11, 30, tzinfo=UTC).isoformat(),
        "--json",
    )
    rows = {r["email"]: r for r in json.loads(out)}
    assert (rows["ana@acme.test"]["status"], rows["ana@acme.test"]["reason"]) == ("skipped", "weekend")
    assert rows["weekends@acme.test"]["status"] == "missed"  # the clock never ran that day
    assert run(db_url, "digest", "report", "--date", "someday")[0] == 2


def test_the_report_date_is_each_users_local_date(world: World, db_url: str) -> None:
    world.users["u1"].timezone = "Asia/Tokyo"  # already Tuesday there
    world.users["u2"].timezone = "America/Los_Angeles"  # still Monday
    world.commit()
    at = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
    _, out, _ = run(db_url, "digest", "report", "--now", at.isoformat(), "--json")
    assert {r["email"]: r["local_date"] for r in json.loads(out)} == {
        "ana@acme.test": "2026-11-24",
        "bo@acme.test": "2026-11-23",
    }
