"""The demo's teams and users: reps dealt out over time zones and a team tree, their managers, an admin."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from crm.demo import vocabulary as words
from crm.demo.profiles import Profile
from crm.demo.world import ORG_DOMAIN, Demo, Rep

Record = dict[str, Any]
ROOT_TEAM = "t1"
REP_ACCESS = {
    "contacts": "owned",
    "companies": "team",
    "deals": "team",
    "leads": "owned",
    "activities": "team",
}
# Every fifth rep is set up the other way round, so permission checks meet both.
WIDE_REP_ACCESS = {
    "contacts": "team",
    "companies": "all",
    "deals": "owned",
    "leads": "team",
    "activities": "owned",
}
MANAGER_ACCESS = {
    "contacts": "team",
    "companies": "all",
    "deals": "team",
    "leads": "team",
    "activities": "team",
}
ADMIN_ACCESS = {"contacts": "all", "companies": "all", "deals": "all", "leads": "all", "activities": "all"}
REP_GOALS = (
    {"metric": "meetings_booked", "period": "month", "target": 12},
    {"metric": "calls_made", "period": "week", "target": 40},
    {"metric": "emails_sent", "period": "week", "target": 60},
    {"metric": "tasks_completed", "period": "week", "target": 25},
    {"metric": "deals_won", "period": "quarter", "target": 3},
)


class TeamPlan:
    """The team tree: a root, one team per zone group, and (large) teams of ``reps_per_team`` under those."""

    def __init__(self, profile: Profile, rep_count: int) -> None:
        self.records: list[Record] = [{"id": ROOT_TEAM, "name": "Sales", "parent_id": None}]
        groups = list(dict.fromkeys(group for _, group in profile.zones))
        group_ids = {}
        for group in groups:
            group_ids[group] = f"t{len(self.records) + 1}"
            self.records.append({"id": group_ids[group], "name": group, "parent_id": ROOT_TEAM})
        self.rep_zones = [profile.zones[i % len(profile.zones)] for i in range(rep_count)]
        self.leaf_teams: list[str] = []  # teams that get a manager of their own
        if profile.reps_per_team is None:
            self.rep_teams = [group_ids[group] for _, group in self.rep_zones]
            return
        leaves: dict[str, list[str]] = {}
        for group in groups:
            size = sum(1 for _, g in self.rep_zones if g == group)
            for n in range(max(1, math.ceil(size / profile.reps_per_team))):
                team_id = f"t{len(self.records) + 1}"
                self.records.append(
                    {"id": team_id, "name": f"{group} {n + 1}", "parent_id": group_ids[group]}
                )
                leaves.setdefault(group, []).append(team_id)
                self.leaf_teams.append(team_id)
        seen: dict[str, int] = {}
        self.rep_teams = []
        for _, group in self.rep_zones:
            seen[group] = seen.get(group, 0) + 1
            self.rep_teams.append(leaves[group][(seen[group] - 1) % len(leaves[group])])


def teams(plan: TeamPlan) -> Iterator[Record]:
    yield from plan.records


def _slack_id(number: int) -> str | None:
    # Every tenth user has not linked Slack yet.
    return None if number % 10 == 0 else f"U0DEMO{number:04d}"


def _digest(n: int, *, manager: bool = False) -> Record:
    return {
        "enabled": manager or n % 8 != 7,  # a few reps have turned the digest off
        "time": "07:00" if manager else ("08:00", "07:30", "08:30", "09:00")[n % 4],
        "weekdays": [1, 2, 3, 4, 5, 6] if n % 6 == 5 else [1, 2, 3, 4, 5],
        "send_when_empty": manager or n % 3 == 0,
    }


def users(demo: Demo, plan: TeamPlan) -> Iterator[Record]:
    """The reps (u1...), then the managers, then the super admin. Fills ``demo.reps``."""
    rng = demo.rng
    used: set[str] = set()

    def person() -> tuple[str, str, str]:
        first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
        email = f"{first}.{last}@{ORG_DOMAIN}".lower()
        n = 1
        while email in used:
            n += 1
            email = f"{first}.{last}{n}@{ORG_DOMAIN}".lower()
        used.add(email)
        return first, last, email

    now = demo.clock.now
    for index, ((zone_name, _), team_id) in enumerate(zip(plan.rep_zones, plan.rep_teams, strict=True)):
        first, last, email = person()
        zone = ZoneInfo(zone_name)
        number = index + 1
        rep = Rep(
            number=number,
            id=f"u{number}",
            name=f"{first} {last}",
            email=email,
            zone=zone,
            midnight=demo.clock.local(zone, 0, 0),
            weekday=datetime.fromtimestamp(now, zone).weekday(),
        )
        demo.reps.append(rep)
        goals = [REP_GOALS[0], *(g for k, g in enumerate(REP_GOALS[1:]) if (index + k) % 3 != 0)]
        yield {
            "id": rep.id,
            "email": email,
            "name": rep.name,
            "team_id": team_id,
            "role": "rep",
            "timezone": zone_name,
            "slack_user_id": _slack_id(number),
            "access": dict(WIDE_REP_ACCESS if index % 5 == 4 else REP_ACCESS),
            "digest": _digest(index),
            "goals": [dict(g) for g in goals],
        }
    number = len(demo.reps)
    first_rep_zone: dict[str, str] = {}
    for (zone_name, _), team_id in zip(plan.rep_zones, plan.rep_teams, strict=True):
        first_rep_zone.setdefault(team_id, zone_name)
    for team_id in [ROOT_TEAM, *plan.leaf_teams]:
        number += 1
        first, last, email = person()
        yield {
            "id": f"u{number}",
            "email": email,
            "name": f"{first} {last}",
            "team_id": team_id,
            "role": "manager",
            "timezone": first_rep_zone.get(team_id, "America/New_York"),
            "slack_user_id": _slack_id(number),
            "access": dict(MANAGER_ACCESS),
            "digest": _digest(number, manager=True),
            "goals": [{"metric": "deals_won", "period": "quarter", "target": 45}],
        }
    number += 1
    yield {
        "id": f"u{number}",
        "email": f"admin@{ORG_DOMAIN}",
        "name": "Sam Okafor",
        "team_id": None,
        "role": "super_admin",
        "timezone": "Europe/London",
        "slack_user_id": _slack_id(number),
        "access": dict(ADMIN_ACCESS),
        "digest": {"enabled": False, "time": "08:00", "weekdays": [1, 2, 3, 4, 5], "send_when_empty": False},
        "goals": [],
    }
