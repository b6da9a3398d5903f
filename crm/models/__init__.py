"""Typed SQLAlchemy models, one aggregate per module (relationships stay inside a module).

Importing the package maps no model: ``from crm.models import User`` loads the module that defines ``User``
(PEP 562), so a command maps only the models it uses (declaring them is most of a command's start-up after
SQLAlchemy itself). ``Base`` taken from here comes with every model loaded, so that its metadata holds every
table (migrations, emptying the store, per-table look-ups); the models take theirs from ``crm.models.base``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crm.models.action import Action, ActionState, Feedback
    from crm.models.activity import (
        ACTIVITY_TYPES,
        Activity,
        ActivityCompany,
        ActivityContact,
        ActivityDeal,
        ActivityLead,
        EmailRecipient,
    )
    from crm.models.base import Base, UTCDateTime
    from crm.models.clock import ClockTick
    from crm.models.company import Company
    from crm.models.contact import Contact
    from crm.models.deal import Deal, DealCloseDate, DealContact, DealScore
    from crm.models.delivery import DeliveryState, DigestDelivery, DigestKind
    from crm.models.engagement import EngagementEvent
    from crm.models.hubspot import (
        HubSpotCursor,
        HubSpotDailyUsage,
        HubSpotOAuthToken,
        HubSpotPendingRead,
        HubSpotPortal,
        HubSpotRecord,
        HubSpotRequest,
        HubSpotRole,
        HubSpotUser,
    )
    from crm.models.hubspot_admin import HubSpotLease, HubSpotOAuthState
    from crm.models.insight import InsightCacheEntry, InsightFeedback
    from crm.models.lead import Lead
    from crm.models.org import Org
    from crm.models.pipeline import Pipeline, Stage
    from crm.models.preference import UserPreference
    from crm.models.rule_run import RuleInputsPaused, RuleInputVersion, RuleRun
    from crm.models.sequence import Enrollment, Sequence
    from crm.models.slack import SlackEvent, SlackIdentity
    from crm.models.snooze import TaskSnooze
    from crm.models.team import Team
    from crm.models.user import Access, Role, User, UserGoal
    from crm.models.writeback import HubSpotWebhookEvent, WritebackEntry

# Where each name of the package is defined.
_MODULES = {
    "Action": "action",
    "ActionState": "action",
    "Feedback": "action",
    "ACTIVITY_TYPES": "activity",
    "Activity": "activity",
    "ActivityCompany": "activity",
    "ActivityContact": "activity",
    "ActivityDeal": "activity",
    "ActivityLead": "activity",
    "EmailRecipient": "activity",
    "Base": "base",
    "UTCDateTime": "base",
    "ClockTick": "clock",
    "Company": "company",
    "Contact": "contact",
    "Deal": "deal",
    "DealCloseDate": "deal",
    "DealContact": "deal",
    "DealScore": "deal",
    "DeliveryState": "delivery",
    "DigestDelivery": "delivery",
    "DigestKind": "delivery",
    "EngagementEvent": "engagement",
    "HubSpotCursor": "hubspot",
    "HubSpotDailyUsage": "hubspot",
    "HubSpotOAuthToken": "hubspot",
    "HubSpotPendingRead": "hubspot",
    "HubSpotPortal": "hubspot",
    "HubSpotRecord": "hubspot",
    "HubSpotRequest": "hubspot",
    "HubSpotRole": "hubspot",
    "HubSpotUser": "hubspot",
    "HubSpotLease": "hubspot_admin",
    "HubSpotOAuthState": "hubspot_admin",
    "InsightCacheEntry": "insight",
    "InsightFeedback": "insight",
    "Lead": "lead",
    "Org": "org",
    "Pipeline": "pipeline",
    "Stage": "pipeline",
    "UserPreference": "preference",
    "RuleInputVersion": "rule_run",
    "RuleInputsPaused": "rule_run",
    "RuleRun": "rule_run",
    "Enrollment": "sequence",
    "Sequence": "sequence",
    "SlackEvent": "slack",
    "SlackIdentity": "slack",
    "TaskSnooze": "snooze",
    "Team": "team",
    "Access": "user",
    "Role": "user",
    "User": "user",
    "UserGoal": "user",
    "HubSpotWebhookEvent": "writeback",
    "WritebackEntry": "writeback",
}


def load_all() -> None:
    """Load every model module: the metadata then holds every table."""
    for module in sorted(set(_MODULES.values())):
        importlib.import_module(f"crm.models.{module}")


if not TYPE_CHECKING:  # mypy sees the imports above; at run time each name loads with its module

    def __getattr__(name: str) -> Any:
        module = _MODULES.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        if name == "Base":
            load_all()
        value = getattr(importlib.import_module(f"crm.models.{module}"), name)
        globals()[name] = value  # found directly from now on
        return value


__all__ = [
    "ACTIVITY_TYPES",
    "Access",
    "Action",
    "ActionState",
    "Activity",
    "ActivityCompany",
    "ActivityContact",
    "ActivityDeal",
    "ActivityLead",
    "Base",
    "ClockTick",
    "Company",
    "Contact",
    "Deal",
    "DealCloseDate",
    "DealContact",
    "DealScore",
    "DeliveryState",
    "DigestDelivery",
    "DigestKind",
    "EmailRecipient",
    "EngagementEvent",
    "Enrollment",
    "Feedback",
    "HubSpotCursor",
    "HubSpotDailyUsage",
    "HubSpotLease",
    "HubSpotOAuthState",
    "HubSpotOAuthToken",
    "HubSpotPendingRead",
    "HubSpotPortal",
    "HubSpotRecord",
    "HubSpotRequest",
    "HubSpotRole",
    "HubSpotUser",
    "HubSpotWebhookEvent",
    "InsightCacheEntry",
    "InsightFeedback",
    "Lead",
    "Org",
    "Pipeline",
    "Role",
    "RuleInputVersion",
    "RuleInputsPaused",
    "RuleRun",
    "Sequence",
    "SlackEvent",
    "SlackIdentity",
    "Stage",
    "TaskSnooze",
    "Team",
    "UTCDateTime",
    "User",
    "UserGoal",
    "UserPreference",
    "WritebackEntry",
]
