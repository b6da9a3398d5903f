"""``crm.queries.audience`` answers exactly what ``crm.permissions.can_view`` answers for each reader, for
every mix of roles, access levels and teams (readers asked together or one by one), private activities
included."""

from __future__ import annotations

import itertools

from sqlalchemy import Engine

from crm.models import Team
from crm.permissions import can_view
from crm.queries.audience import refused, refused_activities
from tests.rules.world import World

LEVELS = ("owned", "team", "all")


def world_of_readers(engine: Engine) -> World:
    world = World(engine)
    world.session.add_all(
        [
            Team(id="t1", name="East"),
            Team(id="t1a", name="East A", parent_id="t1"),
            Team(id="t2", name="West"),
        ]
    )
    world.users["u1"].team_id = "t1a"
    world.users["u2"].team_id = "t1a"
    n = 3
    for team, level, role in itertools.product(("t1", "t1a", "t2", None), LEVELS, ("rep", "manager")):
        for _ in range(2):  # two alike: asked together
            world.user(
                f"u{n}",
                f"r{n}@acme.test",
                team_id=team,
                role=role,
                access_deals=level,
                access_activities=level,
            )
            n += 1
    world.user(f"u{n}", f"admin{n}@acme.test", role="super_admin")
    for i, owner in enumerate(("u1", "u2", "u5", "u30", None)):
        world.deal(f"d{i}", owner=owner)
        world.note(f"n{i}", owner=owner or "u1", deals=[f"d{i}"])
        world.note(f"p{i}", owner=owner or "u1", deals=[f"d{i}"], private=True)
    world.commit()
    return world


def test_refused_readers_are_exactly_those_who_may_not_view(engine: Engine) -> None:
    world = world_of_readers(engine)
    readers = list(world.users.values())
    session = world.session
    for deal_id in [*(f"d{i}" for i in range(5)), "missing"]:
        expected = [u.id for u in readers if not can_view(session, u, "deals", deal_id)]
        assert sorted(u.id for u in refused(session, readers, "deals", deal_id)) == sorted(expected)
        assert deal_id == "missing" or 0 < len(expected) < len(readers)  # a real mix, not all or none
        first = refused(session, readers, "deals", deal_id, first_only=True)
        assert len(first) == min(1, len(expected)) and all(u.id in expected for u in first)
    for ids in (["n0"], ["n1", "n3"], ["p2"], ["n4", "p4"]):
        expected = [u.id for u in readers if not all(can_view(session, u, "activities", a) for a in ids)]
        assert sorted(u.id for u in refused_activities(session, readers, ids)) == sorted(expected)
    assert refused_activities(session, readers, []) == []
    world.close()
