"""What a digest holds: sections in order (docs/architecture.md), counts, local days, snoozes, permissions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from bot.digest.content import load_digest
from bot.digest.render import render_text
from crm.models import Action, TaskSnooze
from crm.permissions import permission_shape
from crm.queries.digest import _built
from tests.conftest import NOW
from tests.rules.world import World, ago, ahead


def action(world: World, rule: str, subject_type: str, subject_id: str, **fields: object) -> Action:
    a = Action(
        rule=rule,
        user_id=fields.pop("user_id", "u1"),
        key=f"{subject_id}",
        subject_type=subject_type,
        subject_id=subject_id,
        category=fields.pop("category", "prospecting"),
        state=fields.pop("state", "open"),
        created_at=fields.pop("created_at", ago(hours=1)),
        **fields,
    )
    world.session.add(a)
    return a


def test_sections_in_order_with_counts(world: World, session: Session) -> None:
    world.contact("c1", company=None)
    world.task("t-high", due=ahead(hours=2), priority="high", contacts=["c1"])
    world.task("t-today", due=ahead(hours=3))
    world.task("t-old", due=ago(days=5))
    world.task("t-older", due=ago(days=9))
    world.task("t-tomorrow", due=ahead(days=1))
    world.task("t-done", due=ahead(hours=1), status="completed")
    world.task("t-bo", due=ahead(hours=1), owner="u2")
    m = world.meeting("m1", start=ahead(hours=1), contacts=["c1"], link="https://meet.test/x")
    m.title = "Demo"
    world.meeting("m-cancel", start=ahead(hours=2), outcome="canceled")
    action(world, "R01", "contact", "c1", contact_id="c1")
    action(world, "R10", "email", "e1", category="closing", contact_id="c1")
    world.commit()

    digest = load_digest(session, world.users["u1"], NOW)
    assert [s.key for s in digest.sections] == [
        "high_priority",
        "overdue",
        "today",
        "meetings",
        "guided",
        "tomorrow",
    ]
    refs = {s.key: [line.ref for line in s.lines] for s in digest.sections}
    assert refs["high_priority"] == ["task:t-high"]
    assert refs["overdue"] == ["task:t-older", "task:t-old"]  # oldest first
    assert refs["today"] == ["task:t-today"]  # the high-priority one is not listed twice
    assert refs["meetings"] == ["meeting:m1"]
    assert refs["tomorrow"] == ["task:t-tomorrow"]
    assert (digest.overdue, digest.due_today, digest.due_tomorrow) == (2, 2, 1)
    assert (digest.meetings_today, digest.guided_actions) == (1, 2)
    # R10 (closing) ranks before R01 (prospecting)
    guided = next(s for s in digest.sections if s.key == "guided")
    assert guided.lines[0].rule == "R10" and guided.lines[1].rule == "R01"
    meeting = next(s for s in digest.sections if s.key == "meetings").lines[0]
    assert meeting.plain.startswith("13:00–14:00  Demo with c1")
    assert meeting.url == "https://meet.test/x"


def test_local_day_of_a_user_far_from_utc(world: World, session: Session) -> None:
    # 12:00 UTC is 01:00 the next day in Auckland (UTC+13 in November).
    world.users["u1"].timezone = "Pacific/Auckland"
    world.task("t1", due=datetime(2026, 11, 24, 3, 0, tzinfo=UTC))  # 16:00 on the 24th there: today
    world.task("t2", due=datetime(2026, 11, 23, 10, 0, tzinfo=UTC))  # 23:00 on the 23rd: overdue
    world.commit()
    digest = load_digest(session, world.users["u1"], NOW)
    assert digest.local_date.isoformat() == "2026-11-24"
    assert (digest.due_today, digest.overdue) == (1, 1)


def test_snoozed_items_stay_out_until_due(world: World, session: Session) -> None:
    world.task("t1", due=ahead(hours=2))
    world.commit()
    world.session.add(TaskSnooze(activity_id="t1", user_id="u1", until=ahead(hours=1), snoozed_at=NOW))
    action(world, "R01", "contact", "c9", state="snoozed", snoozed_until=ahead(hours=1))
    world.commit()
    digest = load_digest(session, world.users["u1"], NOW)
    assert (digest.due_today, digest.guided_actions) == (0, 0)
    later = load_digest(session, world.users["u1"], NOW + timedelta(hours=1))
    assert (later.due_today, later.guided_actions) == (1, 1)


def test_names_the_user_may_not_see_are_not_shown(world: World, session: Session) -> None:
    world.contact("secret", owner="u2")
    action(world, "R12", "meeting", "m-bo", contact_id="secret")
    world.commit()
    digest = load_digest(session, world.users["u1"], NOW)
    text = render_text(digest)
    assert "secret" not in text
    assert "a meeting" in text


def test_bundled_rules_are_one_line(world: World, session: Session) -> None:
    for i in range(3):
        world.call(f"call{i}", started=ago(days=1))
        action(world, "R08", "call", f"call{i}")
    world.commit()
    digest = load_digest(session, world.users["u1"], NOW)
    guided = next(s for s in digest.sections if s.key == "guided")
    assert [(line.ref, line.count) for line in guided.lines] == [("bundle:R08", 3)]
    assert guided.lines[0].plain == "Log call outcome: 3 calls"
    assert digest.guided_actions == 1  # one line


def test_empty_day(world: World, session: Session) -> None:
    world.commit()
    digest = load_digest(session, world.users["u1"], NOW)
    assert digest.is_empty
    assert "Nothing due today." in render_text(digest)


def test_statements_shared_by_users_of_one_permission_shape_read_each_users_own_records(
    world: World, session: Session
) -> None:
    """The digest's statements are built once per permission shape; run for another user of that shape they
    read that user's tasks and names, and never those of the user they were built for."""
    world.contact("ana-contact", owner="u1")
    world.contact("bo-contact", owner="u2")
    world.task("ana-task", due=ahead(hours=2), contacts=["ana-contact"])
    world.task("ana-task-2", due=ahead(hours=3), contacts=["bo-contact"])
    world.task("bo-task", due=ahead(hours=2), owner="u2", contacts=["bo-contact"])
    world.task("bo-task-2", due=ahead(hours=3), owner="u2", contacts=["ana-contact"])
    world.commit()
    ana, bo = world.users["u1"], world.users["u2"]
    assert permission_shape(ana) == permission_shape(bo)
    for first, second in ((bo, ana), (ana, bo)):  # whichever builds the statements
        _built.clear()
        digests = {u.id: load_digest(session, u, NOW) for u in (first, second)}
        assert len(_built) == 1
        assert digests["u1"].items()["today"] == ["task:ana-task", "task:ana-task-2"]
        assert digests["u2"].items()["today"] == ["task:bo-task", "task:bo-task-2"]
        texts = {user_id: render_text(digest) for user_id, digest in digests.items()}
        assert "ana-contact" in texts["u1"] and "bo-contact" not in texts["u1"]
        assert "bo-contact" in texts["u2"] and "ana-contact" not in texts["u2"]
