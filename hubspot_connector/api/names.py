"""Every HubSpot path and property name Salesbot uses, in one place (hubspot.md, "HubSpot API facts").

The official client owns the paths of the calls it has (``/crm/v3/objects/{t}``, ``/crm/v4/associations``,
``/crm/v3/owners``, ``/settings/v3/users``, ``/crm/v3/pipelines``, ``/crm/v3/properties``,
``/oauth/v1/token``); the others are here. Moving to HubSpot's date-versioned paths is a change here and in
``client.py`` only.
"""

from __future__ import annotations

ACCOUNT_DETAILS_PATH = "/account-info/v3/details"
OAUTH_AUTHORIZE_URL = "https://app.hubspot.com/oauth/authorize"
SCOPES = (
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.objects.companies.read",
    "crm.objects.deals.read",
    "crm.objects.deals.write",
    "crm.objects.leads.read",
    "crm.objects.leads.write",
    "crm.objects.owners.read",
    "settings.users.read",
    "settings.users.teams.read",
    "sales-email-read",
)

COMPANIES, CONTACTS, DEALS, LEADS = "companies", "contacts", "deals", "leads"
TASKS, CALLS, MEETINGS, NOTES, EMAILS = "tasks", "calls", "meetings", "notes", "emails"
ACTIVITY_TYPES = (TASKS, CALLS, MEETINGS, NOTES, EMAILS)
# In the order a sync reads them: what records point at comes first.
OBJECT_TYPES = (COMPANIES, CONTACTS, LEADS, DEALS, *ACTIVITY_TYPES)
PIPELINE_TYPES = (DEALS, LEADS)

OBJECT_ID = "hs_object_id"
OWNER = "hubspot_owner_id"
OWNER_ASSIGNED = "hubspot_owner_assigneddate"
CREATED = "createdate"
TIMESTAMP = "hs_timestamp"


def modified_property(object_type: str) -> str:
    """The property holding a record's last modification time (contacts have their own name for it)."""
    return "lastmodifieddate" if object_type == CONTACTS else "hs_lastmodifieddate"


class Company:
    NAME, DOMAIN, TARGET = "name", "domain", "hs_is_target_account"


class Contact:
    FIRST, LAST, EMAIL, LIFECYCLE = "firstname", "lastname", "email", "lifecyclestage"


class Deal:
    NAME, PIPELINE, STAGE, AMOUNT, CURRENCY = (
        "dealname",
        "pipeline",
        "dealstage",
        "amount",
        "deal_currency_code",
    )
    CLOSE_DATE, NEXT_STEP, CLOSED = "closedate", "hs_next_step", "hs_closed_won_date"


class Lead:
    NAME, PIPELINE, STAGE = "hs_lead_name", "hs_pipeline", "hs_pipeline_stage"


class Task:
    SUBJECT, BODY, STATUS, PRIORITY, TYPE = (
        "hs_task_subject",
        "hs_task_body",
        "hs_task_status",
        "hs_task_priority",
        "hs_task_type",
    )
    CREATED, COMPLETED = "hs_createdate", "hs_task_completion_date"


class Call:
    TITLE, BODY, DURATION, STATUS, DISPOSITION = (
        "hs_call_title",
        "hs_call_body",
        "hs_call_duration",
        "hs_call_status",
        "hs_call_disposition",
    )


class Meeting:
    TITLE, BODY, START, END = (
        "hs_meeting_title",
        "hs_meeting_body",
        "hs_meeting_start_time",
        "hs_meeting_end_time",
    )
    OUTCOME, LINK = "hs_meeting_outcome", "hs_meeting_external_url"


class Note:
    BODY = "hs_note_body"


class Email:
    DIRECTION, SUBJECT, TEXT, FROM = (
        "hs_email_direction",
        "hs_email_subject",
        "hs_email_text",
        "hs_email_from_email",
    )
    TO, THREAD = "hs_email_to_email", "hs_email_thread_id"
    SENT, INCOMING = "EMAIL", "INCOMING_EMAIL"


# The properties read per object type (besides the modification time, always added).
PROPERTIES: dict[str, tuple[str, ...]] = {
    COMPANIES: (Company.NAME, Company.DOMAIN, OWNER, Company.TARGET),
    CONTACTS: (Contact.FIRST, Contact.LAST, Contact.EMAIL, OWNER, OWNER_ASSIGNED, Contact.LIFECYCLE, CREATED),
    DEALS: (
        Deal.NAME,
        OWNER,
        OWNER_ASSIGNED,
        Deal.PIPELINE,
        Deal.STAGE,
        Deal.AMOUNT,
        Deal.CURRENCY,
        Deal.CLOSE_DATE,
        CREATED,
        Deal.NEXT_STEP,
        Deal.CLOSED,
    ),
    LEADS: (Lead.NAME, OWNER, OWNER_ASSIGNED, Lead.PIPELINE, Lead.STAGE, CREATED),
    TASKS: (
        Task.SUBJECT,
        Task.BODY,
        TIMESTAMP,
        Task.STATUS,
        Task.PRIORITY,
        Task.TYPE,
        OWNER,
        Task.CREATED,
        Task.COMPLETED,
    ),
    CALLS: (Call.TITLE, Call.BODY, TIMESTAMP, Call.DURATION, Call.STATUS, Call.DISPOSITION, OWNER),
    MEETINGS: (Meeting.TITLE, Meeting.BODY, Meeting.START, Meeting.END, Meeting.OUTCOME, Meeting.LINK, OWNER),
    NOTES: (Note.BODY, TIMESTAMP, OWNER),
    EMAILS: (
        Email.DIRECTION,
        Email.SUBJECT,
        Email.TEXT,
        TIMESTAMP,
        Email.FROM,
        Email.TO,
        Email.THREAD,
        OWNER,
    ),
}
# Properties read with their history (deals' close date; the score property is added from the settings).
HISTORY: dict[str, tuple[str, ...]] = {DEALS: (Deal.CLOSE_DATE,)}

# The associations read per object type (v4 batch read), and HubSpot's default type ids for them.
ASSOCIATIONS: dict[str, tuple[str, ...]] = {
    CONTACTS: (COMPANIES,),
    LEADS: (CONTACTS,),
    DEALS: (CONTACTS, COMPANIES),
    **{t: (CONTACTS, COMPANIES, DEALS) for t in ACTIVITY_TYPES},
}
PRIMARY_TYPE_IDS = {(CONTACTS, COMPANIES): 1, (DEALS, COMPANIES): 5, (LEADS, CONTACTS): 578}
DEFAULT_TYPE_IDS = {
    (CONTACTS, COMPANIES): 279,
    (DEALS, CONTACTS): 3,
    (DEALS, COMPANIES): 341,
    (TASKS, CONTACTS): 204,
    (TASKS, COMPANIES): 192,
    (TASKS, DEALS): 216,
    (CALLS, CONTACTS): 194,
    (CALLS, COMPANIES): 182,
    (CALLS, DEALS): 206,
    (MEETINGS, CONTACTS): 200,
    (MEETINGS, COMPANIES): 188,
    (MEETINGS, DEALS): 212,
    (NOTES, CONTACTS): 202,
    (NOTES, COMPANIES): 190,
    (NOTES, DEALS): 214,
    (EMAILS, CONTACTS): 198,
    (EMAILS, COMPANIES): 186,
    (EMAILS, DEALS): 210,
    (LEADS, CONTACTS): 578,
}

LIST_LIMIT = 100
HISTORY_LIST_LIMIT = 50
BATCH_READ_LIMIT = 100
SEARCH_LIMIT = 200
SEARCH_CAP = 10_000
ASSOCIATION_BATCH_LIMIT = 1_000
