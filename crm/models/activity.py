"""Activities (emails, calls, meetings, notes, tasks) in one table, with their associations.

One table rather than five: the rules and insights read activities of every type together (an "engagement
of a deal" is any of them), and the dataset format has one collection. Type-specific columns are nullable.
``occurred_at`` and ``ended_at`` are derived at write time from the type's own fields (docs/guided-actions.md,
"Times of activities") so that SQL can compare them without per-dialect date arithmetic.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, fk

ACTIVITY_TYPES = ("email", "call", "meeting", "note", "task")


class Activity(Base):
    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_owner_type_occurred", "owner_id", "type", "occurred_at"),
        Index("ix_activities_type_occurred", "type", "occurred_at"),
        Index("ix_activities_owner_due", "owner_id", "due_at"),
        # The rules' email look-ups: recent incoming (or outgoing) emails without reading the other
        # direction's rows, and a contact's emails within a time window.
        Index("ix_activities_type_direction_occurred", "type", "direction", "occurred_at"),
        Index("ix_activities_from_occurred", "from_lower", "occurred_at"),
        # R06 and R07: meetings that ended within a window, without reading every meeting's row.
        Index(
            "ix_activities_meeting_ended",
            "ended_at",
            sqlite_where=text("type = 'meeting'"),
            postgresql_where=text("type = 'meeting'"),
        ),
    )

    id: Mapped[str] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(8))
    owner_id: Mapped[str | None] = mapped_column(fk("users.id"))
    private: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    # email
    direction: Mapped[str | None] = mapped_column(String(8))
    tracked: Mapped[bool | None]
    sent_at: Mapped[datetime | None]
    from_address: Mapped[str | None] = mapped_column(String(320))
    from_lower: Mapped[str | None] = mapped_column(String(320), index=True)
    subject: Mapped[str | None] = mapped_column(Text)
    thread_id: Mapped[str | None] = mapped_column(index=True)
    # An activity id, validated at import; not a foreign key so a reply may precede its original in a file.
    in_reply_to: Mapped[str | None] = mapped_column(index=True)
    opened_at: Mapped[datetime | None]
    clicked_at: Mapped[datetime | None]

    # call
    started_at: Mapped[datetime | None]
    duration_s: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(String(16))  # call status or task status
    outcome: Mapped[str | None] = mapped_column(Text)  # call outcome (free text) or meeting outcome
    via_builtin_calling: Mapped[bool | None]

    # meeting (title is shared with tasks)
    title: Mapped[str | None] = mapped_column(Text)
    start_at: Mapped[datetime | None]
    end_at: Mapped[datetime | None]
    link: Mapped[str | None] = mapped_column(Text)

    # note and task
    created_at: Mapped[datetime | None]

    # task
    due_at: Mapped[datetime | None]
    priority: Mapped[str | None] = mapped_column(String(8))
    completed_at: Mapped[datetime | None]
    task_type: Mapped[str | None] = mapped_column(String(8))
    enrollment_id: Mapped[str | None] = mapped_column(fk("enrollments.id"), index=True)

    recipients: Mapped[list[EmailRecipient]] = relationship(
        cascade="all, delete-orphan", order_by="(EmailRecipient.kind.desc(), EmailRecipient.position)"
    )
    contact_links: Mapped[list[ActivityContact]] = relationship(
        cascade="all, delete-orphan", order_by="ActivityContact.position"
    )
    company_links: Mapped[list[ActivityCompany]] = relationship(
        cascade="all, delete-orphan", order_by="ActivityCompany.position"
    )
    deal_links: Mapped[list[ActivityDeal]] = relationship(
        cascade="all, delete-orphan", order_by="ActivityDeal.position"
    )
    lead_links: Mapped[list[ActivityLead]] = relationship(
        cascade="all, delete-orphan", order_by="ActivityLead.position"
    )

    def refresh_times(self) -> None:
        """Recompute ``occurred_at`` / ``ended_at`` after a type-specific time changed."""
        self.occurred_at, self.ended_at = activity_times(
            self.type,
            sent_at=self.sent_at,
            started_at=self.started_at,
            duration_s=self.duration_s,
            start_at=self.start_at,
            end_at=self.end_at,
            created_at=self.created_at,
        )

    def __repr__(self) -> str:
        return f"Activity(id={self.id!r}, type={self.type!r}, owner_id={self.owner_id!r})"


def activity_times(
    type_: str,
    *,
    sent_at: datetime | None,
    started_at: datetime | None,
    duration_s: int | None,
    start_at: datetime | None,
    end_at: datetime | None,
    created_at: datetime | None,
) -> tuple[datetime | None, datetime | None]:
    """When an activity happens and ends, per docs/guided-actions.md, "Words"."""
    if type_ == "email":
        return sent_at, sent_at
    if type_ == "call":
        if started_at is None:
            return None, None
        return started_at, started_at + timedelta(seconds=duration_s or 0)
    if type_ == "meeting":
        return start_at, end_at if end_at is not None else start_at
    return created_at, created_at


class EmailRecipient(Base):
    """One address of an email's ``to`` or ``cc`` list; ``position`` 0 of ``to`` is the primary recipient."""

    __tablename__ = "email_recipients"
    # "The user emailed this address": the emails sent to an address, read from the index alone.
    __table_args__ = (Index("ix_email_recipients_address_activity", "address_lower", "activity_id"),)

    activity_id: Mapped[str] = mapped_column(fk("activities.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(2), primary_key=True)  # "to" | "cc"
    position: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(320))
    address_lower: Mapped[str] = mapped_column(String(320))

    def __repr__(self) -> str:
        return (
            f"EmailRecipient(activity_id={self.activity_id!r}, kind={self.kind!r}, address={self.address!r})"
        )


class ActivityContact(Base):
    __tablename__ = "activity_contacts"

    activity_id: Mapped[str] = mapped_column(fk("activities.id", ondelete="CASCADE"), primary_key=True)
    contact_id: Mapped[str] = mapped_column(fk("contacts.id"), primary_key=True, index=True)
    position: Mapped[int]

    def __repr__(self) -> str:
        return f"ActivityContact(activity_id={self.activity_id!r}, contact_id={self.contact_id!r})"


class ActivityCompany(Base):
    __tablename__ = "activity_companies"

    activity_id: Mapped[str] = mapped_column(fk("activities.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[str] = mapped_column(fk("companies.id"), primary_key=True, index=True)
    position: Mapped[int]

    def __repr__(self) -> str:
        return f"ActivityCompany(activity_id={self.activity_id!r}, company_id={self.company_id!r})"


class ActivityDeal(Base):
    __tablename__ = "activity_deals"
    __table_args__ = (
        # A deal's activities from its links alone (insights start there): the activity id is in the index.
        Index("ix_activity_deals_deal_activity", "deal_id", "activity_id"),
    )

    activity_id: Mapped[str] = mapped_column(fk("activities.id", ondelete="CASCADE"), primary_key=True)
    deal_id: Mapped[str] = mapped_column(fk("deals.id"), primary_key=True)
    position: Mapped[int]

    def __repr__(self) -> str:
        return f"ActivityDeal(activity_id={self.activity_id!r}, deal_id={self.deal_id!r})"


class ActivityLead(Base):
    __tablename__ = "activity_leads"

    activity_id: Mapped[str] = mapped_column(fk("activities.id", ondelete="CASCADE"), primary_key=True)
    lead_id: Mapped[str] = mapped_column(fk("leads.id"), primary_key=True, index=True)
    position: Mapped[int]

    def __repr__(self) -> str:
        return f"ActivityLead(activity_id={self.activity_id!r}, lead_id={self.lead_id!r})"
