"""A small HubSpot portal for the sync's tests: people, pipelines and one record of every type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tests.conftest import NOW
from tests.fakes.hubspot_state import State, iso

T0 = NOW - timedelta(days=3)


@dataclass
class Portal:
    company: int
    contact: int
    deal: int
    lead: int
    task: int
    call: int
    meeting: int
    note: int
    email: int


def at(hours: float) -> str:
    return iso(NOW + timedelta(hours=hours))


def people(state: State) -> None:
    for role_id, name in ((1, "Sales Rep"), (2, "Sales Manager"), (3, "Sales Director")):
        state.add_role(role_id, name)
    state.add_team(10, "East", [9001, 9002])
    state.add_owner(501, "ana@acme.test", "Ana", "Ruiz", user_id=9001, teams=[(10, "East", True)])
    state.add_owner(502, "max@acme.test", "Max", "Weber", user_id=9002, teams=[(10, "East", True)])
    state.add_owner(503, "boss@acme.test", "Bo", "Boss", user_id=9003)
    state.add_owner(504, "queue@acme.test", "Support", "Queue", type_="QUEUE")
    state.add_user(9001, "ana@acme.test", role_ids=["1"], primary_team=10)
    state.add_user(9002, "max@acme.test", role_ids=["2", "1"], primary_team=10)
    state.add_user(9003, "boss@acme.test", super_admin=True)
    state.add_pipeline(
        "deals",
        "default",
        "Sales",
        [("appt", "Appointment", False, 0.2), ("won", "Won", True, 1.0), ("lost", "Lost", True, 0.0)],
    )
    state.add_pipeline("deals", "enterprise", "Enterprise", [("ent1", "Discovery", False, 0.1)])
    state.add_pipeline(
        "leads", "leads-pipeline", "Leads", [("new", "New", False, 0.1), ("dq", "Disqualified", True, 0.0)]
    )


def small_portal(state: State, modified: datetime = T0) -> Portal:
    people(state)
    add = state.add
    company = add("companies", {"name": "Globex", "domain": "globex.test", "hubspot_owner_id": "501",
                                "hs_is_target_account": "true"}, created_at=modified)  # fmt: skip
    contact = add("contacts", {"firstname": "Hank", "lastname": "Scorpio", "email": "hank@globex.test",
                               "hubspot_owner_id": "501", "hubspot_owner_assigneddate": iso(T0),
                               "lifecyclestage": "lead"}, created_at=modified)  # fmt: skip
    state.associate("contacts", contact, "companies", company, 279, 1)
    deal = add(
        "deals",
        {"dealname": "Globex - 40 robots", "hubspot_owner_id": "501", "pipeline": "default",
         "dealstage": "appt",
         "amount": "120000.50", "deal_currency_code": "USD", "closedate": "2026-12-15T00:00:00.000Z",
         "hs_next_step": "Send security questionnaire", "hs_deal_score": "71"},
        created_at=modified,
        history={"closedate": [("2026-11-30T00:00:00.000Z", T0 - timedelta(days=20)),
                               ("2026-12-15T00:00:00.000Z", T0 - timedelta(days=2))],
                 "hs_deal_score": [("60", T0 - timedelta(days=10)), ("71", T0 - timedelta(days=1))]},
    )  # fmt: skip
    state.associate("deals", deal, "contacts", contact, 3)
    state.associate("deals", deal, "companies", company, 341, 5)
    lead = add("leads", {"hs_lead_name": "Hank", "hubspot_owner_id": "501", "hs_pipeline": "leads-pipeline",
                         "hs_pipeline_stage": "new"}, created_at=modified)  # fmt: skip
    state.associate("leads", lead, "contacts", contact, 578)
    task = add("tasks", {"hs_task_subject": "Send pricing", "hs_timestamp": at(5),
                         "hs_task_status": "NOT_STARTED",
                         "hs_task_priority": "HIGH", "hs_task_type": "EMAIL", "hubspot_owner_id": "501"},
               created_at=modified)  # fmt: skip
    call = add("calls", {"hs_call_body": "Discussed budget", "hs_timestamp": at(-20),
                         "hs_call_duration": "600000", "hs_call_status": "COMPLETED",
                         "hubspot_owner_id": "501"}, created_at=modified)  # fmt: skip
    meeting = add("meetings", {"hs_meeting_title": "Demo", "hs_meeting_start_time": at(-3),
                               "hs_meeting_end_time": at(-2), "hs_meeting_outcome": "SCHEDULED",
                               "hubspot_owner_id": "502"}, created_at=modified)  # fmt: skip
    note = add("notes", {"hs_note_body": "Buyer wants SSO", "hs_timestamp": at(-30),
                         "hubspot_owner_id": "501"},
               created_at=modified)  # fmt: skip
    email = add("emails", {"hs_email_direction": "INCOMING_EMAIL", "hs_email_subject": "Re: pricing",
                           "hs_email_text": "Can you send it?", "hs_timestamp": at(-1),
                           "hs_email_from_email": "hank@globex.test", "hs_email_to_email": "ana@acme.test",
                           "hubspot_owner_id": "501"}, created_at=modified)  # fmt: skip
    for kind, oid, types in (("tasks", task, (204, 192, 216)), ("calls", call, (194, 182, 206)),
                             ("meetings", meeting, (200, 188, 212)), ("notes", note, (202, 190, 214)),
                             ("emails", email, (198, 186, 210))):  # fmt: skip
        state.associate(kind, oid, "contacts", contact, types[0])
        state.associate(kind, oid, "companies", company, types[1])
        state.associate(kind, oid, "deals", deal, types[2])
    return Portal(company, contact, deal, lead, task, call, meeting, note, email)
