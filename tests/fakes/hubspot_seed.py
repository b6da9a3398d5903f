"""Fill the fake HubSpot from a Salesbot dataset (crm-dataset.md): what the same CRM would look like in
HubSpot, for tests and the benchmark.

Every record gets a numeric HubSpot id (``ids[collection][dataset id]``); users become owners (and settings
users with a role: "Sales Rep", "Sales Manager", super admins flagged); teams lose their hierarchy;
sequences, enrollments and engagement events have no HubSpot counterpart and are left out, as are emails'
``cc``, ``opened_at`` and ``clicked_at``. Modification times are the record's creation time (or ``now``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crm.importer.reader import DatasetReader, Item
from tests.fakes.hubspot_state import State, iso

ROLES = {"rep": (1, "Sales Rep"), "manager": (2, "Sales Manager")}
ASSOCIATION_TYPES = {
    "tasks": (204, 192, 216),
    "calls": (194, 182, 206),
    "meetings": (200, 188, 212),
    "notes": (202, 190, 214),
    "emails": (198, 186, 210),
}
PLURAL = {"task": "tasks", "call": "calls", "meeting": "meetings", "note": "notes", "email": "emails"}


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


class Seeder:
    def __init__(self, state: State, now: datetime) -> None:
        self.state = state
        self.now = now
        self.ids: dict[str, dict[str, int]] = {}
        self.owner_of: dict[str, int] = {}  # Salesbot user id -> owner id
        self.team_names: dict[str, str] = {}
        self.user_team: dict[str, str | None] = {}
        self._owner_ids = itertools.count(5001)
        for role_id, name in ROLES.values():
            state.add_role(role_id, name)

    def _id(self, collection: str, dataset_id: str) -> int:
        oid = self.state.next_id()
        self.ids.setdefault(collection, {})[dataset_id] = oid
        return oid

    def _owner(self, user_id: str | None) -> str | None:
        return str(self.owner_of[user_id]) if user_id in self.owner_of else None

    def add(self, key: str, r: dict[str, Any]) -> None:
        handler = getattr(self, f"_{key}", None)
        if handler is not None:
            handler(r)

    def _teams(self, r: dict[str, Any]) -> None:
        self.team_names[r["id"]] = r["name"]
        self.state.add_team(self._id("teams", r["id"]), r["name"])

    def _users(self, r: dict[str, Any]) -> None:
        owner = next(self._owner_ids)
        hs_user = owner + 100_000
        self.owner_of[r["id"]] = owner
        first, _, last = r["name"].partition(" ")
        team = r.get("team_id")
        teams = [(self.ids["teams"][team], self.team_names[team], True)] if team else []
        self.state.add_owner(owner, r["email"], first, last, user_id=hs_user, teams=teams)
        role = r.get("role", "rep")
        role_ids = [] if role == "super_admin" else [str(ROLES[role][0])]
        primary = self.ids["teams"][team] if team else None
        self.state.add_user(
            hs_user, r["email"], role_ids=role_ids, primary_team=primary, super_admin=role == "super_admin"
        )
        if team:
            for t in self.state.teams:
                if t["id"] == str(primary):
                    t["userIds"].append(str(hs_user))

    def _companies(self, r: dict[str, Any]) -> None:
        self.state.add(
            "companies",
            {
                "name": r["name"],
                "domain": r.get("domain"),
                "hubspot_owner_id": self._owner(r.get("owner_id")),
                "hs_is_target_account": bool(r.get("target_account")),
            },
            id=self._id("companies", r["id"]),
            created_at=self.now,
        )

    def _contacts(self, r: dict[str, Any]) -> None:
        created = _time(r.get("created_at")) or self.now
        oid = self.state.add(
            "contacts",
            {
                "firstname": r.get("first_name") or None,
                "lastname": r.get("last_name") or None,
                "email": r.get("email"),
                "hubspot_owner_id": self._owner(r.get("owner_id")),
                "hubspot_owner_assigneddate": r.get("owner_assigned_at"),
                "lifecyclestage": r.get("lifecycle_stage"),
                "createdate": iso(created),
            },
            id=self._id("contacts", r["id"]),
            created_at=created,
        )
        if r.get("company_id"):
            self.state.associate("contacts", oid, "companies", self.ids["companies"][r["company_id"]], 279, 1)

    def _pipelines(self, r: dict[str, Any]) -> None:
        stages = [
            (s["id"], s["label"], s["state"] != "open", {"won": 1.0, "lost": 0.0}.get(s["state"], 0.5))
            for s in sorted(r["stages"], key=lambda s: s["order"])
        ]
        self.state.add_pipeline("deals" if r["object"] == "deal" else "leads", r["id"], r["name"], stages)

    def _leads(self, r: dict[str, Any]) -> None:
        created = _time(r.get("created_at")) or self.now
        oid = self.state.add(
            "leads",
            {
                "hs_lead_name": f"Lead {r['id']}",
                "hubspot_owner_id": self._owner(r.get("owner_id")),
                "hubspot_owner_assigneddate": r.get("owner_assigned_at"),
                "hs_pipeline": r["pipeline_id"],
                "hs_pipeline_stage": r["stage_id"],
                "createdate": iso(created),
            },
            id=self._id("leads", r["id"]),
            created_at=created,
        )
        self.state.associate("leads", oid, "contacts", self.ids["contacts"][r["contact_id"]], 578)

    def _deals(self, r: dict[str, Any]) -> None:
        created = _time(r.get("created_at")) or self.now
        close = r.get("close_date")
        history: dict[str, list[tuple[Any, datetime]]] = {}
        if r.get("close_date_history"):
            history["closedate"] = [
                (h["close_date"] + "T00:00:00.000Z", _at(h["at"])) for h in r["close_date_history"]
            ]
            if close:
                history["closedate"].append((close + "T00:00:00.000Z", created))
        if r.get("score_history"):
            history["hs_deal_score"] = [(str(s["score"]), _at(s["at"])) for s in r["score_history"]]
        if r.get("next_steps"):
            history["hs_next_step"] = [(r["next_steps"], _time(r.get("next_steps_updated_at")) or created)]
        scores = r.get("score_history") or []
        oid = self.state.add(
            "deals",
            {
                "dealname": r["name"],
                "hubspot_owner_id": self._owner(r.get("owner_id")),
                "hubspot_owner_assigneddate": r.get("owner_assigned_at"),
                "pipeline": r["pipeline_id"],
                "dealstage": r["stage_id"],
                "amount": r.get("amount"),
                "deal_currency_code": r.get("currency"),
                "closedate": close + "T00:00:00.000Z" if close else None,
                "createdate": iso(created),
                "hs_next_step": r.get("next_steps"),
                "hs_deal_score": str(scores[-1]["score"]) if scores else None,
            },
            id=self._id("deals", r["id"]),
            created_at=created,
            history=history,
        )
        for contact in r.get("contact_ids") or []:
            self.state.associate("deals", oid, "contacts", self.ids["contacts"][contact], 3)
        if r.get("company_id"):
            self.state.associate("deals", oid, "companies", self.ids["companies"][r["company_id"]], 341, 5)

    def _activities(self, r: dict[str, Any]) -> None:
        kind = PLURAL[r["type"]]
        props: dict[str, Any] = {"hubspot_owner_id": self._owner(r.get("owner_id"))}
        when: str | None
        if kind == "tasks":
            when = r.get("due_at")
            props |= {
                "hs_task_subject": r.get("title"),
                "hs_task_body": r.get("body"),
                "hs_timestamp": when,
                "hs_task_status": (r.get("status") or "not_started").upper(),
                "hs_task_priority": (r.get("priority") or "none").upper(),
                "hs_task_type": (r.get("task_type") or "todo").upper(),
                "hs_task_completion_date": r.get("completed_at"),
                "hs_createdate": r.get("created_at"),
            }
            when = r.get("created_at") or when
        elif kind == "calls":
            when = r.get("started_at")
            props |= {
                "hs_call_body": r.get("body"),
                "hs_timestamp": when,
                "hs_call_duration": (r["duration_s"] * 1000) if r.get("duration_s") is not None else None,
                "hs_call_status": (r.get("status") or "").upper() or None,
                "hs_call_disposition": r.get("outcome"),
            }
        elif kind == "meetings":
            when = r.get("start")
            props |= {
                "hs_meeting_title": r.get("title"),
                "hs_meeting_body": r.get("body"),
                "hs_meeting_start_time": r.get("start"),
                "hs_meeting_end_time": r.get("end"),
                "hs_timestamp": r.get("start"),
                "hs_meeting_outcome": (r.get("outcome") or "").upper() or None,
                "hs_meeting_external_url": r.get("link"),
            }
        elif kind == "notes":
            when = r.get("created_at")
            props |= {"hs_note_body": r.get("body"), "hs_timestamp": when}
        else:
            when = r.get("sent_at")
            props |= {
                "hs_email_direction": "EMAIL" if r.get("direction") == "outgoing" else "INCOMING_EMAIL",
                "hs_email_subject": r.get("subject"),
                "hs_email_text": r.get("body"),
                "hs_timestamp": when,
                "hs_email_from_email": r.get("from"),
                "hs_email_to_email": ";".join(r.get("to") or []) or None,
                "hs_email_thread_id": r.get("thread_id"),
            }
        created = min(_time(when) or self.now, self.now)
        oid = self.state.add(kind, props, id=self._id("activities", r["id"]), created_at=created)
        links = r.get("associations") or {}
        for (target, collection), type_id in zip(
            (("contacts", "contacts"), ("companies", "companies"), ("deals", "deals")),
            ASSOCIATION_TYPES[kind],
            strict=True,
        ):
            for ref in links.get(collection) or []:
                self.state.associate(kind, oid, target, self.ids[collection][ref], type_id)


def seed(state: State, records: Iterable[tuple[str, dict[str, Any]]], now: datetime) -> Seeder:
    seeder = Seeder(state, now)
    for key, record in records:
        seeder.add(key, record)
    return seeder


def _items(path: Path | str) -> Iterator[tuple[str, dict[str, Any]]]:
    for event in DatasetReader(path).stream():
        if isinstance(event, Item):
            yield event.key, _plain(event.record)


def _plain(value: Any) -> Any:
    # The reader keeps numbers as Decimal (exact); HubSpot's values are strings anyway.
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if type(value).__name__ == "Decimal":
        return int(value) if value == int(value) else float(value)
    return value


def state_from_dataset(path: Path | str, now: datetime | None = None) -> State:
    """A fake HubSpot state holding the dataset at ``path``."""
    moment = now or datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    state = State(clock=lambda: moment)
    seed(state, _items(path), moment)
    return state
