"""Validation of a dataset as it streams past: the format of every record, then every reference.

Errors are collected, never raised one at a time, each with its JSON path (``deals[3].stage_id: no stage
"s9" in pipeline "p1"``). Collections may come in any order: a reference to a record not seen yet waits
until the end of the file. A reference may also name a record already in the database, so a partial file
can update an existing CRM.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, select

from crm.importer.schema import COLLECTIONS, ORG_ADAPTER, TOP_LEVEL_KEYS
from crm.models import (
    ACTIVITY_TYPES,
    Activity,
    Company,
    Contact,
    Deal,
    Enrollment,
    Lead,
    Pipeline,
    Sequence,
    Stage,
    Team,
    User,
)

MAX_ERRORS = 10_000
TABLE_OF: dict[str, Any] = {
    "teams": Team,
    "users": User,
    "companies": Company,
    "contacts": Contact,
    "pipelines": Pipeline,
    "sequences": Sequence,
    "leads": Lead,
    "deals": Deal,
    "enrollments": Enrollment,
    "activities": Activity,
}
SINGULAR = {"activities": "activity", "companies": "company"}


class DatasetInvalid(Exception):
    def __init__(self, errors: list[str], truncated: bool = False) -> None:
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors
        self.truncated = truncated


def format_loc(base: str, loc: Iterable[Any]) -> str:
    path = base
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def pydantic_errors(base: str, error: ValidationError, *, tagged: bool) -> Iterator[str]:
    for item in error.errors(include_url=False):
        loc = list(item["loc"])
        if tagged and loc and loc[0] in ACTIVITY_TYPES:
            loc = loc[1:]  # the discriminated union's tag is not part of the JSON path
        kind = item["type"]
        if kind == "extra_forbidden":
            message = "unknown key"
        elif kind == "missing":
            message = "required"
        elif kind == "union_tag_not_found":
            loc, message = ["type"], f"required (one of {', '.join(ACTIVITY_TYPES)})"
        elif kind == "union_tag_invalid":
            got = item["input"].get("type")
            loc, message = ["type"], f"{got!r} is not one of {', '.join(ACTIVITY_TYPES)}"
        else:
            message = item["msg"].removeprefix("Value error, ")
            if kind.endswith("_type") or kind in {"literal_error", "enum"}:
                message += f" (got {item['input']!r})"[:200]
        yield f"{format_loc(base, loc)}: {message}"


@dataclass
class _Pending:
    """A reference not satisfied yet: checked against the rest of the file, then the database."""

    path: str
    target: str
    ref: str


@dataclass
class Validation:
    connection: Connection
    errors: list[str] = field(default_factory=list)
    truncated: bool = False
    ids: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    counts: dict[str, int] = field(default_factory=dict)
    stages: dict[str, tuple[str, set[str]]] = field(default_factory=dict)  # pipeline -> (object, stages)
    stage_refs: list[tuple[str, str, str, str]] = field(default_factory=list)  # path, object, pipeline, stage
    team_parents: dict[str, str | None] = field(default_factory=dict)
    user_emails: dict[str, str] = field(default_factory=dict)  # lower-cased email -> user id
    db_user_emails: dict[str, str] = field(default_factory=dict)
    email_ids: set[str] = field(default_factory=set)
    replies: list[tuple[str, str]] = field(default_factory=list)  # (path, in_reply_to)
    pending: list[_Pending] = field(default_factory=list)

    def error(self, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(message)
        else:
            self.truncated = True

    def ref(self, path: str, key: str, target: str, ref: str | None) -> None:
        """``path.key`` names a ``target`` record (the path is formatted only for one not seen yet)."""
        if ref is not None and ref not in self.ids[target]:
            self.pending.append(_Pending(f"{path}.{key}", target, ref))

    def refs(self, path: str, key: str, target: str, refs: list[str]) -> None:
        """``ref`` for each element of the list ``path.key``."""
        known = self.ids[target]
        for index, ref in enumerate(refs):
            if ref not in known:
                self.pending.append(_Pending(f"{path}.{key}[{index}]", target, ref))


class Checker:
    """Validates records as they stream past; ``finish`` runs the checks that need the whole file."""

    def __init__(self, connection: Connection) -> None:
        self.v = Validation(connection)
        self.seen: list[str] = []
        with_pipelines = connection.execute(select(Pipeline.id, Pipeline.object))
        self.v.stages = {pipeline_id: (obj, set()) for pipeline_id, obj in with_pipelines}
        for pipeline_id, stage_id in connection.execute(select(Stage.pipeline_id, Stage.id)):
            self.v.stages[pipeline_id][1].add(stage_id)
        self.v.db_user_emails = {
            email.lower(): user_id for user_id, email in connection.execute(select(User.id, User.email))
        }

    @property
    def failed(self) -> bool:
        return bool(self.v.errors)

    def top_level(self, key: str, kind: str, value: Any) -> Any:
        """Check a top-level key; returns the validated ``org`` when that is what it was."""
        v = self.v
        if key in self.seen:
            v.error(f"{key}: duplicate top-level key")
        self.seen.append(key)
        if key not in TOP_LEVEL_KEYS:
            v.error(f"{key}: unknown key (expected one of {', '.join(sorted(TOP_LEVEL_KEYS))})")
        elif key == "org":
            if kind != "object":
                v.error(f"org: must be an object, not {kind}")
                return None
            try:
                return ORG_ADAPTER.validate_python(value)
            except ValidationError as exc:
                for message in pydantic_errors("org", exc, tagged=False):
                    v.error(message)
        elif kind != "array":
            v.error(f"{key}: must be an array, not {kind}")
        else:
            v.counts.setdefault(key, 0)
        return None

    def record(self, key: str, index: int, raw: Any) -> Any:
        """The validated record, or None when it has errors (they are recorded)."""
        v = self.v
        adapter = COLLECTIONS.get(key)
        if adapter is None:
            return None
        v.counts[key] += 1
        path = f"{key}[{index}]"
        try:
            record = adapter.validate_python(raw)
        except ValidationError as exc:
            for message in pydantic_errors(path, exc, tagged=key == "activities"):
                v.error(message)
            _remember_id(v, key, path, raw.get("id") if isinstance(raw, dict) else None)
            return None
        _remember_id(v, key, path, record.id)
        CHECKS[key](v, path, record)
        return record

    def references_met(self, unwritten: str, unwritten_id: str) -> bool:
        """Whether every reference read so far names a record read before it in the file, other than record
        ``unwritten_id`` of collection ``unwritten`` (read, not yet written): once those are written, the
        database's foreign keys already hold, not only at the end of the file. Conservative: a reference to a
        record of the database (looked up only in ``finish``) answers no."""
        v = self.v

        def known(target: str, ref: str) -> bool:
            return ref in v.ids[target] and not (target == unwritten and ref == unwritten_id)

        return (
            all(known(item.target, item.ref) for item in v.pending)
            and all(parent is None or known("teams", parent) for parent in v.team_parents.values())
            and all(
                pipeline in v.stages and v.stages[pipeline][0] == obj and stage in v.stages[pipeline][1]
                for _, obj, pipeline, stage in v.stage_refs
            )
            and all(known("activities", target) and target in v.email_ids for _, target in v.replies)
        )

    def finish(self) -> Validation:
        v = self.v
        if "users" not in self.seen:
            v.error("users: required")
        for path, obj, pipeline_id, stage_id in v.stage_refs:
            _check_stage(v, path, obj, pipeline_id, stage_id)
        _check_team_tree(v)
        _check_replies(v)
        _resolve_pending(v)
        return v


def _remember_id(v: Validation, name: str, path: str, record_id: Any) -> None:
    if not isinstance(record_id, str):
        return
    if record_id in v.ids[name]:
        v.error(f'{path}.id: duplicate id "{record_id}"')
    v.ids[name].add(record_id)


def _check_stage(v: Validation, path: str, obj: str, pipeline_id: str, stage_id: str) -> None:
    if pipeline_id not in v.stages:
        v.error(f'{path}.pipeline_id: no pipeline "{pipeline_id}"')
        return
    pipeline_object, stage_ids = v.stages[pipeline_id]
    if pipeline_object != obj:
        v.error(f'{path}.pipeline_id: "{pipeline_id}" is a {pipeline_object} pipeline, not a {obj} one')
    if stage_id not in stage_ids:
        v.error(f'{path}.stage_id: no stage "{stage_id}" in pipeline "{pipeline_id}"')


def _no_duplicates(v: Validation, path: str, values: list[str]) -> None:
    if len(values) < 2 or len(set(values)) == len(values):
        return  # the usual case, without a loop in Python
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            v.error(f'{path}[{index}]: "{value}" is listed twice')
        seen.add(value)


def _team(v: Validation, path: str, r: Any) -> None:
    v.team_parents[r.id] = r.parent_id
    # Parents may come later in the file: checked in _check_team_tree.


def _user(v: Validation, path: str, r: Any) -> None:
    v.ref(path, "team_id", "teams", r.team_id)
    email = r.email.lower()
    if email in v.user_emails and v.user_emails[email] != r.id:
        v.error(f'{path}.email: "{r.email}" is also the email of user "{v.user_emails[email]}"')
    elif v.db_user_emails.get(email, r.id) != r.id:
        v.error(f'{path}.email: "{r.email}" is already the email of user "{v.db_user_emails[email]}"')
    v.user_emails[email] = r.id
    if r.digest.team and r.role == "rep":
        v.error(f"{path}.digest.team: only a manager or a super admin gets a team digest")


def _company(v: Validation, path: str, r: Any) -> None:
    v.ref(path, "owner_id", "users", r.owner_id)


def _contact(v: Validation, path: str, r: Any) -> None:
    v.ref(path, "owner_id", "users", r.owner_id)
    v.ref(path, "company_id", "companies", r.company_id)


def _pipeline(v: Validation, path: str, r: Any) -> None:
    stage_ids: set[str] = set()
    for index, stage in enumerate(r.stages):
        if stage.id in stage_ids:
            v.error(f'{path}.stages[{index}].id: duplicate stage id "{stage.id}"')
        stage_ids.add(stage.id)
    known = v.stages.get(r.id, (r.object, set()))[1]
    v.stages[r.id] = (r.object, stage_ids | known)


def _sequence(v: Validation, path: str, r: Any) -> None:
    return None


def _lead(v: Validation, path: str, r: Any) -> None:
    v.ref(path, "contact_id", "contacts", r.contact_id)
    v.ref(path, "owner_id", "users", r.owner_id)
    v.stage_refs.append((path, "lead", r.pipeline_id, r.stage_id))


def _deal(v: Validation, path: str, r: Any) -> None:
    v.ref(path, "owner_id", "users", r.owner_id)
    v.ref(path, "company_id", "companies", r.company_id)
    v.stage_refs.append((path, "deal", r.pipeline_id, r.stage_id))
    _no_duplicates(v, f"{path}.contact_ids", r.contact_ids)
    v.refs(path, "contact_ids", "contacts", r.contact_ids)


def _enrollment(v: Validation, path: str, r: Any) -> None:
    v.ref(path, "sequence_id", "sequences", r.sequence_id)
    v.ref(path, "contact_id", "contacts", r.contact_id)
    v.ref(path, "user_id", "users", r.user_id)


def _activity(v: Validation, path: str, r: Any) -> None:
    v.ref(path, "owner_id", "users", r.owner_id)
    for kind in ("contacts", "companies", "deals", "leads"):
        targets = getattr(r.associations, kind)
        if targets:
            _no_duplicates(v, f"{path}.associations.{kind}", targets)
            v.refs(path, f"associations.{kind}", kind, targets)
    if r.type == "email":
        v.email_ids.add(r.id)
        if r.in_reply_to is not None:
            v.replies.append((f"{path}.in_reply_to", r.in_reply_to))
    elif r.type == "meeting" and r.end < r.start:
        v.error(f"{path}.end: the meeting ends before it starts")
    elif r.type == "task":
        v.ref(path, "enrollment_id", "enrollments", r.enrollment_id)


def _event(v: Validation, path: str, r: Any) -> None:
    v.ref(path, "contact_id", "contacts", r.contact_id)


CHECKS = {
    "teams": _team,
    "users": _user,
    "companies": _company,
    "contacts": _contact,
    "pipelines": _pipeline,
    "sequences": _sequence,
    "leads": _lead,
    "deals": _deal,
    "enrollments": _enrollment,
    "activities": _activity,
    "engagement_events": _event,
}


def _check_team_tree(v: Validation) -> None:
    db_parents = {row.id: row.parent_id for row in v.connection.execute(select(Team.id, Team.parent_id))}
    parents = {**db_parents, **v.team_parents}
    for index, team_id in enumerate(v.team_parents):
        parent = v.team_parents[team_id]
        if parent is not None and parent not in parents:
            v.error(f'teams[{index}].parent_id: no team "{parent}"')
            continue
        seen = {team_id}
        while parent is not None and parent in parents:
            if parent in seen:
                v.error(f'teams[{index}].parent_id: team "{team_id}" is its own ancestor')
                break
            seen.add(parent)
            parent = parents[parent]
    v.ids["teams"].update(db_parents)


def _check_replies(v: Validation) -> None:
    for path, target in v.replies:
        if target in v.email_ids:
            continue
        if target in v.ids["activities"]:
            v.error(f'{path}: activity "{target}" is not an email')
        else:
            v.pending.append(_Pending(path, "activities", target))


def _resolve_pending(v: Validation) -> None:
    """References not satisfied when read: the rest of the file, then the database, a chunk at a time."""
    by_target: dict[str, list[_Pending]] = defaultdict(list)
    for item in v.pending:
        if item.ref not in v.ids[item.target]:
            by_target[item.target].append(item)
    for target, items in by_target.items():
        found: set[str] = set()
        if target != "teams":  # teams were looked up whole by _check_team_tree
            model = TABLE_OF[target]
            wanted = sorted({item.ref for item in items})
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                found.update(v.connection.scalars(select(model.id).where(model.id.in_(chunk))))
        singular = SINGULAR.get(target, target[:-1])
        for item in items:
            if item.ref not in found:
                v.error(f'{item.path}: no {singular} "{item.ref}"')
    v.pending.clear()
