"""The service with LangChain fake chat models: merging, validation, cache, and every no-AI path."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from crm.config import Settings
from crm.models import Activity, InsightCacheEntry, InsightFeedback
from crm.permissions import PermissionDenied
from insights import cache
from insights.model import chat_model
from insights.service import (
    NO_MODEL,
    SENSITIVE,
    InsightsDisabled,
    activity_detail,
    get_insights,
    record_feedback,
)
from tests.conftest import NOW
from tests.fakes.openai_api import FakeOpenAI
from tests.insights.conftest import answer, fake_model
from tests.rules.world import World, ago

RISK = {
    "title": "Competitor in the running",
    "detail": "Initech is evaluated.",
    "activity_ids": ["n1", "zz9"],
}
GOAL = {"goal": "SSO for all staff", "activity_ids": ["e1"]}


def test_model_text_is_merged_with_crm_parts_and_invented_ids_dropped(world: World) -> None:
    model = fake_model(answer("Buyer wants SSO.", [RISK], [GOAL]))
    result = get_insights(world.session, "d1", world.users["u1"], NOW, model=model)
    assert result.ai_used and result.summary == "Buyer wants SSO."
    assert [a.id for a in result.activities] == ["e2", "e1", "k1", "n1", "m1"]
    model_risks = [r for r in result.risks if r.source == "model"]
    assert [(r.title, r.activity_ids) for r in model_risks] == [("Competitor in the running", ("n1",))]
    assert {r.code for r in result.risks if r.source == "crm"} == {"one_contact"}
    assert result.buyer_goals[0].activity_ids == ("e1",)


def test_second_call_is_served_from_the_cache_without_the_model(world: World) -> None:
    model = fake_model(answer("First."))
    get_insights(world.session, "d1", world.users["u1"], NOW, model=model)
    world.session.commit()
    again = get_insights(world.session, "d1", world.users["u1"], NOW, model=model)
    assert again.cached and again.summary == "First." and len(model.prompts) == 1


def test_a_cached_answer_sends_no_request_to_the_model_server(world: World) -> None:
    with FakeOpenAI() as server:
        settings = Settings(
            openai_api_key=SecretStr("k"), openai_base_url=server.base_url, salesbot_model="m"
        )
        model = chat_model(settings, max_retries=0)
        first = get_insights(world.session, "d1", world.users["u1"], NOW, model=model)
        world.session.commit()
        again = get_insights(world.session, "d1", world.users["u1"], NOW, model=model)
    assert len(server.requests) == 1 and again.cached and not first.cached
    assert (again.summary, again.inputs_hash) == (first.summary, first.inputs_hash)
    assert again.risks == first.risks and again.activities == first.activities


def test_another_budget_is_another_answer(world: World) -> None:
    model = fake_model(answer("Roomy."), answer("Tight."))
    get_insights(world.session, "d1", world.users["u1"], NOW, model=model)
    tight = get_insights(world.session, "d1", world.users["u1"], NOW, model=model, budget=2000)
    assert tight.summary == "Tight." and not tight.cached


def test_crm_risks_rest_on_activities_the_prompt_left_out(world: World) -> None:
    for i in range(60):
        world.note(f"x{i}", deals=["d1"], created=ago(days=1, minutes=i), body="long text " * 400)
    world.received("c1@globex.test", id_="old-ask", deals=["d1"], sent=ago(days=20), thread_id="th9",
                   body="Can you send pricing?")  # fmt: skip
    world.commit()
    model = fake_model(answer())
    result = get_insights(world.session, "d1", world.users["u1"], NOW, model=model)
    prompt = str(model.prompts[0][-1].content)
    assert 'id="old-ask"' not in prompt and 'omitted="0"' not in prompt
    unanswered = next(r for r in result.risks if r.code == "unanswered_email")
    assert unanswered.activity_ids == ("old-ask",)


def test_refresh_asks_the_model_again(world: World) -> None:
    model = fake_model(answer("First."), answer("Second."))
    get_insights(world.session, "d1", world.users["u1"], NOW, model=model)
    again = get_insights(world.session, "d1", world.users["u1"], NOW, model=model, refresh=True)
    assert again.summary == "Second." and not again.cached


def test_a_changed_activity_marks_the_entry_stale(world: World) -> None:
    model = fake_model(answer("First."), answer("Second."))
    get_insights(world.session, "d1", world.users["u1"], NOW, model=model)
    note = world.session.get(Activity, "n1")
    assert note is not None
    note.body = "Initech dropped out"
    world.commit()
    again = get_insights(world.session, "d1", world.users["u1"], NOW, model=model)
    assert again.summary == "Second." and len(model.prompts) == 2


def test_mark_stale_forces_a_new_answer(world: World) -> None:
    model = fake_model(answer("First."), answer("Second."))
    get_insights(world.session, "d1", world.users["u1"], NOW, model=model)
    assert cache.mark_stale(world.session, "d1") == 1
    assert get_insights(world.session, "d1", world.users["u1"], NOW, model=model).summary == "Second."


def test_users_seeing_different_activities_never_share_an_entry(world: World) -> None:
    world.users["u2"].access_deals = "all"
    world.commit()
    model = fake_model(answer("For ana."), answer("For bo."))
    get_insights(world.session, "d1", world.users["u1"], NOW, model=model)
    bo = get_insights(world.session, "d1", world.users["u2"], NOW, model=model)
    assert bo.summary == "For bo." and not bo.cached
    assert world.session.scalar(select(func.count()).select_from(InsightCacheEntry)) == 2


def test_sensitive_data_mode_makes_no_model_call(world: World) -> None:
    world.org.sensitive_data_enabled = True
    world.commit()
    model = fake_model(answer())
    result = get_insights(world.session, "d1", world.users["u1"], NOW, model=model)
    assert not result.ai_used and result.ai_unavailable_reason == SENSITIVE and model.prompts == []
    assert result.activities and result.risks and result.buyer_goals == ()


def test_no_model_configured_still_shows_the_crm_parts(world: World) -> None:
    result = get_insights(world.session, "d1", world.users["u1"], NOW, settings=Settings(openai_api_key=None))
    assert not result.ai_used and result.ai_unavailable_reason == NO_MODEL and len(result.activities) == 5


def test_customer_analysis_off_is_refused_with_who_can_turn_it_on(world: World) -> None:
    world.org.customer_analysis_enabled = False
    world.user("u9", "root@acme.test", role="super_admin")
    world.commit()
    with pytest.raises(InsightsDisabled, match=r"super admin \(U9\) can turn it on"):
        get_insights(world.session, "d1", world.users["u1"], NOW, model=fake_model())
    with pytest.raises(PermissionDenied):  # a hidden deal is still refused as hidden
        get_insights(world.session, "d1", world.users["u2"], NOW, model=fake_model())


def test_invalid_model_output_gives_a_reason_and_the_crm_parts(world: World) -> None:
    model = fake_model({"summary": 3, "risks": "no"})
    result = get_insights(world.session, "d1", world.users["u1"], NOW, model=model)
    assert not result.ai_used and "not valid" in (result.ai_unavailable_reason or "")
    assert (
        result.activities and world.session.scalar(select(func.count()).select_from(InsightCacheEntry)) == 0
    )


def test_activity_detail_checks_permission_again(world: World) -> None:
    detail = activity_detail(world.session, "e1", world.users["u1"])
    assert detail.body == "We need SSO before we sign." and detail.to == ("ana@acme.test",)
    with pytest.raises(PermissionDenied):
        activity_detail(world.session, "e1", world.users["u2"])


def test_feedback_is_stored_with_the_inputs_hash(world: World) -> None:
    result = get_insights(world.session, "d1", world.users["u1"], NOW, model=fake_model(answer()))
    record_feedback(
        world.session, deal_id="d1", user=world.users["u1"], helpful=False, comment=" Wrong goal ",
        inputs_hash=result.inputs_hash, now=NOW,
    )  # fmt: skip
    row = world.session.scalars(select(InsightFeedback)).one()
    assert (row.helpful, row.comment, row.inputs_hash) == (False, "Wrong goal", result.inputs_hash)
    with pytest.raises(PermissionDenied):
        record_feedback(
            world.session, deal_id="d1", user=world.users["u2"], helpful=True, comment=None,
            inputs_hash="x", now=NOW,
        )  # fmt: skip
