"""The dataset format as pydantic models: one model per record kind, unknown keys forbidden.

Values are checked strictly (a number where a string belongs is an error, not coerced) except times and
dates, which arrive as ISO 8601 strings; times must carry an offset. Cross-record references (owners,
stages, associations) are checked by ``crm.importer.references`` once every id is known.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    TypeAdapter,
)

from crm.models.base import ID_LENGTH
from crm.record_links import check_template


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _timezone(value: str) -> str:
    if value not in _zones():
        raise ValueError(f'"{value}" is not an IANA time zone name')
    return value


def _validates(value: str) -> bool:
    try:
        validate_email(value, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        return False
    return True


# Letters and digits in runs joined by single dots, dashes, underscores or pluses before the @, ASCII after.
_PLAIN_ADDRESS = re.compile(r"([A-Za-z0-9]+(?:[._+-][A-Za-z0-9]+)*)@([A-Za-z0-9.-]+)")


@lru_cache(maxsize=1 << 16)
def _domain_ok(domain: str) -> bool:
    return _validates(f"a@{domain}")


@lru_cache(maxsize=1 << 19)
def _email_ok(value: str) -> bool:
    """email_validator's verdict. Most of its time goes to the domain (IDNA rules): a plain address is
    valid exactly when its part before the @ fits in 64 characters, the whole in 254, and its domain is
    valid, so the domain's check is made once for all the addresses at it. Anything else is checked whole."""
    plain = _PLAIN_ADDRESS.fullmatch(value)
    if plain is not None and len(plain[1]) <= 64 and len(value) <= 254 and _domain_ok(plain[2]):
        return True
    return _validates(value)


def _email(value: str) -> str:
    if not _email_ok(value):
        raise ValueError(f'"{value}" is not an email address')
    return value


def _aware_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 time string with an offset")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f'"{value}" is not an ISO 8601 time') from None
    if parsed.tzinfo is None:
        raise ValueError(f'"{value}" has no offset (write 2026-11-20T09:30:00Z)')
    return parsed


def _iso_date(value: Any) -> date:
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError("must be a date string YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f'"{value}" is not a date YYYY-MM-DD') from None


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("must be a number")
    return value


def _hhmm(value: str) -> str:
    hours, _, minutes = value.partition(":")
    if len(value) != 5 or not (hours.isdigit() and minutes.isdigit()) or int(hours) > 23 or int(minutes) > 59:
        raise ValueError(f'"{value}" is not a time of day HH:MM')
    return value


Id = Annotated[StrictStr, Field(min_length=1, max_length=ID_LENGTH)]
Name = Annotated[StrictStr, Field(max_length=ID_LENGTH)]
Text = StrictStr
Time = Annotated[datetime, BeforeValidator(_aware_time)]
Day = Annotated[date, BeforeValidator(_iso_date)]
Number = Annotated[Decimal, BeforeValidator(_number), Field(strict=False)]
Email = Annotated[StrictStr, AfterValidator(_email)]
Timezone = Annotated[StrictStr, AfterValidator(_timezone)]
AccessLevel = Literal["all", "team", "owned"]
EventType = Literal[
    "email_open", "email_click", "email_reply", "page_view", "form_submission", "meeting_booked"
]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


UrlTemplate = Annotated[StrictStr, AfterValidator(check_template)]


class RecordUrlsIn(Record):
    deal: UrlTemplate | None = None
    contact: UrlTemplate | None = None
    company: UrlTemplate | None = None


class OrgIn(Record):
    name: Name = ""
    final_lifecycle_stages: list[StrictStr] = Field(default_factory=lambda: ["customer", "evangelist"])
    customer_analysis_enabled: StrictBool = True
    sensitive_data_enabled: StrictBool = False
    unfurl: Literal["off", "preview_only", "when_all_may_view"] = "when_all_may_view"
    record_urls: RecordUrlsIn | None = None


class TeamIn(Record):
    id: Id
    name: Name
    parent_id: Id | None = None


class AccessIn(Record):
    contacts: AccessLevel | None = None
    companies: AccessLevel | None = None
    deals: AccessLevel | None = None
    leads: AccessLevel | None = None
    activities: AccessLevel | None = None


class DigestIn(Record):
    enabled: StrictBool = True
    time: Annotated[StrictStr, AfterValidator(_hhmm)] = "08:00"
    weekdays: list[Annotated[StrictInt, Field(ge=1, le=7)]] = Field(default_factory=lambda: [1, 2, 3, 4, 5])
    send_when_empty: StrictBool = False
    team: StrictBool = False  # managers and super admins: a team digest after their own


class GoalIn(Record):
    metric: Literal["meetings_booked", "calls_made", "emails_sent", "tasks_completed", "deals_won"]
    period: Literal["week", "month", "quarter"]
    target: Annotated[StrictInt, Field(ge=0)]


class UserIn(Record):
    id: Id
    email: Email
    name: Name
    team_id: Id | None = None
    role: Literal["rep", "manager", "super_admin"] = "rep"
    timezone: Timezone = "UTC"
    slack_user_id: Annotated[StrictStr, Field(max_length=32)] | None = None
    access: AccessIn = Field(default_factory=AccessIn)
    digest: DigestIn = Field(default_factory=DigestIn)
    goals: list[GoalIn] = Field(default_factory=list)


class CompanyIn(Record):
    id: Id
    name: Name
    domain: Name | None = None
    owner_id: Id | None = None
    target_account: StrictBool = False


class ContactIn(Record):
    id: Id
    first_name: Name = ""
    last_name: Name = ""
    email: Email | None = None
    company_id: Id | None = None
    owner_id: Id | None = None
    owner_assigned_at: Time | None = None
    lifecycle_stage: Annotated[StrictStr, Field(max_length=64)] | None = None
    created_at: Time | None = None


class StageIn(Record):
    id: Id
    label: Name
    order: StrictInt
    state: Literal["open", "won", "lost"]


class PipelineIn(Record):
    id: Id
    object: Literal["deal", "lead"]
    name: Name
    stages: list[StageIn] = Field(min_length=1)


class LeadIn(Record):
    id: Id
    contact_id: Id
    owner_id: Id | None = None
    owner_assigned_at: Time | None = None
    pipeline_id: Id
    stage_id: Id
    created_at: Time | None = None
    disqualified_at: Time | None = None


class ScoreIn(Record):
    at: Time
    score: Number


class CloseDateIn(Record):
    at: Time
    close_date: Day


class DealIn(Record):
    id: Id
    name: Name
    owner_id: Id | None = None
    owner_assigned_at: Time | None = None
    pipeline_id: Id
    stage_id: Id
    amount: Number | None = None
    currency: Annotated[StrictStr, Field(pattern=r"^[A-Z]{3}$")] | None = None
    close_date: Day | None = None
    created_at: Time | None = None
    closed_at: Time | None = None
    next_steps: Text | None = None
    next_steps_updated_at: Time | None = None
    contact_ids: list[Id] = Field(default_factory=list)
    company_id: Id | None = None
    score_history: list[ScoreIn] = Field(default_factory=list)
    close_date_history: list[CloseDateIn] = Field(default_factory=list)


class SequenceIn(Record):
    id: Id
    name: Name


class EnrollmentIn(Record):
    id: Id
    sequence_id: Id
    contact_id: Id
    user_id: Id | None = None
    enrolled_at: Time | None = None
    status: Annotated[StrictStr, Field(max_length=32)] | None = None


class AssociationsIn(Record):
    contacts: list[Id] = Field(default_factory=list)
    companies: list[Id] = Field(default_factory=list)
    deals: list[Id] = Field(default_factory=list)
    leads: list[Id] = Field(default_factory=list)


class ActivityBase(Record):
    id: Id
    owner_id: Id
    private: StrictBool = False
    body: Text | None = None
    associations: AssociationsIn = Field(default_factory=AssociationsIn)


class EmailIn(ActivityBase):
    model_config = ConfigDict(populate_by_name=True)

    type: Literal["email"]
    direction: Literal["outgoing", "incoming"]
    tracked: StrictBool = False
    sent_at: Time
    from_: Email = Field(alias="from")
    to: list[Email] = Field(default_factory=list)
    cc: list[Email] = Field(default_factory=list)
    subject: Text | None = None
    thread_id: Id | None = None
    in_reply_to: Id | None = None
    opened_at: Time | None = None
    clicked_at: Time | None = None


class CallIn(ActivityBase):
    type: Literal["call"]
    started_at: Time
    duration_s: Annotated[StrictInt, Field(ge=0)] | None = None
    status: Literal["completed", "busy", "no_answer", "failed", "canceled"] | None = None
    outcome: Text | None = None
    via_builtin_calling: StrictBool = False


class MeetingIn(ActivityBase):
    type: Literal["meeting"]
    title: Text | None = None
    start: Time
    end: Time
    outcome: Literal["scheduled", "completed", "rescheduled", "no_show", "canceled"] | None = None
    link: Text | None = None


class NoteIn(ActivityBase):
    type: Literal["note"]
    created_at: Time


class TaskIn(ActivityBase):
    type: Literal["task"]
    title: Text | None = None
    due_at: Time | None = None
    priority: Literal["high", "medium", "low", "none"] = "none"
    status: Literal["not_started", "in_progress", "waiting", "completed", "deferred"] = "not_started"
    completed_at: Time | None = None
    task_type: Literal["todo", "call", "email"] = "todo"
    enrollment_id: Id | None = None
    created_at: Time | None = None


ActivityIn = Annotated[EmailIn | CallIn | MeetingIn | NoteIn | TaskIn, Field(discriminator="type")]


class EngagementEventIn(Record):
    id: Id
    contact_id: Id
    type: EventType
    at: Time
    detail: Text | None = None


# The collections of the format, in the order they are validated and written (references point backwards,
# except teams' parents and emails' in_reply_to, which are checked once the whole collection is known).
COLLECTIONS: dict[str, TypeAdapter[Any]] = {
    "teams": TypeAdapter(TeamIn),
    "users": TypeAdapter(UserIn),
    "companies": TypeAdapter(CompanyIn),
    "contacts": TypeAdapter(ContactIn),
    "pipelines": TypeAdapter(PipelineIn),
    "sequences": TypeAdapter(SequenceIn),
    "leads": TypeAdapter(LeadIn),
    "deals": TypeAdapter(DealIn),
    "enrollments": TypeAdapter(EnrollmentIn),
    "activities": TypeAdapter(ActivityIn),
    "engagement_events": TypeAdapter(EngagementEventIn),
}
ORG_ADAPTER: TypeAdapter[OrgIn] = TypeAdapter(OrgIn)
TOP_LEVEL_KEYS = frozenset({"org", *COLLECTIONS})
