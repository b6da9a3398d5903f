"""The demo's sizes: how many reps, and how much CRM each rep brings."""

from __future__ import annotations

from dataclasses import dataclass

from crm.demo import vocabulary as words
from crm.demo.world import POOL


@dataclass(frozen=True)
class Profile:
    reps: int
    zones: tuple[tuple[str, str], ...]  # (IANA zone, team group), dealt out to reps in turn
    reps_per_team: int | None  # None: each group is one team; else groups split into teams of this size
    companies_per_rep: float
    contacts_per_rep: int
    leads_per_rep: int
    deals_per_rep: int
    enrollments_per_rep: int
    activities_per_rep: int  # exact, scenarios included, over 90 days plus the next two weeks
    events_per_contact: float  # on average, over the last 365 days

    def __post_init__(self) -> None:
        if self.contacts_per_rep < POOL + 4:
            raise ValueError(f"contacts_per_rep must be at least {POOL + 4} (the scenarios reserve {POOL})")


PROFILES = {
    "default": Profile(
        reps=6,
        zones=words.DEFAULT_ZONES,
        reps_per_team=None,
        companies_per_rep=3.5,
        contacts_per_rep=20,
        leads_per_rep=6,
        deals_per_rep=8,
        enrollments_per_rep=3,
        activities_per_rep=250,
        events_per_contact=2.5,
    ),
    "large": Profile(
        reps=1_000,
        zones=words.LARGE_ZONES,
        reps_per_team=20,
        companies_per_rep=20,
        contacts_per_rep=200,
        leads_per_rep=30,
        deals_per_rep=50,
        enrollments_per_rep=10,
        activities_per_rep=2_000,
        events_per_contact=2.5,
    ),
}
