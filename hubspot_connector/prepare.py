"""A listed chunk of activities made into rows where it is read (``reading``), for the syncing side to write.

A full sync's records are nine in ten activities (tasks, calls, meetings, notes, emails). Mapping them
(``mapping``: the dataset's shape, validated by the importer's models) and making their rows (the importer's
``activity_rows``, values converted as the driver takes them) needs nothing from the store but three things,
which the writing side fills in with the chunk's transaction (``sync.Sync._store_prepared``):

- the Salesbot id: a record first seen in HubSpot gets the default one (``ids.default_id``), which the rows
  carry; the id map may name another (a record created in Salesbot and written back), put in its place;
- the owner: the rows carry a stand-in, and the record's ``hubspot_owner_id`` beside them, mapped to a user
  as ``mapping.Context.owner`` does (an owner not known yet makes the writing side read the people again);
- the associations: their rows are made on the writing side from the links resolved against the store.

So the reading side, in a process of its own, takes on most of the writing side's CPU for these types, and
the records obey exactly the rules they would have obeyed mapped on the writing side: the same mappers, the
same models, the same row builder; a record that cannot be mapped is reported with the same reason.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

import orjson
from sqlalchemy import Table

from crm.importer.writer import ACTIVITY_LINKS as WRITER_LINKS
from crm.importer.writer import Values, activity_rows, convert, driver_converters
from crm.models import Activity, EmailRecipient
from hubspot_connector.api import names
from hubspot_connector.ids import RECORDS, default_id
from hubspot_connector.mapping import MAPPERS, Context, Links, Unmappable, has_id, id_of_malformed, parse_time

ACTIVITIES = cast(Table, Activity.__table__)
RECIPIENTS = cast(Table, EmailRecipient.__table__)
# The association rows the writing side makes: per type HubSpot associates activities with (contacts,
# companies, deals), the table and its column for the target, as the importer's.
ACTIVITY_LINKS: dict[str, tuple[Table, str]] = {
    target: (cast(Table, WRITER_LINKS[target][0].__table__), WRITER_LINKS[target][1])
    for target in names.ASSOCIATIONS[names.TASKS]
}
ACTIVITY_COLUMNS = [column.name for column in ACTIVITIES.columns]
RECIPIENT_COLUMNS = [column.name for column in RECIPIENTS.columns]
ID = ACTIVITY_COLUMNS.index("id")
OWNER = ACTIVITY_COLUMNS.index("owner_id")
RECIPIENT_ACTIVITY = RECIPIENT_COLUMNS.index("activity_id")
PREPARED_TYPES = frozenset(t for t, (key, _) in MAPPERS.items() if key == "activities")
_NO_LINKS = Links()


class _OwnerLater(Context):
    """Maps with a stand-in owner (the one ``mapping._activity`` validates with): the writing side sets every
    row's owner from the record's owner property."""

    def owner(self, props: dict[str, Any]) -> str | None:
        return "-"


@dataclass
class Prepared:
    """One chunk's records of an activity type, mapped, as rows."""

    object_type: str
    ids: list[str] = field(default_factory=list)  # every record with an id, in order (their links are read)
    hs_ids: list[str] = field(default_factory=list)  # those mapped, one per row
    rows: list[list[Any]] = field(default_factory=list)  # ``ACTIVITY_COLUMNS``, the default id, no owner yet
    owners: list[Any] = field(default_factory=list)  # each row's ``hubspot_owner_id`` as HubSpot sent it
    modified: list[Any] = field(default_factory=list)  # each row's modification time, as the driver takes it
    recipients: list[list[Any]] = field(default_factory=list)  # ``RECIPIENT_COLUMNS``
    malformed: list[str] = field(default_factory=list)  # records without a numeric id (their id, or "?")
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (HubSpot id, why) of those not mapped

    def __len__(self) -> int:
        """The records read, as listed (those mapped or not)."""
        return len(self.ids) + len(self.malformed)

    @classmethod
    def from_json(cls, data: bytes) -> Prepared:
        """One sent as ``orjson.dumps(prepared)`` (a dataclass is encoded as an object; times already the
        driver's text on SQLite, ISO 8601 text on PostgreSQL, which takes it as well)."""
        fields = orjson.loads(data)
        fields["skipped"] = [(hs_id, reason) for hs_id, reason in fields["skipped"]]
        return cls(**fields)

    def activities(self) -> Values:
        return Values(ACTIVITY_COLUMNS, self.rows)

    def email_recipients(self) -> Values:
        return Values(RECIPIENT_COLUMNS, self.recipients)


def prepare(object_type: str, objects: list[Any], dialect: str) -> Prepared:
    """``objects`` (a chunk as listed) as rows for a database of ``dialect``."""
    _, mapper = MAPPERS[object_type]
    ctx = _OwnerLater(owners={}, stages={})
    modified_name = names.modified_property(object_type)
    converters = driver_converters(ACTIVITIES, ACTIVITY_COLUMNS, dialect)
    recipient_converters = driver_converters(RECIPIENTS, RECIPIENT_COLUMNS, dialect)
    time_converter = dict(driver_converters(RECORDS, ["modified_at"], dialect)).get(0)
    out = Prepared(object_type)
    for obj in objects:
        if not has_id(obj):
            out.malformed.append(id_of_malformed(obj))
            continue
        hs_id = str(obj["id"])
        out.ids.append(hs_id)
        try:
            record = mapper(obj, default_id(object_type, hs_id), _NO_LINKS, ctx)
            modified = parse_time(obj["properties"].get(modified_name), modified_name)
        except Unmappable as exc:
            out.skipped.append((hs_id, str(exc)))
            continue
        children: defaultdict[Table, list[dict[str, Any]]] = defaultdict(list)
        data = activity_rows(record, children)
        out.rows.append(convert([data[name] for name in ACTIVITY_COLUMNS], converters))
        out.hs_ids.append(hs_id)
        out.owners.append(obj["properties"].get(names.OWNER))
        out.modified.append(time_converter(modified) if time_converter and modified else modified)
        out.recipients += (
            convert([recipient[name] for name in RECIPIENT_COLUMNS], recipient_converters)
            for recipient in children.get(RECIPIENTS, ())
        )
    return out
