"""The demo generator: valid records, sound references, deterministic, relative to now, every scenario."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from crm.demo.generator import COLLECTION_ORDER, dataset, generate, write_dataset
from crm.importer.schema import COLLECTIONS, ORG_ADAPTER

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
Data = dict[str, Any]


@pytest.fixture(scope="module")
def data() -> Data:
    return dataset(NOW)


def _by_id(data: Data, name: str) -> dict[str, Any]:
    return {record["id"]: record for record in data[name]}


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_every_record_validates_against_the_dataset_schema(data: Data) -> None:
    ORG_ADAPTER.validate_python(data["org"])
    for name in COLLECTIONS:
        for record in data[name]:
            COLLECTIONS[name].validate_python(record)


def test_a_scaled_down_large_profile_validates_too() -> None:
    small = dataset(NOW, profile="large", reps=2)
    assert sum(u["role"] == "rep" for u in small["users"]) == 2
    assert len(small["activities"]) == 2 * 2_000
    for name in COLLECTIONS:
        for record in small[name]:
            COLLECTIONS[name].validate_python(record)


def test_collections_come_in_dataset_order_each_in_one_run() -> None:
    runs = [name for name, _ in generate(NOW)]
    order = list(dict.fromkeys(runs))
    assert order == list(COLLECTION_ORDER)
    assert sum(1 for a, b in pairwise(runs) if a != b) == len(order) - 1


def test_ids_are_short_and_unique_per_collection(data: Data) -> None:
    for name in COLLECTIONS:
        ids = Counter(record["id"] for record in data[name])
        assert [i for i, n in ids.items() if n > 1] == [], name
        assert max(len(i) for i in ids) <= 12, name


def test_every_reference_points_to_an_existing_record(data: Data) -> None:
    users, teams = _by_id(data, "users"), _by_id(data, "teams")
    companies, contacts = _by_id(data, "companies"), _by_id(data, "contacts")
    leads, deals, enrollments = _by_id(data, "leads"), _by_id(data, "deals"), _by_id(data, "enrollments")
    pipelines, sequences = _by_id(data, "pipelines"), _by_id(data, "sequences")
    activities = _by_id(data, "activities")
    stages = {p["id"]: {s["id"] for s in p["stages"]} for p in pipelines.values()}
    for team in teams.values():
        assert team["parent_id"] is None or team["parent_id"] in teams
    for user in users.values():
        assert user["team_id"] is None or user["team_id"] in teams
    for record in [*companies.values(), *contacts.values(), *leads.values(), *deals.values()]:
        assert record["owner_id"] is None or record["owner_id"] in users, record["id"]
    for contact in contacts.values():
        assert contact["company_id"] in companies
    for kind, records in (("lead", leads), ("deal", deals)):
        for record in records.values():
            assert pipelines[record["pipeline_id"]]["object"] == kind
            assert record["stage_id"] in stages[record["pipeline_id"]], record["id"]
    for lead in leads.values():
        assert lead["contact_id"] in contacts
    for deal in deals.values():
        assert deal["company_id"] in companies
        assert set(deal["contact_ids"]) <= contacts.keys()
    for enrollment in enrollments.values():
        assert enrollment["sequence_id"] in sequences
        assert enrollment["contact_id"] in contacts and enrollment["user_id"] in users
    targets = {"contacts": contacts, "companies": companies, "deals": deals, "leads": leads}
    for activity in activities.values():
        assert activity["owner_id"] in users
        for kind, ids in activity["associations"].items():
            assert set(ids) <= targets[kind].keys(), (activity["id"], kind)
        if activity["type"] == "email" and activity["in_reply_to"] is not None:
            original = activities[activity["in_reply_to"]]
            assert original["type"] == "email" and original["thread_id"] == activity["thread_id"]
            assert _t(original["sent_at"]) < _t(activity["sent_at"])
        if activity["type"] == "task" and activity["enrollment_id"] is not None:
            assert activity["enrollment_id"] in enrollments
    for event in data["engagement_events"]:
        assert event["contact_id"] in contacts


def test_same_inputs_give_byte_identical_output_and_another_seed_differs(tmp_path: Path) -> None:
    first, second, other = tmp_path / "1.json", tmp_path / "2.json", tmp_path / "3.json"
    write_dataset(first, NOW, seed=3)
    write_dataset(second, NOW, seed=3)
    write_dataset(other, NOW, seed=4)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()


@pytest.mark.parametrize(
    "now",
    [NOW, datetime(2031, 3, 30, 1, 30, 15, 123456, tzinfo=ZoneInfo("Europe/Warsaw"))],
    ids=["utc", "dst-night-with-microseconds"],
)
def test_every_time_is_relative_to_now(now: datetime) -> None:
    text = json.dumps(dataset(now))
    times = [_t(t) for t in re.findall(r'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"', text)]
    days = [datetime.fromisoformat(d).date() for d in re.findall(r'"(\d{4}-\d\d-\d\d)"', text)]
    assert len(times) > 1_000
    assert min(times) > now - timedelta(days=366)
    assert max(times) < now + timedelta(days=15)
    assert min(days) > (now - timedelta(days=366)).date()
    assert max(days) < (now + timedelta(days=400)).date()


def test_write_dataset_writes_what_dataset_returns_and_counts_it(tmp_path: Path) -> None:
    path = tmp_path / "demo.json"
    counts = write_dataset(path, NOW, reps=2)
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written == dataset(NOW, reps=2)
    assert counts == {name: 1 if name == "org" else len(written[name]) for name in written}


def test_progress_goes_to_stderr_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_dataset(tmp_path / "demo.json", NOW, reps=1, progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and "records" in captured.err


def test_unknown_profile_and_too_few_reps_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown profile"):
        generate(NOW, profile="huge")
    with pytest.raises(ValueError, match="reps"):
        generate(NOW, reps=0)


def test_reps_span_continents_under_a_team_tree_with_one_manager_and_one_admin(data: Data) -> None:
    users = data["users"]
    roles = Counter(u["role"] for u in users)
    assert roles == {"rep": 6, "manager": 1, "super_admin": 1}
    assert {u["timezone"].split("/")[0] for u in users if u["role"] == "rep"} >= {
        "America",
        "Europe",
        "Asia",
        "Australia",
    }
    teams = _by_id(data, "teams")
    assert 2 <= len(teams) <= 4
    assert any(t["parent_id"] in teams for t in teams.values())
    assert dataset(NOW, reps=2)["users"][1]["role"] == "rep"


def test_email_addresses_use_test_domains_and_contacts_differ_from_the_org(data: Data) -> None:
    addresses = [u["email"] for u in data["users"]] + [c["email"] for c in data["contacts"]]
    assert all(a.endswith(".test") for a in addresses)
    assert {u["email"].split("@")[1] for u in data["users"]} == {"acme.test"}
    assert "acme.test" not in {c["email"].split("@")[1] for c in data["contacts"]}
    assert any(c["target_account"] for c in data["companies"])
    assert not all(c["target_account"] for c in data["companies"])


def _local_day(when: str, zone: str) -> Any:
    return _t(when).astimezone(ZoneInfo(zone)).date()


def test_every_rep_gets_the_shapes_the_rules_look_for(data: Data) -> None:
    """Not the rules themselves (rules/ has those tests): the raw shapes each rep's scenarios must hold."""
    deals = data["deals"]
    first_stage = {p["id"]: min(p["stages"], key=lambda s: s["order"])["id"] for p in data["pipelines"]}
    open_stages = {s["id"] for p in data["pipelines"] for s in p["stages"] if s["state"] == "open"}
    on_deals = {c for d in deals for c in d["contact_ids"]}
    emailed = {a for x in data["activities"] if x["type"] == "email" for a in (x["from"], *x["to"], *x["cc"])}
    engaged_deals = {
        d for x in data["activities"] if x["type"] != "task" for d in x["associations"].get("deals", [])
    }
    week = timedelta(days=7)
    for rep in (u for u in data["users"] if u["role"] == "rep"):
        mine = [a for a in data["activities"] if a["owner_id"] == rep["id"]]
        meetings = [a for a in mine if a["type"] == "meeting"]
        assert any(  # R01
            c["owner_id"] == rep["id"]
            and NOW - _t(c["owner_assigned_at"]) < timedelta(days=30)
            and c["id"] not in on_deals
            and c["email"] not in emailed
            for c in data["contacts"]
        )
        assert any(  # R06
            timedelta(hours=1) <= NOW - _t(m["end"]) < week and m["outcome"] in (None, "scheduled")
            for m in meetings
        )
        assert any(NOW < _t(m["start"]) <= NOW + timedelta(days=1) for m in meetings)  # R12
        assert any(  # R08
            a["type"] == "call"
            and timedelta(hours=1) <= NOW - _t(a["started_at"]) < week
            and not a["outcome"]
            and a["status"] == "completed"
            for a in mine
        )
        today = NOW.astimezone(ZoneInfo(rep["timezone"])).date()
        tasks = [a for a in mine if a["type"] == "task" and a["status"] != "completed"]
        assert any(
            t["priority"] == "high" and _local_day(t["due_at"], rep["timezone"]) == today for t in tasks
        )
        assert any(t["enrollment_id"] and _local_day(t["due_at"], rep["timezone"]) <= today for t in tasks)
        open_deals = [d for d in deals if d["owner_id"] == rep["id"] and d["stage_id"] in open_stages]
        old = [d for d in open_deals if NOW - _t(d["created_at"]) > week]
        assert any(not d["contact_ids"] for d in old)  # R17
        assert any(  # R18
            d["stage_id"] == first_stage[d["pipeline_id"]] and d["id"] not in engaged_deals for d in old
        )
        assert any(  # R05, R09, R10, R11: an email to the rep in the last days
            a["type"] == "email"
            and a["direction"] == "incoming"
            and a["to"][0] == rep["email"]
            and NOW - _t(a["sent_at"]) < timedelta(days=3)
            for a in mine
        )


def test_deals_have_histories_pushed_back_falling_and_past_due(data: Data) -> None:
    open_stages = {s["id"] for p in data["pipelines"] for s in p["stages"] if s["state"] == "open"}
    deals = data["deals"]
    assert any(len(d["close_date_history"]) >= 3 for d in deals)
    assert any(d["score_history"][-1]["score"] < d["score_history"][0]["score"] for d in deals)
    assert any(d["stage_id"] in open_stages and d["close_date"] < NOW.date().isoformat() for d in deals)
    for deal in deals:
        if deal["stage_id"] in open_stages:
            pushed = [h["close_date"] for h in deal["close_date_history"]]
            assert pushed == sorted(pushed) and pushed[-1] == deal["close_date"]
        else:
            assert deal["close_date_history"][-1]["at"] == deal["closed_at"]
            assert deal["next_steps_updated_at"] is None or deal["next_steps_updated_at"] < deal["closed_at"]
        assert [h["at"] for h in deal["score_history"]] == sorted(h["at"] for h in deal["score_history"])
    disqualified = [lead for lead in data["leads"] if lead["stage_id"] == "ls5"]
    assert disqualified and all(lead["disqualified_at"] for lead in disqualified)
