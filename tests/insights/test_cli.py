"""``salesbot insights DEAL_ID --as EMAIL [--json]``."""

from __future__ import annotations

import io
import json

import pytest

from bot.cli.main import main
from crm.config import get_settings
from tests.rules.world import World


@pytest.fixture(autouse=True)
def _no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    get_settings.cache_clear()


def run(db_url: str, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--database-url", db_url, "insights", *args, "--now", "2026-11-23T12:00:00Z"], out, err)
    return code, out.getvalue(), err.getvalue()


def test_json_output_has_the_documented_shape(world: World, db_url: str) -> None:
    code, out, _ = run(db_url, "d1", "--as", "ana@acme.test", "--json")
    data = json.loads(out)
    assert code == 0
    assert set(data) == {"deal_id", "user", "ai_used", "ai_unavailable_reason", "recent_activity", "risks",
                         "buyer_goals"}  # fmt: skip
    assert data["ai_used"] is False and "no AI model" in data["ai_unavailable_reason"]
    assert [a["id"] for a in data["recent_activity"]["activities"]] == ["e2", "e1", "k1", "n1", "m1"]
    assert set(data["recent_activity"]["activities"][0]) == {"id", "type", "at", "title"}
    risk = data["risks"][0]
    assert (risk["title"], risk["source"], risk["activity_ids"]) == ("One contact only", "crm", [])
    assert set(risk) == {"title", "detail", "source", "activity_ids"}


def test_text_output(world: World, db_url: str) -> None:
    code, out, _ = run(db_url, "d1", "--as", "ana@acme.test")
    assert code == 0 and "Recent activity" in out


def test_unknown_user_exits_2(world: World, db_url: str) -> None:
    assert run(db_url, "d1", "--as", "nobody@acme.test")[0] == 2


def test_hidden_and_missing_deals_exit_3_alike(world: World, db_url: str) -> None:
    hidden = run(db_url, "d1", "--as", "bo@acme.test")
    missing = run(db_url, "nope", "--as", "bo@acme.test")
    assert hidden[0] == missing[0] == 3 and hidden[1:] == missing[1:]
