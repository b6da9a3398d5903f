"""Permission canary: secrets in activities a user may not see never reach the model, the output, the cache
or the logs, for every role and access level."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.blocks.insights import result_message, text_modal
from crm.config import Settings
from crm.models import InsightCacheEntry
from crm.permissions import can_view
from insights.model import chat_model
from insights.render import render_text
from insights.service import get_insights
from tests.conftest import NOW
from tests.fakes.openai_api import FakeOpenAI
from tests.rules.world import World, ago

PRIVATE_SECRET = "CANARY-PRIVATE-7f3a9c"
CALL_SECRET = "CANARY-CALL-51e2b8"

ASKERS = [
    ("u1", "rep", None, None),  # the deal's owner, who owns the private email
    ("u3", "rep", "team", "owned"),
    ("u3", "rep", "team", "team"),
    ("u3", "rep", "all", "all"),
    ("u3", "manager", None, None),
    ("u3", "manager", "all", "all"),
    ("u3", "super_admin", None, None),
]


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.mark.parametrize(("asker", "role", "deals", "activities"), ASKERS)
def test_secrets_of_hidden_activities_never_leave_the_database(
    world: World,
    server: FakeOpenAI,
    caplog: pytest.LogCaptureFixture,
    asker: str,
    role: str,
    deals: str | None,
    activities: str | None,
) -> None:
    caplog.set_level(logging.DEBUG)
    if asker == "u3":
        world.user(
            "u3", "cy@acme.test", team_id="t1", role=role, access_deals=deals, access_activities=activities
        )
    mail = world.email("secret-mail", owner="u1", deals=["d1"], private=True, sent=ago(hours=5),
                       body=f"Between us: {PRIVATE_SECRET}")  # fmt: skip
    mail.subject = f"Re {PRIVATE_SECRET}"
    world.call(
        "secret-call", owner="u2", deals=["d1"], started=ago(hours=4), body=f"Call notes {CALL_SECRET}"
    )
    world.commit()
    user = world.users[asker]
    settings = Settings(
        openai_api_key=SecretStr("sk-test"), openai_base_url=server.base_url, salesbot_model="m"
    )
    result = get_insights(world.session, "d1", user, NOW, model=chat_model(settings, max_retries=0))
    world.session.commit()

    surfaces = {
        "model requests": server.all_requests_text(),
        "json": json.dumps(result.to_json()),
        "text": render_text(result),
        "slack": json.dumps(result_message(result)) + json.dumps(text_modal(render_text(result))),
        "cache": json.dumps([e.output for e in world.session.scalars(select(InsightCacheEntry))]),
        "logs": caplog.text + "".join(repr(r.__dict__) for r in caplog.records),
    }
    assert server.requests, "the model was asked"
    for activity_id, secret in (("secret-mail", PRIVATE_SECRET), ("secret-call", CALL_SECRET)):
        if can_view(world.session, user, "activities", activity_id):
            assert secret in surfaces["model requests"]  # the canary is alive: visible text does go out
            continue
        for name, text in surfaces.items():
            assert secret not in text, (
                f"{secret} leaked into {name} for {asker} ({role}, {deals}, {activities})"
            )
