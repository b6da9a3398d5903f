"""The registry against the spec's rules table, reason precedence, and the digest's ranking and bundles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import column

from rules.base import BY_SUBJECT, ActionRef, Rule
from rules.context import RuleContext
from rules.registry import ALL_RULES, DIGEST_ORDER, RULES_BY_CODE, _check, digest_entries, rank, ranked
from rules.sql import key_text
from tests.conftest import NOW

# docs/guided-actions.md, "The rules": id, title, category, subject, key, bundled.
SPEC_TABLE = """
R01 | Newly assigned contacts | prospecting | contact | contact | no
R02 | Newly assigned leads | prospecting | lead | lead | no
R03 | Re-engaged contacts | prospecting | contact | contact + disqualified lead | no
R04 | Sequence activity | prospecting | task | task | yes
R05 | Email replies | prospecting | email | reply email | no
R06 | Log meeting outcome | by subject | meeting | meeting | yes
R07 | Follow up on your meeting | by subject | meeting | meeting | no
R08 | Log call outcome | by subject | call | call | yes
R09 | Contacts awaiting your response | prospecting | email | incoming email | no
R10 | Reply to email | closing | email | incoming email | no
R11 | Leads awaiting your response | prospecting | email | incoming email | no
R12 | Prepare for upcoming meetings | by subject | meeting | meeting | no
R13 | Today's high-priority tasks | by subject | user | user + local date | yes
R14 | Target account activity | prospecting | contact | contact + engagement event | no
R15 | Recently engaged leads | prospecting | lead | lead + engagement event | no
R16 | Update next steps | closing | deal | deal + latest activity | no
R17 | Add a contact to the deal | closing | deal | deal | no
R18 | Initial outreach needed | closing | deal | deal | no
R19 | Follow up with the buyer | closing | email | outgoing email | no
"""


def spec_rows() -> list[tuple[str, ...]]:
    return [tuple(cell.strip() for cell in line.split("|")) for line in SPEC_TABLE.strip().splitlines()]


def test_the_registry_is_the_spec_table_in_order() -> None:
    assert [
        (r.code, r.title, r.category, r.subject_type, r.key_description, "yes" if r.bundled else "no")
        for r in ALL_RULES
    ] == spec_rows()


def test_a_duplicate_rule_code_is_refused() -> None:
    with pytest.raises(ValueError, match="two rules have the code R01"):
        _check([*ALL_RULES, ALL_RULES[0]])


REASONS = {
    "criteria_no_longer_met", "aged_out", "reassigned", "closed", "responded", "activity_logged",
    "lead_created", "contact_associated", "engagement_associated", "next_steps_changed", "follow_up_done",
    "replied", "started",
}  # fmt: skip


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_reasons_are_listed_in_the_specs_precedence(rule: Rule) -> None:
    ref = ActionRef(*(column(name) for name in ("user_id", "key", "subject_id", "contact_id", "company_id")),
                    created_at=column("created_at"))  # fmt: skip
    reasons = [reason for reason, _ in rule.expirations(RuleContext(("UTC",)), ref)]
    assert reasons and set(reasons) <= REASONS and len(set(reasons)) == len(reasons)
    leading = [r for r in reasons if r in ("reassigned", "closed")]
    trailing = [r for r in reasons if r in ("criteria_no_longer_met", "aged_out")]
    assert reasons[: len(leading)] == leading == sorted(leading, key=["reassigned", "closed"].index)
    assert reasons[len(reasons) - len(trailing) :] == trailing
    assert trailing == sorted(trailing, key=["criteria_no_longer_met", "aged_out"].index)


def test_by_subject_rules_are_the_specs() -> None:
    assert [r.code for r in ALL_RULES if r.category == BY_SUBJECT] == ["R06", "R07", "R08", "R12", "R13"]


def test_keys_split_back_into_their_parts() -> None:
    assert key_text("c1") == "c1"
    assert key_text("c1", "l1") == "c1|l1"
    assert key_text("a|b", "c") != key_text("a", "b|c")
    assert key_text("a\\", "b") != key_text("a", "\\b")


@dataclass
class FakeAction:
    id: int
    rule: str
    category: str
    created_at: datetime


def test_the_digest_ranks_closing_first_then_by_rule_then_oldest_first() -> None:
    old, new = NOW - timedelta(days=1), NOW
    items = [
        FakeAction(1, "R01", "prospecting", old),
        FakeAction(2, "R06", "prospecting", old),
        FakeAction(3, "R19", "closing", new),
        FakeAction(4, "R10", "closing", new),
        FakeAction(5, "R19", "closing", old),
        FakeAction(6, "R04", "prospecting", old),
        FakeAction(7, "R10", "closing", new),
    ]
    assert [a.id for a in ranked(items)] == [4, 7, 5, 3, 2, 1, 6]
    assert rank(items[3]) < rank(items[0])
    assert len(DIGEST_ORDER) == len(set(DIGEST_ORDER)) == len(RULES_BY_CODE)


def test_the_digest_gathers_each_bundled_rule_into_one_entry_where_its_best_member_ranks() -> None:
    items = [
        FakeAction(1, "R08", "prospecting", NOW),
        FakeAction(2, "R08", "closing", NOW),
        FakeAction(3, "R10", "closing", NOW),
        FakeAction(4, "R04", "prospecting", NOW),
        FakeAction(5, "R04", "prospecting", NOW - timedelta(hours=1)),
        FakeAction(6, "R04", "prospecting", NOW + timedelta(hours=1)),
        FakeAction(7, "R01", "prospecting", NOW),
    ]
    entries = digest_entries(items)
    assert [(e.rule, e.bundled, e.count, e.action_ids) for e in entries] == [
        ("R10", False, 1, [3]),
        ("R08", True, 2, [2, 1]),
        ("R01", False, 1, [7]),
        ("R04", True, 3, [5, 4, 6]),
    ]
