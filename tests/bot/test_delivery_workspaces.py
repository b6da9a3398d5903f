"""OAuth installs: each user's digest goes through the installation of their workspace (its own bot token),
and a workspace that uninstalled the app gets nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.digest.delivery import send_due
from bot.digest.workspaces import Workspaces
from crm.models import SlackIdentity
from crm.models.slack import BOTS_TABLE, INSTALLATIONS_TABLE
from tests.bot.test_delivery import MONDAY_6, add_user, deliveries
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World

CLIENT_ID = "1111.2222"


@pytest.fixture
def workspaces() -> Iterator[dict[str, FakeSlack]]:
    """Two workspaces, each a Slack of its own with its own bot token and people."""
    fakes = {
        "T1": FakeSlack(users={"ana@acme.test": "UANA"}, token="xoxb-team-1").start(),
        "T2": FakeSlack(users={"bo@acme.test": "UBO", "cy@acme.test": "UCY"}, token="xoxb-team-2").start(),
    }
    yield fakes
    for fake in fakes.values():
        fake.stop()


def store(engine: Engine) -> SQLAlchemyInstallationStore:
    return SQLAlchemyInstallationStore(
        client_id=CLIENT_ID,
        engine=engine,
        bots_table_name=BOTS_TABLE,
        installations_table_name=INSTALLATIONS_TABLE,
    )


def install(engine: Engine, team_id: str, token: str) -> None:
    store(engine).save(
        Installation(
            app_id="A0001",
            enterprise_id=None,
            team_id=team_id,
            bot_token=token,
            bot_id="B0001",
            bot_user_id="UBOT",
            user_id="UINSTALLER",
            installed_at=datetime(2026, 11, 1, tzinfo=UTC).timestamp(),
        )
    )


def router(fakes: dict[str, FakeSlack]) -> Workspaces:
    by_token = {fake.token: fake for fake in fakes.values()}
    return Workspaces(
        client_id=CLIENT_ID, make_client=lambda token: WebClient(token=token, base_url=by_token[token].url)
    )


def test_each_digest_goes_through_its_own_workspace(
    world: World, session: Session, engine: Engine, workspaces: dict[str, FakeSlack]
) -> None:
    world.users["u1"].digest_time = "06:00"
    world.users["u2"].digest_time = "06:00"
    world.task("t1", owner="u1", due=MONDAY_6)
    world.task("t2", owner="u2", due=MONDAY_6)
    add_user(world, "u3", "cy@acme.test", slack_user_id="UCY")  # a dataset Slack id: found by users.info
    add_user(world, "u4", "nobody@acme.test", slack_user_id=None)  # in neither workspace
    world.commit()
    install(engine, "T1", "xoxb-team-1")
    install(engine, "T2", "xoxb-team-2")

    report = send_due(engine, router(workspaces), MONDAY_6)
    assert report.sent == 3 and report.not_in_slack == 1
    assert [m.user for m in workspaces["T1"].messages] == ["UANA"]
    assert sorted(m.user or "" for m in workspaces["T2"].messages) == ["UBO", "UCY"]
    for team, fake in workspaces.items():
        # Every call to a workspace carried that workspace's own token.
        assert {r.headers["authorization"] for r in fake.requests} == {f"Bearer xoxb-team-{team[1]}"}
    assert session.get(SlackIdentity, "u2").team_id == "T2"
    assert session.get(SlackIdentity, "u3").team_id == "T2"
    row = deliveries(session)[("u4", date(2026, 11, 23))]
    assert row.state == "not_linked" and row.last_error == "no Slack user with the email nobody@acme.test"


def test_a_workspace_that_uninstalled_gets_nothing(
    world: World, session: Session, engine: Engine, workspaces: dict[str, FakeSlack]
) -> None:
    world.users["u1"].digest_time = "06:00"
    world.users["u2"].digest_time = "06:00"
    world.task("t1", owner="u1", due=MONDAY_6)
    world.task("t2", owner="u2", due=MONDAY_6)
    world.commit()
    install(engine, "T1", "xoxb-team-1")
    install(engine, "T2", "xoxb-team-2")
    send_due(engine, router(workspaces), MONDAY_6)
    assert len(workspaces["T2"].messages) == 1

    # T2 uninstalls (Bolt's token revocation listeners delete its installation); the next day, T1 only.
    store(engine).delete_all(enterprise_id=None, team_id="T2")
    tuesday = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    report = send_due(engine, router(workspaces), tuesday)
    assert report.sent == 1
    assert len(workspaces["T1"].messages) == 2 and len(workspaces["T2"].messages) == 1
    row = deliveries(session)[("u2", date(2026, 11, 24))]
    assert row.state == "not_linked" and row.last_error == "workspace T2 uninstalled the app"
