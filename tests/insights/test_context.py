"""The context: permission-tight in SQL, bodies cleaned and cut, the prompt within its budget."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from crm.models import Activity
from crm.permissions import PermissionDenied
from insights.budget import MIN_BODY_CHARS, build_context
from insights.context import deal_activities, read_deal
from insights.prompt import prompt_tokens, render_user
from insights.text import CUT_MARK, clean_body, estimate_tokens, strip_reply
from tests.conftest import NOW
from tests.rules.world import World, ago


def test_owner_sees_recent_and_scheduled_activities_newest_first(world: World) -> None:
    context = build_context(world.session, "d1", world.users["u1"], NOW)
    assert [a.id for a in context.recent] == ["e2", "e1", "k1", "n1", "m1"]
    assert [a.id for a in context.scheduled] == ["t1"]
    assert [c.id for c in context.contacts] == ["c1"] and context.company_name == "co1"


def test_quoted_reply_is_removed_from_email_bodies(world: World) -> None:
    context = build_context(world.session, "d1", world.users["u1"], NOW)
    e1 = next(a for a in context.recent if a.id == "e1")
    assert e1.body == "We need SSO before we sign." and "old quoted" not in render_user(context)


def test_a_rep_with_owned_access_cannot_build_a_teammates_deal(world: World) -> None:
    with pytest.raises(PermissionDenied):
        build_context(world.session, "d1", world.users["u2"], NOW)


def test_a_missing_deal_is_refused_like_a_hidden_one(world: World) -> None:
    with pytest.raises(PermissionDenied) as missing:
        build_context(world.session, "nope", world.users["u1"], NOW)
    with pytest.raises(PermissionDenied) as hidden:
        build_context(world.session, "d1", world.users["u2"], NOW)
    assert str(missing.value) == str(hidden.value)


def test_private_and_hidden_activities_stay_out(world: World) -> None:
    world.users["u2"].access_deals = "team"
    world.email("secret-mail", owner="u1", deals=["d1"], private=True, body="PRIVATE", sent=ago(hours=1))
    world.commit()
    context = build_context(world.session, "d1", world.users["u2"], NOW)
    # bo sees the deal (team access) but not ana's activities (owned) nor her private email.
    assert context.recent == () and "PRIVATE" not in render_user(context)


@pytest.mark.parametrize("count", [100, 400])
def test_prompt_stays_within_budget_however_many_activities(world: World, count: int) -> None:
    for i in range(count):
        world.note(f"x{i}", deals=["d1"], created=ago(days=10, minutes=i), body="long text " * 400)
    world.commit()
    context = build_context(world.session, "d1", world.users["u1"], NOW, budget=6000)
    assert len(context.recent) + context.omitted == 100
    assert context.prompt_tokens <= 6000
    assert estimate_tokens(render_user(context)) < 6000


def test_a_tiny_budget_leaves_out_the_oldest_activities(world: World) -> None:
    context = build_context(world.session, "d1", world.users["u1"], NOW, budget=1500)
    assert context.prompt_tokens <= 1500 or not context.recent
    assert context.omitted >= 0


def test_short_bodies_go_into_the_prompt_whole(world: World) -> None:
    context = build_context(world.session, "d1", world.users["u1"], NOW)
    assert (context.omitted, context.body_cap) == (0, None)
    assert next(a for a in context.recent if a.id == "n1").body == "Competitor Initech is in the running"


def test_when_bodies_cannot_all_have_a_useful_length_the_oldest_are_left_out_and_counted(
    world: World,
) -> None:
    for i in range(100):
        world.note(f"x{i}", deals=["d1"], created=ago(days=10, minutes=i), body=f"word{i} long text " * 300)
    world.commit()
    context = build_context(world.session, "d1", world.users["u1"], NOW, budget=6000)
    newest_first = [a.id for a in read_deal(world.session, "d1", world.users["u1"], NOW).context.recent]
    kept = [a.id for a in context.recent]
    assert context.omitted > 0 and len(kept) + context.omitted == 100
    assert kept == newest_first[: len(kept)]
    long_bodies = [a.body for a in context.recent if a.id.startswith("x")]
    assert long_bodies and all(
        len(b) >= MIN_BODY_CHARS * 4 // 5 and b.endswith(CUT_MARK) for b in long_bodies
    )
    assert f'omitted="{context.omitted}"' in render_user(context)
    assert prompt_tokens(context) == context.prompt_tokens <= 6000


def test_budget_holds_for_text_that_renders_larger_than_it_reads(world: World) -> None:
    # Each angle bracket becomes a three-byte look-alike in the prompt, and "ż" is two bytes.
    for i in range(100):
        world.note(f"x{i}", deals=["d1"], created=ago(days=10, minutes=i), body="<ż> " * 1000)
    world.commit()
    context = build_context(world.session, "d1", world.users["u1"], NOW, budget=4000)
    assert context.recent and prompt_tokens(context) <= 4000


def test_a_huge_body_is_cleaned_from_its_start_and_marked_as_cut() -> None:
    body = clean_body("Budget approved.   " + "x " * 500_000, email=False, max_chars=300)
    assert (
        body.startswith("Budget approved. x") and body.endswith(CUT_MARK) and len(body) <= 300 + len(CUT_MARK)
    )


def test_activity_changes_change_the_fingerprint_but_not_the_visible_key(world: World) -> None:
    before = build_context(world.session, "d1", world.users["u1"], NOW)
    note = world.session.get(Activity, "n1")
    assert note is not None
    note.body = "Changed"
    world.commit()
    after = build_context(world.session, "d1", world.users["u1"], NOW)
    assert before.visible_key() == after.visible_key()
    assert before.fingerprint() != after.fingerprint()


@pytest.mark.parametrize(
    ("body", "kept"),
    [
        ("Yes.\n\nOn Tue, Nov 12, 2026 at 9:00 AM Ana <a@b.test> wrote:\n> no", "Yes."),
        ("Yes.\n-----Original Message-----\nFrom: x", "Yes."),
        ("Yes.\n-- \nHank | CEO", "Yes."),
        ("Yes.\n> quoted", "Yes."),
        ("Yes.\nSent from my iPhone", "Yes."),
        ("Yes.\nOn Tue, Nov 12, 2026 at 9:00 AM Ana <a@b.test>\nwrote:\n> no", "Yes."),
    ],
)
def test_strip_reply(body: str, kept: str) -> None:
    assert strip_reply(body).strip() == kept


def test_sqlite_reads_a_deals_activities_from_its_links_not_from_the_owners_activities(world: World) -> None:
    if world.session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's planner, without statistics, is the one that needs the CTE")
    stmt = deal_activities("d1", world.users["u1"], NOW, 100)
    compiled = stmt.compile(world.session.get_bind(), compile_kwargs={"literal_binds": True})
    plan = [row[3] for row in world.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))]
    assert any(step.startswith("SEARCH activity_deals USING COVERING INDEX ix_activity_deals_deal_activity")
               for step in plan), plan  # fmt: skip
    assert not any("ix_activities_owner" in step for step in plan), plan
