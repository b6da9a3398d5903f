"""A tiny CRM world for rule tests, written with the ORM the way the importer writes a dataset.

Every record has defaults that make it unremarkable, so a test names only what matters to it. The derived
columns the importer fills in (lower-cased addresses, recipients, ``occurred_at`` / ``ended_at``) are filled
in the same way here. Change a record by changing its object (``world.contacts["c1"].owner_id = "u2"``; after
changing an activity's times call ``world.retime(activity)``) and ``commit()``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from crm.models import (
    Activity,
    ActivityCompany,
    ActivityContact,
    ActivityDeal,
    ActivityLead,
    Company,
    Contact,
    Deal,
    DealContact,
    EmailRecipient,
    EngagementEvent,
    Enrollment,
    Lead,
    Org,
    Pipeline,
    Sequence,
    Stage,
    User,
)
from tests.conftest import NOW


def ago(days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> datetime:
    return NOW - timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def ahead(days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> datetime:
    return NOW + timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


DEAL_STAGES = [("s1", 1, "open"), ("s2", 2, "open"), ("s5", 5, "won"), ("s6", 6, "lost")]
LEAD_STAGES = [("ls1", 1, "open"), ("ls2", 2, "open"), ("ls8", 8, "won"), ("ls9", 9, "lost")]

ANA = "ana@acme.test"
BO = "bo@acme.test"


class World:
    """Users u1 (ana@acme.test) and u2 (bo@acme.test), both in UTC; a deal pipeline p1 (s1, s2 open; s5 won;
    s6 lost) and a lead pipeline lp1 (ls1, ls2 open; ls8 won; ls9 lost); a sequence sq1. Everything else is
    added by the test."""

    def __init__(self, engine: Engine) -> None:
        self.session = Session(engine, expire_on_commit=False)
        self._ids = count(1)
        self.users: dict[str, User] = {}
        self.contacts: dict[str, Contact] = {}
        self.companies: dict[str, Company] = {}
        self.deals: dict[str, Deal] = {}
        self.leads: dict[str, Lead] = {}
        self.activities: dict[str, Activity] = {}
        self.events: dict[str, EngagementEvent] = {}
        self.org = Org(name="Test")
        self.session.add(self.org)
        self.user("u1", ANA)
        self.user("u2", BO)
        for pipeline_id, kind, stages in (("p1", "deal", DEAL_STAGES), ("lp1", "lead", LEAD_STAGES)):
            pipeline = Pipeline(id=pipeline_id, object=kind, name=pipeline_id)
            pipeline.stages = [Stage(id=s, label=s, order=o, state=state) for s, o, state in stages]
            self.session.add(pipeline)
        self.session.add(Sequence(id="sq1", name="Outbound"))

    def commit(self) -> None:
        # Records come in whatever order a test likes: check foreign keys at commit, as the importer does.
        connection = self.session.connection()  # begins the transaction without flushing
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET CONSTRAINTS ALL DEFERRED"))
        else:
            connection.execute(text("PRAGMA defer_foreign_keys = ON"))
        self.session.commit()

    def close(self) -> None:
        self.session.close()

    def _new_id(self, prefix: str) -> str:
        return f"auto-{prefix}{next(self._ids)}"

    # --- people and records ----------------------------------------------------------------------------

    def user(self, id_: str, email: str, **fields: Any) -> User:
        user = User(id=id_, email=email, name=id_.upper(), **fields)
        self.users[id_] = user
        self.session.add(user)
        return user

    def company(self, id_: str, *, owner: str | None = None, target: bool = False) -> Company:
        company = Company(id=id_, name=id_, domain=f"{id_}.test", owner_id=owner, target_account=target)
        self.companies[id_] = company
        self.session.add(company)
        return company

    def contact(
        self,
        id_: str,
        *,
        owner: str | None = "u1",
        company: str | None = None,
        assigned: datetime | None = None,
        stage: str | None = "lead",
        email: str | None = "",
    ) -> Contact:
        address = f"{id_}@globex.test" if email == "" else email
        contact = Contact(
            id=id_,
            first_name=id_,
            email=address,
            email_lower=address.lower() if address else None,
            company_id=company,
            owner_id=owner,
            owner_assigned_at=assigned if assigned is not None else ago(days=1),
            lifecycle_stage=stage,
            created_at=ago(days=60),
        )
        self.contacts[id_] = contact
        self.session.add(contact)
        return contact

    def deal(
        self,
        id_: str,
        *,
        owner: str | None = "u1",
        stage: str = "s1",
        contacts: list[str] | None = None,
        company: str | None = None,
        created: datetime | None = None,
        next_steps_updated: datetime | None = None,
    ) -> Deal:
        deal = Deal(
            id=id_,
            name=id_,
            owner_id=owner,
            pipeline_id="p1",
            stage_id=stage,
            created_at=created if created is not None else ago(days=20),
            company_id=company,
            next_steps="Call back" if next_steps_updated else None,
            next_steps_updated_at=next_steps_updated,
        )
        self.set_deal_contacts(deal, contacts or [])
        self.deals[id_] = deal
        self.session.add(deal)
        return deal

    def set_deal_contacts(self, deal: Deal, contact_ids: list[str]) -> None:
        deal.contacts = [DealContact(contact_id=c, position=i) for i, c in enumerate(contact_ids)]

    def lead(
        self,
        id_: str,
        contact: str,
        *,
        owner: str | None = "u1",
        stage: str = "ls1",
        created: datetime | None = None,
        assigned: datetime | None = None,
        disqualified: datetime | None = None,
    ) -> Lead:
        created = created if created is not None else ago(days=2)
        lead = Lead(
            id=id_,
            contact_id=contact,
            owner_id=owner,
            owner_assigned_at=assigned if assigned is not None else created,
            pipeline_id="lp1",
            stage_id=stage,
            created_at=created,
            disqualified_at=disqualified,
        )
        self.leads[id_] = lead
        self.session.add(lead)
        return lead

    def enrollment(self, id_: str, contact: str, *, user: str = "u1") -> Enrollment:
        enrollment = Enrollment(id=id_, sequence_id="sq1", contact_id=contact, user_id=user, status="active")
        self.session.add(enrollment)
        return enrollment

    def event(
        self, contact: str, *, at: datetime, type_: str = "page_view", id_: str | None = None
    ) -> EngagementEvent:
        event = EngagementEvent(id=id_ or self._new_id("ev"), contact_id=contact, type=type_, at=at)
        self.events[event.id] = event
        self.session.add(event)
        return event

    # --- activities ------------------------------------------------------------------------------------

    def _activity(
        self,
        type_: str,
        id_: str | None,
        owner: str,
        *,
        contacts: list[str] | None = None,
        companies: list[str] | None = None,
        deals: list[str] | None = None,
        leads: list[str] | None = None,
        **fields: Any,
    ) -> Activity:
        activity = Activity(id=id_ or self._new_id(type_), type=type_, owner_id=owner, **fields)
        activity.contact_links = [
            ActivityContact(contact_id=c, position=i) for i, c in enumerate(contacts or [])
        ]
        activity.company_links = [
            ActivityCompany(company_id=c, position=i) for i, c in enumerate(companies or [])
        ]
        activity.deal_links = [ActivityDeal(deal_id=d, position=i) for i, d in enumerate(deals or [])]
        activity.lead_links = [ActivityLead(lead_id=lead, position=i) for i, lead in enumerate(leads or [])]
        activity.refresh_times()
        self.activities[activity.id] = activity
        self.session.add(activity)
        return activity

    def retime(self, activity: Activity) -> None:
        activity.refresh_times()

    def email(
        self,
        id_: str | None = None,
        *,
        owner: str = "u1",
        direction: str = "outgoing",
        sent: datetime | None = None,
        sender: str = ANA,
        to: list[str] | None = None,
        cc: list[str] | None = None,
        tracked: bool = False,
        **fields: Any,
    ) -> Activity:
        email = self._activity(
            "email",
            id_,
            owner,
            direction=direction,
            tracked=tracked,
            sent_at=sent if sent is not None else ago(days=1),
            from_address=sender,
            from_lower=sender.lower(),
            **{"subject": "Hello", **fields},
        )
        email.recipients = [
            EmailRecipient(kind=kind, position=i, address=a, address_lower=a.lower())
            for kind, addresses in (("to", to or []), ("cc", cc or []))
            for i, a in enumerate(addresses)
        ]
        return email

    def sent(self, to: str, **fields: Any) -> Activity:
        """An outgoing email from ana (u1) to ``to``."""
        return self.email(to=[to], **fields)

    def received(
        self, sender: str, *, to: list[str] | None = None, owner: str = "u1", **fields: Any
    ) -> Activity:
        """An incoming email from ``sender``, to ana (u1) unless ``to`` says otherwise."""
        return self.email(direction="incoming", sender=sender, to=to or [ANA], owner=owner, **fields)

    def call(
        self, id_: str | None = None, *, owner: str = "u1", started: datetime | None = None, **f: Any
    ) -> Activity:
        started = started if started is not None else ago(hours=2)
        return self._activity(
            "call", id_, owner, started_at=started, duration_s=f.pop("duration_s", 600), **f
        )

    def meeting(
        self,
        id_: str | None = None,
        *,
        owner: str = "u1",
        start: datetime | None = None,
        end: datetime | None = None,
        **fields: Any,
    ) -> Activity:
        start = start if start is not None else ago(hours=3)
        end = end if end is not None else start + timedelta(hours=1)
        fields.setdefault("title", "Meeting")
        return self._activity("meeting", id_, owner, start_at=start, end_at=end, **fields)

    def note(
        self, id_: str | None = None, *, owner: str = "u1", created: datetime | None = None, **f: Any
    ) -> Activity:
        created = created if created is not None else ago(days=1)
        return self._activity("note", id_, owner, created_at=created, body="note", **f)

    def task(
        self,
        id_: str | None = None,
        *,
        owner: str = "u1",
        due: datetime | None = None,
        created: datetime | None = None,
        status: str = "not_started",
        priority: str = "none",
        **fields: Any,
    ) -> Activity:
        created = created if created is not None else ago(days=1)
        return self._activity(
            "task",
            id_,
            owner,
            title="Task",
            due_at=due,
            created_at=created,
            status=status,
            priority=priority,
            **fields,
        )
