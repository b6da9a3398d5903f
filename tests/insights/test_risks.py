"""CRM risk signals: each fires on its condition, stays silent otherwise, and cites what it rests on."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from insights.budget import build_context
from insights.context import ContactItem, DealContext
from insights.risks import RiskThresholds, crm_risks
from tests.conftest import NOW
from tests.rules.world import World


@pytest.fixture
def base(world: World) -> DealContext:
    context = build_context(world.session, "d1", world.users["u1"], NOW)
    return replace(
        context, contact_count=2, contacts=(ContactItem("c1", "c1", None), ContactItem("c2", "c2", None))
    )


def codes(context: DealContext, t: RiskThresholds | None = None) -> set[str]:
    return {r.code for r in crm_risks(context, t)}


def test_a_healthy_deal_has_no_crm_risks(base: DealContext) -> None:
    assert codes(base) == set()


def test_no_follow_up_cites_the_last_activity(base: DealContext) -> None:
    risk = crm_risks(replace(base, scheduled=()))[0]
    assert (risk.code, risk.activity_ids) == ("no_follow_up", ("e2",))


SCORE_CASES = [([(40, 80), (5, 69)], True), ([(40, 80), (5, 71)], False), ([(60, 90), (40, 60)], False)]


@pytest.mark.parametrize(("scores", "fires"), [*SCORE_CASES, ([(40, 60), (5, 90)], False)])
def test_score_drop_within_30_days(base: DealContext, scores: list[tuple[int, float]], fires: bool) -> None:
    history = tuple((NOW - timedelta(days=d), s) for d, s in scores)
    assert ("score_dropped" in codes(replace(base, score_history=history))) is fires


def test_close_date_passed_and_pushed_twice(base: DealContext) -> None:
    today = NOW.date()
    history = (
        (NOW - timedelta(days=50), today - timedelta(days=30)),
        (NOW - timedelta(days=20), today - timedelta(days=10)),
    )
    context = replace(base, close_date=today - timedelta(days=1), close_date_history=history)
    assert {"close_date_passed", "close_date_pushed"} <= codes(context)
    assert "close_date_pushed" not in codes(context, RiskThresholds(close_date_pushes=3))


def test_no_activity_for_14_days(base: DealContext) -> None:
    old = tuple(replace(a, at=NOW - timedelta(days=20)) for a in base.recent)
    risk = next(r for r in crm_risks(replace(base, recent=old)) if r.code == "no_recent_activity")
    assert risk.activity_ids == ("e2",) and risk.title == "No activity for 20 days"


def test_one_contact_only(base: DealContext) -> None:
    assert "one_contact" in codes(replace(base, contact_count=1))


def test_unanswered_buyer_email_cites_it(base: DealContext) -> None:
    recent = tuple(a for a in base.recent if a.id != "e2")  # ana's reply is gone
    risk = next(r for r in crm_risks(replace(base, recent=recent)) if r.code == "unanswered_email")
    assert risk.activity_ids == ("e1",)
    assert "unanswered_email" not in codes(
        replace(base, recent=recent), RiskThresholds(unanswered_after_hours=100)
    )


def test_stalled_in_stage_compares_with_the_median_of_peers(base: DealContext) -> None:
    assert "stalled_in_stage" in codes(replace(base, stage_median_age_days=20, stage_peer_count=3))
    assert "stalled_in_stage" not in codes(replace(base, stage_median_age_days=30, stage_peer_count=3))
    assert "stalled_in_stage" not in codes(replace(base, stage_median_age_days=20, stage_peer_count=2))


def test_closed_deals_raise_no_pipeline_risks(base: DealContext) -> None:
    closed = replace(
        base, stage_state="won", scheduled=(), contact_count=1, close_date=NOW.date() - timedelta(days=9)
    )
    assert codes(closed) == set()


def test_stage_median_reads_only_visible_open_deals(world: World) -> None:
    for i in range(3):
        world.deal(f"p{i}", created=NOW - timedelta(days=10))
    world.deal("hidden", owner="u2", created=NOW - timedelta(days=100))
    world.commit()
    context = build_context(world.session, "d1", world.users["u1"], NOW)
    assert (context.stage_peer_count, context.stage_median_age_days) == (3, 10)
    assert "stalled_in_stage" in codes(replace(context, contact_count=2))
