"""Typed SQLAlchemy models, one aggregate per module; importing this package registers every table."""

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
from crm.models.rule_run import RuleInputVersion, RuleRun
from crm.models.sequence import Enrollment, Sequence
from crm.models.slack import SlackEvent, SlackIdentity
from crm.models.snooze import TaskSnooze
from crm.models.team import Team
from crm.models.user import Access, Role, User, UserGoal
from crm.models.writeback import HubSpotWebhookEvent, WritebackEntry

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
