"""A team tree for the manager tests: East (t1) with a child East-2 (t2), and West (t3) beside them.

- m1 (UM1), manager of East: reps u1 (ana, East) and u2 (bo, East-2); access as given by the test.
- u3 (cy, West) and m2 (UM2, manager of West): another team.
Each rep has an overdue task, a meeting today and an open deal past its close date; deals won this quarter:
ana 2, bo 1, cy 5.
"""

from __future__ import annotations

from datetime import date, timedelta

from crm.models import Team, UserGoal
from tests.conftest import NOW
from tests.rules.world import World, ago, ahead


def team_world(world: World, *, access: str | None = None) -> World:
    s = world.session
    s.add_all(
        [
            Team(id="t1", name="East", parent_id=None),
            Team(id="t2", name="East-2", parent_id="t1"),
            Team(id="t3", name="West", parent_id=None),
        ]
    )
    levels = (
        {}
        if access is None
        else {f"access_{k}": access for k in ("contacts", "companies", "deals", "leads", "activities")}
    )
    world.user("m1", "max@acme.test", role="manager", team_id="t1", slack_user_id="UM1", **levels)
    world.user("m2", "mia@acme.test", role="manager", team_id="t3", slack_user_id="UM2")
    world.users["u1"].team_id = "t1"
    world.users["u1"].slack_user_id = "UANA"
    world.users["u2"].team_id = "t2"
    world.users["u2"].slack_user_id = "UBO"
    world.user("u3", "cy@acme.test", team_id="t3", slack_user_id="UCY")
    world.users["u1"].name = "Ana"
    world.users["u2"].name = "Bo"
    world.users["u3"].name = "Cy"
    world.users["m1"].name = "Max"
    for rep in ("u1", "u2", "u3"):
        world.task(f"late-{rep}", owner=rep, due=NOW - timedelta(days=2)).title = f"Overdue of {rep}"
        world.meeting(f"meet-{rep}", owner=rep, start=ahead(hours=2)).title = f"Meeting of {rep}"
        deal = world.deal(f"deal-{rep}", owner=rep)
        deal.name = f"Deal of {rep}"
        deal.close_date = date(2026, 11, 1)
    for rep, won in (("u1", 2), ("u2", 1), ("u3", 5)):
        for i in range(won):
            deal = world.deal(f"won-{rep}-{i}", owner=rep, stage="s5")
            deal.closed_at = ago(days=3)
    s.add(UserGoal(user_id="m1", position=0, metric="deals_won", period="quarter", target=45))
    world.commit()
    return world
