"""The demo CRM generator: reps in teams across continents, their accounts, deals and 90 days of work.

Every rep gets the same handful of *scenarios* (a reply waiting, a meeting without an outcome, a deal
without contacts...) so that each guided-action rule has something to find, plus random background work
in proportion to the profile. Output is deterministic for (now, profile, reps, seed) and streams record by
record, so the large profile (2,000,000 activities) never sits in memory.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tqdm import tqdm

from crm.demo import vocabulary as words
from crm.demo.activities import SCENARIO_DEALS, rep_activities, rep_events
from crm.importer.jsonfile import write_collections
from crm.isotime import format_time

DEMO_ORG_NAME = "Acme Robotics (demo)"
ORG_DOMAIN = "acme.test"
Record = dict[str, Any]


@dataclass(frozen=True)
class Profile:
    reps: int
    teams: int
    companies_per_rep: float
    contacts_per_rep: int
    leads_per_rep: int
    deals_per_rep: int
    background_activities_per_rep: int
    events_per_contact: float


PROFILES = {
    "default": Profile(
        reps=6,
        teams=3,
        companies_per_rep=4,
        contacts_per_rep=20,
        leads_per_rep=5,
        deals_per_rep=8,
        background_activities_per_rep=60,
        events_per_contact=1.5,
    ),
    "large": Profile(
        reps=1000,
        teams=50,
        companies_per_rep=20,
        contacts_per_rep=200,
        leads_per_rep=30,
        deals_per_rep=50,
        background_activities_per_rep=1960,
        events_per_contact=2.5,
    ),
}
DEAL_STAGES = (
    ("s1", "Appointment scheduled", "open"),
    ("s2", "Qualified to buy", "open"),
    ("s3", "Presentation scheduled", "open"),
    ("s4", "Decision maker bought-in", "open"),
    ("s5", "Contract sent", "open"),
    ("s6", "Closed won", "won"),
    ("s7", "Closed lost", "lost"),
)
LEAD_STAGES = (
    ("ls1", "New", "open"),
    ("ls2", "Attempting to contact", "open"),
    ("ls3", "Connected", "open"),
    ("ls4", "Qualified", "won"),
    ("ls5", "Disqualified", "lost"),
)


@dataclass
class Rep:
    id: str
    name: str
    email: str
    timezone: str
    team_id: str
    contacts: list[Record]


class Generator:
    def __init__(self, now: datetime, profile: Profile, seed: int) -> None:
        self.now = now.replace(microsecond=0)
        self.p = profile
        self.rng = random.Random(seed)
        self.reps: list[Rep] = []
        self.companies: list[Record] = []
        self.company_by_id: dict[str, Record] = {}
        self.counters: dict[str, int] = {}

    # -- small helpers -------------------------------------------------------------------------------
    def next_id(self, prefix: str) -> str:
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return f"{prefix}{self.counters[prefix]}"

    def ago(self, **delta: float) -> str:
        return format_time(self.now - timedelta(**delta))

    def ahead(self, **delta: float) -> str:
        return format_time(self.now + timedelta(**delta))

    def local(self, rep: Rep, days: int, hour: int, minute: int = 0) -> str:
        """A wall-clock time ``days`` from the rep's local today, in the rep's zone."""
        zone = ZoneInfo(rep.timezone)
        day = self.now.astimezone(zone).date() + timedelta(days=days)
        return format_time(datetime.combine(day, time(hour, minute), zone))

    def person(self) -> tuple[str, str]:
        return self.rng.choice(words.FIRST_NAMES), self.rng.choice(words.LAST_NAMES)

    # -- the collections, in dataset order ------------------------------------------------------------
    def records(self, reps: int) -> Iterator[tuple[str, Record]]:
        yield (
            "org",
            {
                "name": DEMO_ORG_NAME,
                "final_lifecycle_stages": ["customer", "evangelist"],
                "customer_analysis_enabled": True,
                "sensitive_data_enabled": False,
            },
        )
        yield from (("teams", t) for t in self.teams())
        yield from (("users", u) for u in self.users(reps))
        yield from (("companies", c) for c in self.make_companies())
        yield from (("contacts", c) for c in self.contacts())
        yield from (("pipelines", p) for p in self.pipelines())
        yield from (("sequences", s) for s in self.sequences())
        leads: dict[str, list[Record]] = {rep.id: [] for rep in self.reps}
        for lead in self.leads():
            leads[lead["owner_id"]].append(lead)
            yield "leads", lead
        deals: dict[str, list[Record]] = {rep.id: [] for rep in self.reps}
        for deal in self.deals():
            deals[deal["owner_id"]].append(deal)
            yield "deals", deal
        yield from (("enrollments", e) for e in self.enrollments())
        for rep in self.reps:
            yield from (("activities", a) for a in rep_activities(self, rep, leads[rep.id], deals[rep.id]))
        for rep in self.reps:
            yield from (("engagement_events", e) for e in rep_events(self, rep, leads[rep.id]))

    def teams(self) -> Iterator[Record]:
        yield {"id": "t-sales", "name": "Sales", "parent_id": None}
        regions = ("Americas", "EMEA", "APAC")
        for region in regions:
            yield {"id": f"t-{region.lower()}", "name": region, "parent_id": "t-sales"}
        for index in range(max(0, self.p.teams - len(regions))):
            region = regions[index % len(regions)]
            yield {
                "id": f"t{index + 1}",
                "name": f"{region} {index // 3 + 1}",
                "parent_id": f"t-{region.lower()}",
            }

    def _team_for(self, index: int, region: str) -> str:
        extra = self.p.teams - 3
        if extra <= 0:
            return f"t-{region.lower()}"
        regional = [i for i in range(extra) if ("Americas", "EMEA", "APAC")[i % 3] == region]
        return f"t{regional[index % len(regional)] + 1}"

    def users(self, reps: int) -> Iterator[Record]:
        used: set[str] = set()
        for index in range(reps):
            zone, region = words.REP_ZONES[index % len(words.REP_ZONES)]
            first, last = self.person()
            email = f"{first}.{last}@{ORG_DOMAIN}".lower()
            if email in used:
                email = f"{first}.{last}{index}@{ORG_DOMAIN}".lower()
            used.add(email)
            rep = Rep(f"u{index + 1}", f"{first} {last}", email, zone, self._team_for(index, region), [])
            self.reps.append(rep)
            yield {
                "id": rep.id,
                "email": rep.email,
                "name": rep.name,
                "team_id": rep.team_id,
                "role": "rep",
                "timezone": zone,
                "slack_user_id": f"U0DEMO{index + 1:04d}",
                "access": {"contacts": "owned", "leads": "owned", "deals": "team", "activities": "team"},
                "digest": {
                    "enabled": True,
                    "time": "08:00",
                    "weekdays": [1, 2, 3, 4, 5],
                    "send_when_empty": False,
                },
                "goals": [
                    {"metric": "meetings_booked", "period": "month", "target": 12},
                    {"metric": "deals_won", "period": "quarter", "target": 3},
                ],
            }
        yield {
            "id": "u-manager",
            "email": f"morgan.manager@{ORG_DOMAIN}",
            "name": "Morgan Reyes",
            "team_id": "t-sales",
            "role": "manager",
            "timezone": "America/Chicago",
            "slack_user_id": "U0DEMOMGR1",
        }
        yield {
            "id": "u-admin",
            "email": f"sam.admin@{ORG_DOMAIN}",
            "name": "Sam Okafor",
            "team_id": None,
            "role": "super_admin",
            "timezone": "Europe/London",
            "slack_user_id": "U0DEMOADM1",
        }

    def make_companies(self) -> Iterator[Record]:
        count = max(1, round(self.p.companies_per_rep * len(self.reps)))
        for index in range(count):
            word = words.COMPANY_WORDS[index % len(words.COMPANY_WORDS)]
            suffix = words.COMPANY_SUFFIXES[(index // len(words.COMPANY_WORDS)) % len(words.COMPANY_SUFFIXES)]
            slug = f"{word}{suffix}".lower().replace(" ", "")
            company: Record = {
                "id": f"co{index + 1}",
                "name": f"{word} {suffix}",
                "domain": f"{slug}{index + 1}.test",
                "owner_id": self.reps[index % len(self.reps)].id,
                "target_account": index % 5 == 0,
            }
            self.companies.append(company)
            self.company_by_id[company["id"]] = company
            yield company

    def contacts(self) -> Iterator[Record]:
        for rep_index, rep in enumerate(self.reps):
            for n in range(self.p.contacts_per_rep):
                # The rep's first companies are theirs; contacts spread over them (and a few others).
                company = self.companies[(rep_index + len(self.reps) * (n % 4)) % len(self.companies)]
                first, last = self.person()
                recent = n < 2  # newly assigned: R01
                contact = {
                    "id": self.next_id("c"),
                    "first_name": first,
                    "last_name": last,
                    "email": f"{first}.{last}.{self.counters['c']}@{company['domain']}".lower(),
                    "company_id": company["id"],
                    "owner_id": rep.id,
                    "owner_assigned_at": self.ago(days=3 + n) if recent else self.ago(days=60 + n * 3),
                    "lifecycle_stage": "customer"
                    if n % 11 == 10
                    else self.rng.choice(words.LIFECYCLE_STAGES),
                    "created_at": self.ago(days=200 + n),
                }
                rep.contacts.append(contact)
                yield contact

    def pipelines(self) -> Iterator[Record]:
        yield {
            "id": "p-deals",
            "object": "deal",
            "name": "Sales pipeline",
            "stages": [
                {"id": i, "label": label, "order": n + 1, "state": s}
                for n, (i, label, s) in enumerate(DEAL_STAGES)
            ],
        }
        yield {
            "id": "p-leads",
            "object": "lead",
            "name": "Lead pipeline",
            "stages": [
                {"id": i, "label": label, "order": n + 1, "state": s}
                for n, (i, label, s) in enumerate(LEAD_STAGES)
            ],
        }

    def sequences(self) -> Iterator[Record]:
        for index, name in enumerate(("Outbound - robotics", "Webinar follow-up", "Re-engage lost deals")):
            yield {"id": f"sq{index + 1}", "name": name}

    def leads(self) -> Iterator[Record]:
        for rep in self.reps:
            pool = rep.contacts[5:]
            for n in range(self.p.leads_per_rep):
                contact = pool[n % len(pool)]
                if n == 0:  # newly assigned, first stage: R02
                    stage, assigned, disqualified = "ls1", self.ago(days=2), None
                elif n == 1:  # disqualified, the contact re-engages later: R03
                    stage, assigned, disqualified = "ls5", self.ago(days=90), self.ago(days=40)
                else:
                    stage = self.rng.choice(("ls1", "ls2", "ls3", "ls4", "ls5"))
                    assigned = self.ago(days=self.rng.randint(31, 200))
                    disqualified = self.ago(days=self.rng.randint(31, 120)) if stage == "ls5" else None
                yield {
                    "id": self.next_id("l"),
                    "contact_id": contact["id"],
                    "owner_id": rep.id,
                    "owner_assigned_at": assigned,
                    "pipeline_id": "p-leads",
                    "stage_id": stage,
                    "created_at": assigned,
                    "disqualified_at": disqualified,
                }

    def deals(self) -> Iterator[Record]:
        for rep in self.reps:
            for n in range(self.p.deals_per_rep):
                contact = rep.contacts[(5 + n) % len(rep.contacts)]
                company_id = contact["company_id"]
                company = self.company_by_id[company_id] if n < 3 else None
                name = (company or {"name": self.rng.choice(words.COMPANY_WORDS)})["name"]
                created_days = self.rng.randint(10, 150)
                if n == 0:  # first stage, old, no engagement: R18
                    stage, contacts, created_days = "s1", [contact["id"]], 15
                elif n == 1:  # no contact: R17
                    stage, contacts, created_days = "s2", [], 20
                elif n < SCENARIO_DEALS:  # open deals the scenarios work on (R10, R19, R16)
                    stage, contacts = ("s3", "s4", "s2")[n - 2], [contact["id"]]
                    created_days = max(created_days, 30)
                else:
                    stage = self.rng.choice(("s1", "s2", "s3", "s4", "s5", "s5", "s6", "s7"))
                    contacts = [contact["id"]] + (
                        [rep.contacts[(6 + n) % len(rep.contacts)]["id"]] if n % 3 else []
                    )
                closed = stage in ("s6", "s7")
                close_date = (self.now + timedelta(days=self.rng.randint(-20, 60))).date()
                scores = [self.rng.randint(40, 90)]
                for _ in range(self.rng.randint(1, 4)):
                    scores.append(max(1, min(99, scores[-1] + self.rng.randint(-15, 10))))
                pushes = self.rng.randint(0, 3)
                yield {
                    "id": self.next_id("d"),
                    "name": f"{name} - {self.rng.choice(words.DEAL_ITEMS)}",
                    "owner_id": rep.id,
                    "owner_assigned_at": self.ago(days=created_days),
                    "pipeline_id": "p-deals",
                    "stage_id": stage,
                    "amount": self.rng.randrange(5_000, 400_000, 500),
                    "currency": "USD",
                    "close_date": close_date.isoformat(),
                    "created_at": self.ago(days=created_days),
                    "closed_at": self.ago(days=self.rng.randint(1, 9)) if closed else None,
                    "next_steps": self.rng.choice(words.TASK_TITLES),
                    "next_steps_updated_at": self.ago(days=created_days - 1),
                    "contact_ids": contacts,
                    "company_id": company_id,
                    "score_history": [
                        {
                            "at": self.ago(days=created_days - i * (created_days // (len(scores) + 1))),
                            "score": s,
                        }
                        for i, s in enumerate(scores)
                    ],
                    "close_date_history": [
                        {
                            "at": self.ago(days=created_days - i * 3),
                            "close_date": (close_date - timedelta(days=14 * (pushes - i))).isoformat(),
                        }
                        for i in range(pushes + 1)
                    ],
                }

    def enrollments(self) -> Iterator[Record]:
        for rep in self.reps:
            for n in range(3):
                contact = rep.contacts[10 + n]
                yield {
                    "id": f"e-{rep.id}-{n + 1}",
                    "sequence_id": f"sq{n % 3 + 1}",
                    "contact_id": contact["id"],
                    "user_id": rep.id,
                    "enrolled_at": self.ago(days=5 + n),
                    "status": "active",
                }


def generate(
    now: datetime, *, profile: str = "default", reps: int | None = None, seed: int = 7
) -> Iterator[tuple[str, Record]]:
    """(collection, record) pairs of a whole demo CRM relative to ``now``, in dataset order."""
    chosen = PROFILES[profile]
    generator = Generator(now, chosen, seed)
    return generator.records(reps if reps is not None else chosen.reps)


def dataset(
    now: datetime, *, profile: str = "default", reps: int | None = None, seed: int = 7
) -> dict[str, Any]:
    """The whole demo CRM in memory (for small profiles and tests)."""
    data: dict[str, Any] = {}
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
    """Stream the demo CRM into a dataset file; returns counts per collection."""
    items = generate(now, profile=profile, reps=reps, seed=seed)
    if progress:
        items = tqdm(items, desc="generating", unit=" records", mininterval=1.0)
    return write_collections(path, items)
