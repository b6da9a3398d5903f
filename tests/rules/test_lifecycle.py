"""The lifecycle every rule obeys (docs/guided-actions.md): keys are never re-created, one live
action per rule, subject and user, a reassigned record's new owner gets their own, the association snapshot
and category are kept, one action per incoming email (R10 > R05 > R09), and two evaluations at once create
no duplicates."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, literal, select
from sqlalchemy.orm import Session

from crm.db import session_scope
from crm.models import Action, User
from rules import engine as rules_engine
from rules.actions import complete, dismiss, snooze
from rules.engine import RuleReport, evaluate, insert_skipping_conflicts
from tests.conftest import NOW
from tests.rules.helpers import actions, run, summary
from tests.rules.world import ANA, BO, World, ago, ahead


@pytest.fixture
def world(engine: Engine) -> World:
    w = World(engine)
    yield w  # type: ignore[misc]
    w.close()


def user(engine: Engine, user_id: str) -> User:
    with Session(engine, expire_on_commit=False) as session:
        found = session.get(User, user_id)
        assert found is not None
        return found


def end_with(engine: Engine, action_id: int, how: str) -> None:
    with session_scope(engine) as session:
        actor = user(engine, "u1")
        if how == "completed":
            complete(session, action_id, actor, NOW)
        elif how == "dismissed":
            dismiss(session, action_id, actor, NOW)


# --- keys ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["completed", "dismissed"])
def test_a_key_is_never_created_again_once_its_action_ended(engine: Engine, world: World, how: str) -> None:
    world.contact("c1")
    run(engine, world)
    (action,) = actions(engine, rule="R01")
    end_with(engine, action.id, how)
    report = run(engine, now=NOW + timedelta(hours=1))
    assert report.created == 0
    assert summary(engine, rule="R01") == [("R01", "u1", "c1", how)]


def test_an_expired_key_is_not_created_again_when_its_criteria_hold_again(
    engine: Engine, world: World
) -> None:
    world.meeting("m1", start=ahead(hours=3))
    run(engine, world)
    world.activities["m1"].outcome = "canceled"
    run(engine, world)
    world.activities["m1"].outcome = None
    run(engine, world)
    assert [(a.key, a.state, a.expired_reason) for a in actions(engine, rule="R12")] == [
        ("m1", "expired", "criteria_no_longer_met")
    ]


def test_evaluating_twice_at_the_same_instant_changes_nothing(engine: Engine, world: World) -> None:
    busy_world(world)
    first = run(engine, world)
    assert first.created >= 10
    before = summary(engine)
    second = run(engine)
    assert (second.created, second.expired) == (0, 0)
    assert summary(engine) == before


# --- one live action per rule, subject and user ------------------------------------------------------


def test_a_new_key_waits_while_the_subject_has_a_live_action(engine: Engine, world: World) -> None:
    world.company("co1", target=True)
    world.contact("c1", company="co1")
    world.event("c1", at=ago(days=1), id_="ev1")
    run(engine, world)
    world.event("c1", at=ago(hours=1), id_="ev2")
    run(engine, world)
    assert summary(engine, rule="R14") == [("R14", "u1", "c1|ev1", "open")]

    (first,) = actions(engine, rule="R14")
    end_with(engine, first.id, "completed")
    run(engine)
    assert summary(engine, rule="R14") == [
        ("R14", "u1", "c1|ev1", "completed"),
        ("R14", "u1", "c1|ev2", "open"),
    ]


def test_a_snoozed_action_is_live_too(engine: Engine, world: World) -> None:
    world.company("co1", target=True)
    world.contact("c1", company="co1")
    world.event("c1", at=ago(days=1), id_="ev1")
    run(engine, world)
    (first,) = actions(engine, rule="R14")
    with session_scope(engine) as session:
        snooze(session, first.id, user(engine, "u1"), ahead(days=1), NOW)
    world.event("c1", at=ago(hours=1), id_="ev2")
    run(engine, world)
    assert summary(engine, rule="R14") == [("R14", "u1", "c1|ev1", "snoozed")]


def test_a_reassigned_records_new_owner_gets_an_action_of_their_own(engine: Engine, world: World) -> None:
    world.contact("c1")
    run(engine, world)
    world.contacts["c1"].owner_id = "u2"
    world.contacts["c1"].owner_assigned_at = ago(minutes=5)
    report = run(engine, world)
    assert report.rules["R01"].expired == {"reassigned": 1}
    assert [(a.user_id, a.state, a.expired_reason) for a in actions(engine, rule="R01")] == [
        ("u1", "expired", "reassigned"),
        ("u2", "open", None),
    ]


def test_the_new_local_day_gets_its_own_r13_action_in_the_same_run(engine: Engine, world: World) -> None:
    world.task("t1", due=ahead(hours=3), priority="high")
    world.task("t2", due=ahead(hours=15), priority="high")
    run(engine, world)
    report = run(engine, now=ahead(hours=12))
    assert (report.rules["R13"].created, report.rules["R13"].expired_total) == (1, 1)
    assert [(a.key, a.state) for a in actions(engine, rule="R13")] == [
        ("u1|2026-11-23", "expired"),
        ("u1|2026-11-24", "open"),
    ]


# --- snapshot and category ---------------------------------------------------------------------------


def test_the_association_snapshot_and_category_are_kept(engine: Engine, world: World) -> None:
    world.company("co1")
    world.company("co2")
    world.contact("c1", company="co1")
    world.contact("c2", company="co2")
    world.deal("d1", contacts=["c1"])
    world.meeting("m1", start=ago(hours=3), contacts=["c1"], deals=["d1"])
    run(engine, world)
    world.contacts["c1"].company_id = "co2"
    world.activities["m1"].contact_links[0].contact_id = "c2"
    world.deals["d1"].stage_id = "s6"
    run(engine, world)
    (action,) = actions(engine, rule="R06")
    assert (action.state, action.contact_id, action.company_id, action.category) == (
        "open",
        "c1",
        "co1",
        "closing",
    )


# --- one action per email -----------------------------------------------------------------------------


def replying_deal_contact(world: World, *, deal_owner: str = "u1") -> None:
    """c1 (owned by ana, on deal d1) replies to ana's email o1: r1 qualifies for R10, R05 and R09."""
    world.company("co1")
    world.contact("c1", company="co1")
    world.deal("d1", owner=deal_owner, contacts=["c1"])
    world.sent("c1@globex.test", id_="o1", sent=ago(days=3))
    world.received("c1@globex.test", id_="r1", sent=ago(days=1), in_reply_to="o1", to=[ANA, BO])


def test_an_email_qualifying_for_r10_r05_and_r09_gets_r10_only(engine: Engine, world: World) -> None:
    replying_deal_contact(world)
    run(engine, world)
    assert summary(engine, subject_id="r1") == [("R10", "u1", "r1", "open")]


def test_an_email_qualifying_for_r05_and_r09_gets_r05(engine: Engine, world: World) -> None:
    replying_deal_contact(world)
    world.deals["d1"].stage_id = "s6"
    run(engine, world)
    assert summary(engine, subject_id="r1") == [("R05", "u1", "r1", "open")]


def test_the_email_precedence_is_per_user(engine: Engine, world: World) -> None:
    replying_deal_contact(world, deal_owner="u2")
    world.activities["r1"].in_reply_to = None
    run(engine, world)
    assert sorted(summary(engine, subject_id="r1")) == [
        ("R09", "u1", "r1", "open"),
        ("R10", "u2", "r1", "open"),
    ]


def test_an_email_never_gets_a_second_of_the_three(engine: Engine, world: World) -> None:
    replying_deal_contact(world)
    run(engine, world)
    world.deals["d1"].stage_id = "s6"
    report = run(engine, world)
    assert report.rules["R10"].expired == {"closed": 1}
    assert summary(engine, subject_id="r1") == [("R10", "u1", "r1", "expired")]


def test_r11_is_outside_the_email_precedence(engine: Engine, world: World) -> None:
    replying_deal_contact(world)
    world.lead("l1", "c1")
    run(engine, world)
    assert sorted(summary(engine, subject_id="r1")) == [
        ("R10", "u1", "r1", "open"),
        ("R11", "u1", "r1", "open"),
    ]


# --- concurrency --------------------------------------------------------------------------------------


def busy_world(world: World) -> None:
    """Something for most rules to do."""
    replying_deal_contact(world)
    world.company("co9", target=True, owner="u2")
    world.contact("c2", company="co9")
    world.event("c2", at=ago(days=1))
    world.lead("l2", "c2", owner="u2")
    world.deal("d2", created=ago(days=10))
    world.meeting("m1", start=ago(hours=3), contacts=["c1"], deals=["d1"])
    world.meeting("m2", start=ahead(hours=3), contacts=["c2"])
    world.call("k1", started=ago(hours=2), status="completed", contacts=["c1"])
    world.task("t1", due=ahead(hours=1), priority="high")
    world.enrollment("e1", "c2")
    world.task("t2", due=ago(hours=1), enrollment_id="e1", contacts=["c2"])
    world.note(created=ago(days=2), deals=["d1"])


def test_two_evaluations_at_once_create_each_action_once(engine: Engine, world: World) -> None:
    busy_world(world)
    world.commit()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    reports = []

    def evaluate_in_thread() -> None:
        try:
            barrier.wait(timeout=10)
            with session_scope(engine) as session:
                reports.append(evaluate(session, NOW))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=evaluate_in_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    created = summary(engine)
    assert len(created) == len(set(created)) >= 10
    assert sorted(r.created for r in reports) == [0, len(created)]


def test_a_conflicting_insert_is_skipped_and_logged(
    engine: Engine, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.contact("c1")
    run(engine, world)
    (existing,) = actions(engine, rule="R01")
    # What a concurrent writer could have inserted between this evaluation's SELECT and its INSERT: the same
    # key, and the same subject with another key (caught by the partial unique index).
    row = {
        "user_id": "u1",
        "subject_type": "contact",
        "subject_id": "c1",
        "contact_id": "c1",
        "company_id": None,
    }
    rows = [{**row, "key": key, "category": "prospecting"} for key in ("c1", "c1-again")]
    stmt = select(*(literal(v).label(k) for k, v in rows[0].items()))
    report = RuleReport("R01", "Newly assigned contacts")
    with caplog.at_level(logging.WARNING, logger="rules.engine"), session_scope(engine) as session:
        rules_engine.insert_new(session, rules_engine.ALL_RULES[0], stmt, {"now": NOW}, report)
        more = [{**row, "rule": "R01", "state": "open", "created_at": NOW} for row in rows[1:]]
        assert insert_skipping_conflicts(session, more) == 0
    assert (report.created, report.skipped) == (0, 1)
    assert "skipped 1 R01 action(s)" in caplog.text
    assert [a.id for a in actions(engine, rule="R01")] == [existing.id]


def test_the_one_action_per_email_index_is_a_last_line_of_defence(engine: Engine, world: World) -> None:
    replying_deal_contact(world)
    run(engine, world)
    row = {"rule": "R05", "user_id": "u1", "key": "r1", "subject_type": "email", "subject_id": "r1"}
    row |= {
        "contact_id": "c1",
        "company_id": None,
        "category": "prospecting",
        "state": "open",
        "created_at": NOW,
    }
    with session_scope(engine) as session:
        assert insert_skipping_conflicts(session, [row]) == 0
    assert summary(engine, subject_id="r1") == [("R10", "u1", "r1", "open")]


def test_evaluate_refuses_a_naive_now(engine: Engine) -> None:
    with session_scope(engine) as session, pytest.raises(ValueError, match="aware"):
        evaluate(session, NOW.replace(tzinfo=None))


def test_an_empty_crm_evaluates_to_nothing(engine: Engine) -> None:
    with session_scope(engine) as session:
        report = evaluate(session, NOW)
    assert (report.created, report.expired) == (0, 0)
    assert set(report.rules) == {f"R{n:02d}" for n in range(1, 20)}
    with Session(engine) as session:
        assert session.scalars(select(Action)).all() == []
