"""A small deal world for insight tests, and fake chat models.

``deal_world`` builds on tests/rules/world.py: deal d1 owned by ana (u1) with contact c1, company co1 and a
handful of activities; bo (u2) is a teammate in team t1. ``FakeStructuredChatModel`` is LangChain's
``GenericFakeChatModel`` able to bind a tool, which is what the generic ``with_structured_output`` needs: it
answers each call with the next ``InsightOutput``-shaped dict as a tool call and records the prompts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult
from sqlalchemy import Engine

from crm.models import DealCloseDate, DealScore, Team
from tests.rules.world import World, ago, ahead


class FakeStructuredChatModel(GenericFakeChatModel):
    prompts: list[list[BaseMessage]] = []

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        return self

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        self.prompts.append(list(messages))
        return super()._generate(messages, *args, **kwargs)


def fake_model(*answers: dict[str, Any]) -> FakeStructuredChatModel:
    messages = [
        AIMessage(content="", tool_calls=[{"name": "InsightOutput", "args": a, "id": f"call{i}"}])
        for i, a in enumerate(answers)
    ]
    return FakeStructuredChatModel(messages=iter(messages), prompts=[])


def answer(summary: str = "Buyer is evaluating.", risks: Any = (), goals: Any = ()) -> dict[str, Any]:
    return {"summary": summary, "risks": list(risks), "buyer_goals": list(goals)}


class DealWorld(World):
    def note(self, id_: str | None = None, *, body: str = "note", **fields: Any) -> Any:
        note = super().note(id_, **fields)
        note.body = body
        return note


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    w = DealWorld(engine)
    w.session.add(Team(id="t1", name="East"))
    w.users["u1"].team_id = "t1"
    w.users["u2"].team_id = "t1"
    w.company("co1", owner="u1")
    w.contact("c1", company="co1")
    deal = w.deal("d1", contacts=["c1"], company="co1", created=ago(days=40))
    deal.close_date = ahead(days=20).date()
    deal.score_history = [DealScore(position=0, at=ago(days=20), score=70)]
    deal.close_date_history = [DealCloseDate(position=0, at=ago(days=40), close_date=ahead(days=20).date())]
    w.received("c1@globex.test", id_="e1", deals=["d1"], contacts=["c1"], sent=ago(days=3), thread_id="th1",
               body="We need SSO before we sign.\n\nOn Mon, Ana wrote:\n> old quoted text")  # fmt: skip
    w.sent(
        "c1@globex.test", id_="e2", deals=["d1"], sent=ago(days=2), thread_id="th1", body="Sure, SSO is in."
    )
    w.call("k1", deals=["d1"], started=ago(days=5), body="Discussed budget for Q1")
    w.note("n1", deals=["d1"], created=ago(days=6), body="Competitor Initech is in the running")
    w.meeting("m1", deals=["d1"], start=ago(days=8), body="Demo went well")
    w.task("t1", deals=["d1"], due=ahead(days=2))
    w.commit()
    yield w
    w.close()
