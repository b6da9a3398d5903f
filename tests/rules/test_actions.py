"""What users do with actions: complete, dismiss, snooze, feedback. Owner or super admin only, idempotent,
recording who and when."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crm.db import session_scope
from crm.models import Action, User
from crm.permissions import PermissionDenied
from rules.actions import complete, dismiss, feedback, snooze, unsnooze_due
from tests.conftest import NOW
from tests.rules.helpers import actions, run
from tests.rules.world import World, ahead

LATER = NOW + timedelta(minutes=5)


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    w = World(engine)
    w.user("boss", "boss@acme.test", role="super_admin")
    w.meeting("m1", start=ahead(hours=3))  # R12 for ana
    run(engine, w)
    yield w
    w.close()


@pytest.fixture
def action_id(engine: Engine, world: World) -> int:
    (action,) = actions(engine, rule="R12")
    return action.id


def as_user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id)
    assert user is not None
    return user


def stored(engine: Engine, action_id: int) -> Action:
    with Session(engine) as session:
        action = session.get(Action, action_id)
        assert action is not None
        return action


def test_completing_records_who_and_when(engine: Engine, action_id: int) -> None:
    with session_scope(engine) as session:
        outcome = complete(session, action_id, as_user(session, "u1"), LATER)
        assert (outcome.changed, outcome.message, outcome.action.state) == (True, "completed", "completed")
    action = stored(engine, action_id)
    assert (action.state, action.acted_by, action.ended_at) == ("completed", "u1", LATER)


def test_a_second_complete_changes_nothing_and_says_so(engine: Engine, action_id: int) -> None:
    with session_scope(engine) as session:
        complete(session, action_id, as_user(session, "u1"), LATER)
    with session_scope(engine) as session:
        outcome = complete(session, action_id, as_user(session, "u1"), LATER + timedelta(hours=1))
    assert (outcome.changed, outcome.message) == (False, "already completed")
    assert stored(engine, action_id).ended_at == LATER


def test_dismissing_then_completing_keeps_it_dismissed(engine: Engine, action_id: int) -> None:
    with session_scope(engine) as session:
        assert dismiss(session, action_id, as_user(session, "u1"), LATER).message == "dismissed"
        outcome = complete(session, action_id, as_user(session, "u1"), LATER)
    assert (outcome.changed, outcome.message) == (False, "already dismissed")
    assert stored(engine, action_id).state == "dismissed"


def test_an_expired_action_cannot_be_completed(engine: Engine, world: World, action_id: int) -> None:
    world.activities["m1"].outcome = "canceled"
    run(engine, world)
    with session_scope(engine) as session:
        outcome = complete(session, action_id, as_user(session, "u1"), LATER)
    assert (outcome.changed, outcome.message) == (False, "already expired")


def test_another_rep_may_not_touch_the_action(engine: Engine, action_id: int) -> None:
    with session_scope(engine) as session:
        for change in (
            lambda u: complete(session, action_id, u, LATER),
            lambda u: dismiss(session, action_id, u, LATER),
            lambda u: snooze(session, action_id, u, ahead(hours=1), LATER),
            lambda u: feedback(session, action_id, u, "not_really", None, LATER),
        ):
            with pytest.raises(PermissionDenied):
                change(as_user(session, "u2"))
    assert stored(engine, action_id).state == "open"


def test_a_missing_action_is_denied_like_someone_elses(engine: Engine, world: World) -> None:
    with (
        session_scope(engine) as session,
        pytest.raises(PermissionDenied, match="you may not change that action"),
    ):
        complete(session, 999_999, as_user(session, "u1"), LATER)


def test_a_super_admin_may_act_on_anyones_action(engine: Engine, action_id: int) -> None:
    with session_scope(engine) as session:
        assert complete(session, action_id, as_user(session, "boss"), LATER).changed
    assert stored(engine, action_id).acted_by == "boss"


def test_snoozing_hides_the_action_until_the_time_then_it_reopens(engine: Engine, action_id: int) -> None:
    until = ahead(hours=1)
    with session_scope(engine) as session:
        outcome = snooze(session, action_id, as_user(session, "u1"), until, LATER)
    assert (outcome.changed, outcome.message) == (True, "snoozed until 2026-11-23T13:00:00Z")
    action = stored(engine, action_id)
    assert (action.state, action.snoozed_until, action.acted_by) == ("snoozed", until, "u1")
    with session_scope(engine) as session:
        assert unsnooze_due(session, until - timedelta(seconds=1)) == 0
    with session_scope(engine) as session:
        assert unsnooze_due(session, until) == 1
    assert (stored(engine, action_id).state, stored(engine, action_id).snoozed_until) == ("open", None)


def test_snoozing_again_to_the_same_time_changes_nothing(engine: Engine, action_id: int) -> None:
    with session_scope(engine) as session:
        snooze(session, action_id, as_user(session, "u1"), ahead(hours=1), LATER)
        again = snooze(session, action_id, as_user(session, "u1"), ahead(hours=1), LATER)
        later = snooze(session, action_id, as_user(session, "u1"), ahead(hours=2), LATER)
    assert (again.changed, again.message) == (False, "already snoozed until 2026-11-23T13:00:00Z")
    assert later.changed and stored(engine, action_id).snoozed_until == ahead(hours=2)


def test_snoozing_into_the_past_is_refused(engine: Engine, action_id: int) -> None:
    with session_scope(engine) as session, pytest.raises(ValueError, match="future"):
        snooze(session, action_id, as_user(session, "u1"), LATER, LATER)


def test_a_snoozed_action_can_still_expire(engine: Engine, world: World, action_id: int) -> None:
    with session_scope(engine) as session:
        snooze(session, action_id, as_user(session, "u1"), ahead(hours=5), LATER)
    run(engine, now=ahead(hours=3, minutes=10))
    action = stored(engine, action_id)
    assert (action.state, action.expired_reason) == ("expired", "started")


def test_feedback_is_recorded_once_and_can_be_changed(engine: Engine, action_id: int) -> None:
    with session_scope(engine) as session:
        first = feedback(session, action_id, as_user(session, "u1"), "keep_it_up", "  useful  ", LATER)
        same = feedback(session, action_id, as_user(session, "u1"), "keep_it_up", "useful", LATER)
    assert (first.changed, first.message) == (True, "thanks for the feedback")
    assert (same.changed, same.message) == (False, "feedback already recorded")
    action = stored(engine, action_id)
    assert (action.feedback, action.feedback_comment, action.feedback_at, action.feedback_by) == (
        "keep_it_up",
        "useful",
        LATER,
        "u1",
    )
    with session_scope(engine) as session:
        assert feedback(session, action_id, as_user(session, "u1"), "not_really", None, LATER).changed
    assert (stored(engine, action_id).feedback, stored(engine, action_id).feedback_comment) == (
        "not_really",
        None,
    )
    assert stored(engine, action_id).state == "open"


def test_feedback_on_an_ended_action_is_allowed(engine: Engine, action_id: int) -> None:
    with session_scope(engine) as session:
        complete(session, action_id, as_user(session, "u1"), LATER)
        assert feedback(
            session, action_id, as_user(session, "u1"), "not_really", "wrong meeting", LATER
        ).changed


def test_unknown_feedback_is_refused(engine: Engine, action_id: int) -> None:
    with session_scope(engine) as session, pytest.raises(ValueError):
        feedback(session, action_id, as_user(session, "u1"), "meh", None, LATER)


def test_first_feedback_without_a_comment_is_recorded(engine: Engine, action_id: int) -> None:
    with session_scope(engine) as session:
        first = feedback(session, action_id, as_user(session, "u1"), "keep_it_up", None, LATER)
        again = feedback(session, action_id, as_user(session, "u1"), "keep_it_up", None, LATER)
    assert (first.changed, again.changed) == (True, False)
    assert (stored(engine, action_id).feedback, stored(engine, action_id).feedback_comment) == (
        "keep_it_up",
        None,
    )
