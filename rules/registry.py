"""Every rule, listed explicitly (no discovery), and how a digest orders and bundles their actions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from rules.base import Rule
from rules.r01_newly_assigned_contacts import RULE as R01
from rules.r02_newly_assigned_leads import RULE as R02
from rules.r03_reengaged_contacts import RULE as R03
from rules.r04_sequence_activity import RULE as R04
from rules.r05_email_replies import RULE as R05
from rules.r06_log_meeting_outcome import RULE as R06
from rules.r07_follow_up_on_meeting import RULE as R07
from rules.r08_log_call_outcome import RULE as R08
from rules.r09_contacts_awaiting_response import RULE as R09
from rules.r10_reply_to_email import RULE as R10
from rules.r11_leads_awaiting_response import RULE as R11
from rules.r12_prepare_for_meetings import RULE as R12
from rules.r13_high_priority_tasks import RULE as R13
from rules.r14_target_account_activity import RULE as R14
from rules.r15_recently_engaged_leads import RULE as R15
from rules.r16_update_next_steps import RULE as R16
from rules.r17_add_contact_to_deal import RULE as R17
from rules.r18_initial_outreach import RULE as R18
from rules.r19_follow_up_with_buyer import RULE as R19
from rules.sql import CLOSING

ALL_RULES: tuple[Rule, ...] = (
    R01, R02, R03, R04, R05, R06, R07, R08, R09, R10,
    R11, R12, R13, R14, R15, R16, R17, R18, R19,
)  # fmt: skip

# docs/guided-actions.md, "One action per email": an incoming email gets only the first of these per user.
EMAIL_PRECEDENCE = ("R10", "R05", "R09")

# docs/guided-actions.md, "In a digest and on Home": closing first, then this rule order, then oldest first.
DIGEST_ORDER = (
    "R10", "R12", "R13", "R06", "R08", "R07", "R19", "R16", "R18", "R17",
    "R05", "R11", "R09", "R15", "R14", "R03", "R02", "R01", "R04",
)  # fmt: skip


def _check(rules: Sequence[Rule]) -> dict[str, Rule]:
    by_code: dict[str, Rule] = {}
    for rule in rules:
        if rule.code in by_code:
            raise ValueError(f"two rules have the code {rule.code}")
        by_code[rule.code] = rule
    if set(by_code) != set(DIGEST_ORDER):
        raise ValueError("DIGEST_ORDER must name every rule exactly once")
    return by_code


RULES_BY_CODE = _check(ALL_RULES)


class Ranked(Protocol):
    """What ranking needs of an action (``crm.models.Action`` has it)."""

    @property
    def id(self) -> int: ...
    @property
    def rule(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...


A = TypeVar("A", bound=Ranked)


def rank(action: Ranked) -> tuple[int, int, datetime, int]:
    """Sort key of the digest order: closing before prospecting, then the rule order, then oldest first."""
    return (
        0 if action.category == CLOSING else 1,
        DIGEST_ORDER.index(action.rule),
        action.created_at,
        action.id,
    )


def ranked(actions: Iterable[A]) -> list[A]:
    return sorted(actions, key=rank)


@dataclass
class DigestEntry(Generic[A]):
    """One line of a digest: a single action, or all of one user's actions of a bundled rule
    ("Log outcomes of 3 calls"), placed where its best-ranked member would be."""

    rule: str
    actions: list[A] = field(default_factory=list)

    @property
    def bundled(self) -> bool:
        return RULES_BY_CODE[self.rule].bundled

    @property
    def count(self) -> int:
        return len(self.actions)

    @property
    def action_ids(self) -> list[int]:
        return [a.id for a in self.actions]


def digest_entries(actions: Iterable[A]) -> list[DigestEntry[A]]:
    """One user's actions in digest order, each bundled rule's actions gathered into one entry.

    Pass one user's actions: a bundle is per user.
    """
    entries: list[DigestEntry[A]] = []
    bundles: dict[str, DigestEntry[A]] = {}
    for action in ranked(actions):
        if not RULES_BY_CODE[action.rule].bundled:
            entries.append(DigestEntry(action.rule, [action]))
            continue
        bundle = bundles.get(action.rule)
        if bundle is None:
            bundle = bundles[action.rule] = DigestEntry(action.rule)
            entries.append(bundle)
        bundle.actions.append(action)
    return entries
