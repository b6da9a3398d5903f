"""Digest delivery with digests built in worker processes (``DeliveryConfig.processes``)."""

from __future__ import annotations

import os
import signal
from datetime import date

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.digest.building import Builders
from bot.digest.delivery import DeliveryConfig, send_due
from bot.slack import limits
from tests.bot.test_delivery import MONDAY_6, add_user, deliveries, posted_to
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World

TODAY = date(2026, 11, 23)


def test_digests_built_in_two_processes_are_each_sent_once(
    world: World, session: Session, engine: Engine, slack: FakeSlack, client: WebClient
) -> None:
    for i in range(3, 23):
        add_user(world, f"u{i}", f"rep{i}@acme.test")
    add_user(world, "u23", "empty@acme.test", task=False)  # an empty day: skipped, not sent
    world.commit()

    report = send_due(engine, client, MONDAY_6, config=DeliveryConfig(workers=4, processes=2))

    assert (report.sent, report.skipped_empty, report.failed) == (20, 1, 0), report.errors
    assert posted_to(slack) == sorted(f"UU{i}" for i in range(3, 23))
    rows = deliveries(session)
    assert rows[("u23", TODAY)].state == "skipped"
    sent = rows[("u3", TODAY)]
    assert sent.state == "sent" and sent.items is not None and sent.items["overdue"] == ["task:task-u3"]
    for message in slack.messages:
        limits.check_message({"text": message.text, "blocks": message.blocks})
        user_id = "u" + (message.user or "").removeprefix("UU")
        assert message.metadata is not None
        assert message.metadata["event_payload"]["delivery_id"] == rows[(user_id, TODAY)].id
        assert message.channel == rows[(user_id, TODAY)].channel


def test_a_dead_build_process_falls_back_to_building_in_the_sender(world: World, engine: Engine) -> None:
    add_user(world, "u3", "a@acme.test")
    world.commit()
    with Builders(engine, 1) as builders:
        first = builders.build("u3", MONDAY_6, "UU3", None)
        assert builders._pool is not None
        for process in list(builders._pool._processes.values()):
            os.kill(process.pid, signal.SIGKILL)
            process.join(10)
        again = builders.build("u3", MONDAY_6, "UU3", None)
    assert first == again and again.payload is not None
