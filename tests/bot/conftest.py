"""Fixtures for the Slack surfaces: a local fake of the Slack Web API and a client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.slack.client import delivery_client, web_client
from crm.config import Settings
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(users={"ana@acme.test": "UANA", "bo@acme.test": "UBO"}).start()
    yield fake
    fake.stop()


@pytest.fixture
def settings(slack: FakeSlack) -> Settings:
    return Settings(slack_bot_token=slack.token, slack_api_url=slack.url, slack_signing_secret="s3cret")


@pytest.fixture
def client(settings: Settings) -> WebClient:
    return delivery_client(settings=settings)


@pytest.fixture
def interactive_client(settings: Settings) -> WebClient:
    return web_client(settings=settings)


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    w = World(engine)
    yield w
    w.close()
