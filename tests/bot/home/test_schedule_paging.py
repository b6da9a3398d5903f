"""The Schedule tab over a range with more than 500 meetings and 500 tasks: counted and paged in SQL, so the
"N in all" count is exact, the last page is reachable and holds the last items, and the pages together are
exactly the range's items (checked against a plain SQL listing), in time order, with none twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.home import home_tab
from bot.home.schedule import SCHEDULE_PAGE
from bot.home.state import HomeState
from bot.slack import limits
from crm.models import Activity, TaskSnooze, User
from tests.bot.home.test_paging import pager_buttons, pager_text
from tests.conftest import NOW
from tests.rules.world import World

TZ = "America/New_York"  # the month starts on the day summer time ends (2026-11-01)
MONTH_START = datetime(2026, 11, 1, 4, 0, tzinfo=UTC)  # local midnight, EDT
MONTH_END = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)  # local midnight, EST
EACH = 505  # meetings and tasks: more than the 500 of each the tab used to read
STEP = timedelta(minutes=80)  # 505 steps fill 28 days of the month


def crowded_month(world: World) -> World:
    """Ana (u1, New York) with 505 meetings and 505 open tasks in November, meetings and tasks at the same
    instants and some tasks sharing an instant (ties the order must break), private ones, and items the
    tab must leave out: canceled meetings, completed and snoozed tasks, other months, Bo's."""
    world.users["u1"].timezone = TZ
    for i in range(EACH):
        at = MONTH_START + STEP * (i - i % 5 if i % 5 == 1 else i)
        world.meeting(f"m{i:04}", start=at, end=at + timedelta(minutes=30)).title = f"Meeting {i}"
        world.task(f"t{i:04}", due=at).title = f"Task {i}"
    world.meeting("m-private", start=MONTH_START + STEP * 7, private=True).title = "Private meeting"
    world.task("t-private", due=MONTH_START + STEP * 9, private=True)
    world.meeting("x-canceled", start=MONTH_START + STEP, outcome="canceled")
    world.task("x-completed", due=MONTH_START + STEP, status="completed")
    world.task("x-snoozed", due=MONTH_START + STEP)
    world.session.add(
        TaskSnooze(activity_id="x-snoozed", user_id="u1", until=NOW + timedelta(days=1), snoozed_at=NOW)
    )
    world.task("x-october", due=MONTH_START - timedelta(minutes=1))
    world.meeting("x-december", start=MONTH_END)
    world.task("x-bo", owner="u2", due=MONTH_START + STEP)
    world.meeting("x-bo-meeting", owner="u2", start=MONTH_START + STEP)
    world.commit()
    return world


def listing(session: Session, *, private: bool = True) -> list[str]:
    """The month's items as plain SQL finds them, in time order (meetings before tasks at one instant)."""
    in_month = [Activity.owner_id == "u1"]
    if not private:
        in_month.append(Activity.private.is_(False))
    meetings = session.execute(
        select(Activity.id, Activity.start_at).where(
            *in_month,
            Activity.type == "meeting",
            Activity.start_at >= MONTH_START,
            Activity.start_at < MONTH_END,
            or_(Activity.outcome.is_(None), Activity.outcome != "canceled"),
        )
    ).all()
    snoozed = select(TaskSnooze.activity_id).where(TaskSnooze.until > NOW)
    tasks = session.execute(
        select(Activity.id, Activity.due_at).where(
            *in_month,
            Activity.type == "task",
            Activity.due_at >= MONTH_START,
            Activity.due_at < MONTH_END,
            or_(Activity.status.is_(None), Activity.status != "completed"),
            Activity.id.not_in(snoozed),
        )
    ).all()
    rows = [(at, 0, id_) for id_, at in meetings] + [(at, 1, id_) for id_, at in tasks]
    return [id_ for _, _, id_ in sorted(rows)]


def page(session: Session, viewer: str, state: HomeState) -> dict[str, Any]:
    user = session.get(User, viewer)
    assert user is not None
    view = home_tab.build(session, user, state, NOW)
    limits.check_view(view)
    return view


def items(view: dict[str, Any]) -> list[str]:
    ids = [b["block_id"] for b in view["blocks"] if b["block_id"].startswith("schedule:")]
    return [i.split(":", 2)[2] for i in ids]


def every_page(session: Session, viewer: str, state: HomeState, total: int) -> list[list[str]]:
    pages = -(-total // SCHEDULE_PAGE)
    views = [page(session, viewer, replace(state, page=p)) for p in range(pages)]
    for number, view in enumerate(views):
        assert pager_text(view, "schedule") == f"Page {number + 1} of {pages} · {total} in all"
    assert "Next" not in pager_buttons(views[-1], "schedule")
    return [items(view) for view in views]


def test_a_month_with_more_than_500_meetings_and_tasks_is_counted_exactly_and_every_item_is_reachable(
    world: World, session: Session
) -> None:
    crowded_month(world)
    expected = listing(session)
    assert len(expected) == 2 * EACH + 2
    pages = every_page(session, "u1", HomeState(tab="schedule", range="month"), len(expected))
    shown = [i for p in pages for i in p]
    assert len(shown) == len(set(shown))  # no item on two pages
    assert shown == expected  # none skipped, in time order
    last = pages[-1]
    assert len(last) == len(expected) % SCHEDULE_PAGE and last == expected[-len(last) :]
    assert last[-1] == f"t{EACH - 1:04}"


def test_the_last_page_groups_its_items_by_the_users_local_day(world: World, session: Session) -> None:
    crowded_month(world)
    total = len(listing(session))
    view = page(session, "u1", HomeState(tab="schedule", range="month", page=total // SCHEDULE_PAGE))
    ids = [b["block_id"] for b in view["blocks"] if b["block_id"].startswith(("schedule:", "schedule.day:"))]
    days = [i for i in ids if i.startswith("schedule.day:")]
    assert days == sorted(set(days))
    # the last item is due 2026-11-29 04:00 UTC: 23:00 on the 28th in New York
    assert ids[-1] == f"schedule:task:t{EACH - 1:04}" and days[-1] == "schedule.day:2026-11-28"


def test_viewing_as_pages_the_same_month_busy_without_private_items(world: World, session: Session) -> None:
    crowded_month(world)
    world.users["u2"].role = "super_admin"
    world.commit()
    expected = listing(session, private=False)
    assert "m-private" not in expected and len(expected) == 2 * EACH
    pages = every_page(session, "u2", HomeState(tab="schedule", subject="u1", range="month"), len(expected))
    assert [i for p in pages for i in p] == expected
    view = page(session, "u2", HomeState(tab="schedule", subject="u1", range="month", page=len(pages) - 1))
    text = str(view["blocks"])
    assert "Busy" in text and "Meeting 50" not in text and "Task 504" in text  # tasks keep their titles
