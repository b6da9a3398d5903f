"""The context: permission-tight in SQL, bodies cleaned and cut, the prompt within its budget."""

from __future__ import annotations

import pytest

from crm.models import Activity
from crm.permissions import PermissionDenied
from insights.context import build_context
from insights.prompt import render_user
from insights.text import estimate_tokens, strip_reply
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
