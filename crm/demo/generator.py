"""The demo CRM generator's entry points: ``generate`` streams records, ``write_dataset`` writes a file.

Output depends on (now, profile, reps, seed) only: one ``random.Random(seed)``, no wall clock, no set
order. Records come in dataset order (docs/dataset.md) and are never all held at once, so the large
profile (2,000,000 activities) writes in bounded memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from crm.demo import accounts, people
from crm.demo.activities import rep_activities
from crm.demo.events import rep_events
from crm.demo.profiles import PROFILES, Profile
from crm.demo.world import Demo
from crm.importer.jsonfile import write_collections

# The CLI tells a demo database from real data by this name, so it differs from any real org's.
DEMO_ORG_NAME = "Acme Robotics (demo)"
COLLECTION_ORDER = (
    "org",
    "teams",
    "users",
    "companies",
    "contacts",
    "pipelines",
    "sequences",
    "leads",
    "deals",
    "enrollments",
    "activities",
    "engagement_events",
)
Record = dict[str, Any]


def generate(
    now: datetime, *, profile: str = "default", reps: int | None = None, seed: int = 7
) -> Iterator[tuple[str, Record]]:
    """Yield ``(collection, record)`` pairs of a whole demo CRM relative to ``now``, collections in
    ``COLLECTION_ORDER``; records are JSON-ready dicts (ISO text times, plain numbers)."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r} (choose from {', '.join(PROFILES)})")
    if reps is not None and reps < 1:
        raise ValueError("reps must be at least 1")
    chosen = PROFILES[profile]
    return _records(Demo(now, seed), chosen, chosen.reps if reps is None else reps)


def _records(demo: Demo, profile: Profile, rep_count: int) -> Iterator[tuple[str, Record]]:
    yield (
        "org",
        {
            "name": DEMO_ORG_NAME,
            "final_lifecycle_stages": ["customer", "evangelist"],
            "customer_analysis_enabled": True,
            "sensitive_data_enabled": False,
        },
    )
    plan = people.TeamPlan(profile, rep_count)
    yield from (("teams", r) for r in people.teams(plan))
    yield from (("users", r) for r in people.users(demo, plan))
    yield from (("companies", r) for r in accounts.companies(demo, profile))
    yield from (("contacts", r) for r in accounts.contacts(demo, profile))
    yield from (("pipelines", r) for r in accounts.pipelines())
    yield from (("sequences", r) for r in accounts.sequences())
    yield from (("leads", r) for r in accounts.leads(demo, profile))
    yield from (("deals", r) for r in accounts.deals(demo, profile))
    yield from (("enrollments", r) for r in accounts.enrollments(demo, profile))
    for rep in demo.reps:
        yield from (("activities", r) for r in rep_activities(demo, rep, profile.activities_per_rep))
    for rep in demo.reps:
        yield from (("engagement_events", r) for r in rep_events(demo, rep, profile.events_per_contact))


def dataset(now: datetime, *, profile: str = "default", reps: int | None = None, seed: int = 7) -> Record:
    """The whole demo CRM in memory (for small profiles and tests)."""
    data: Record = {}
    for name, record in generate(now, profile=profile, reps=reps, seed=seed):
        if name == "org":
            data[name] = record
        else:
            data.setdefault(name, []).append(record)
    return data


def write_dataset(
    path: Path | str,
    now: datetime,
    *,
    profile: str = "default",
    reps: int | None = None,
    seed: int = 7,
    progress: bool = False,
) -> dict[str, int]:
    """Stream the demo CRM into one dataset JSON file; returns counts per collection. With ``progress``, a
    tqdm bar on stderr."""
    items = generate(now, profile=profile, reps=reps, seed=seed)
    return write_collections(path, _with_progress(items) if progress else items)


def _with_progress(items: Iterator[tuple[str, Record]]) -> Iterator[tuple[str, Record]]:
    current = None
    done = 0
    with tqdm(unit=" records", unit_scale=True, mininterval=0.5) as bar:
        for name, record in items:
            if name != current:
                current = name
                bar.set_description(name)
            done += 1
            if done == 1_000:  # one bar update per record would cost more than the encoding
                bar.update(done)
                done = 0
            yield name, record
        bar.update(done)
