"""The Home record modals submitted: input checked before the ack (Slack shows ``response_action: errors``
inline), then the change made after it through ``crm.changes`` and Home re-published as it was."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.home import modals as m
from bot.home import home_tab
from bot.home.state import HomeState
from bot.listeners.views.state import clock_value, input_value, selected_date, selected_value
from bot.listeners.work import Effect, Who, after_ack
from bot.runtime import Services
from bot.slack.keys import restore
from crm.changes import records
from crm.changes.outcomes import MEETING_OUTCOMES, log_outcome
from crm.localtime import zone
from crm.models import Pipeline, Stage, User

Change = Callable[[Session, User, datetime], None]


def _date(view: dict[str, Any], required: bool) -> tuple[date | None, str | None]:
    text = selected_date(view, m.DATE)
    if not text:
        return None, "Choose a date." if required else None
    try:
        return date.fromisoformat(text), None
    except ValueError:
        return None, "Choose a date."


def _minutes(view: dict[str, Any]) -> tuple[int, str | None]:
    """A meeting's duration in whole minutes (the default when left empty), or the problem with it."""
    text = (input_value(view, m.DURATION) or "").strip()
    if not text:
        return records.DEFAULT_MEETING_MINUTES, None
    low, high = records.MEETING_MINUTES
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        return records.DEFAULT_MEETING_MINUTES, f"Give the duration in whole minutes, {low} to {high}."
    return int(text), None


def _parse(callback: str, view: dict[str, Any], ref: str) -> tuple[Change | None, dict[str, str]]:
    """The change a submission asks for, or the errors to show by block id."""
    kind, _, record_id = ref.partition(":")
    if callback in (m.DEAL_STAGE_VIEW, m.LEAD_STAGE_VIEW):
        stage = selected_value(view, m.STAGE)
        if not stage:
            return None, {m.STAGE[0]: "Choose a stage."}
        setter = records.set_deal_stage if callback == m.DEAL_STAGE_VIEW else records.set_lead_stage

        def set_stage(s: Session, actor: User, now: datetime) -> None:
            setter(s, actor, record_id, restore(s, stage, Stage.id), now)

        return set_stage, {}
    if callback == m.CLOSE_DATE_VIEW:
        day, problem = _date(view, True)
        if day is None:
            return None, {m.DATE[0]: problem or "Choose a date."}

        def set_close_date(s: Session, actor: User, now: datetime) -> None:
            records.set_close_date(s, actor, record_id, day, now)

        return set_close_date, {}
    if callback == m.DISQUALIFY_VIEW:
        reason = (input_value(view, m.REASON) or "").strip()
        if not reason:
            return None, {m.REASON[0]: "Say why the lead is disqualified."}

        def disqualify(s: Session, actor: User, now: datetime) -> None:
            records.disqualify_lead(s, actor, record_id, reason, now)

        return disqualify, {}
    if callback == m.OUTCOME_VIEW:
        outcome = selected_value(view, m.OUTCOME)
        if outcome not in MEETING_OUTCOMES:
            return None, {m.OUTCOME[0]: "Choose an outcome."}

        def log_meeting_outcome(s: Session, actor: User, now: datetime) -> None:
            log_outcome(s, record_id, "meeting", actor, outcome or "", now)

        return log_meeting_outcome, {}
    if callback == m.LOG_VIEW:
        return _parse_log(view, kind, record_id)
    if callback == m.CREATE_DEAL_VIEW:
        return _parse_create(view)
    return None, {"m.about": "This form is not valid."}


def _parse_log(view: dict[str, Any], kind: str, record_id: str) -> tuple[Change | None, dict[str, str]]:
    errors: dict[str, str] = {}
    type_ = selected_value(view, m.TYPE)
    body = input_value(view, m.BODY) or ""
    title = input_value(view, m.TITLE)
    day, problem = _date(view, True)
    clock = clock_value(view, m.TIME)
    if type_ not in records.LOG_TYPES:
        errors[m.TYPE[0]] = "Choose call, meeting or note."
    if type_ == "note" and not body.strip():
        errors[m.BODY[0]] = "A note needs some text."
    if problem:
        errors[m.DATE[0]] = problem
    if clock is None:
        errors[m.TIME[0]] = "Choose a time."
    minutes = records.DEFAULT_MEETING_MINUTES
    if type_ == "meeting":
        minutes, problem = _minutes(view)
        if problem:
            errors[m.DURATION[0]] = problem
    if kind not in ("deal", "lead"):
        errors["m.about"] = "This form is not valid."
    if errors or day is None or clock is None:
        return None, errors
    hh, mm = clock

    def change(s: Session, actor: User, now: datetime) -> None:
        at = datetime(day.year, day.month, day.day, hh, mm, tzinfo=zone(actor.timezone))
        records.log_activity(
            s,
            actor,
            "deals" if kind == "deal" else "leads",
            record_id,
            type_ or "",
            body,
            at,
            now,
            title=title,
            minutes=minutes,
        )

    return change, {}


def _parse_create(view: dict[str, Any]) -> tuple[Change | None, dict[str, str]]:
    errors: dict[str, str] = {}
    name = " ".join((input_value(view, m.NAME) or "").split())
    pipeline_id, _, stage_id = (selected_value(view, m.STAGE) or "").partition("/")
    if not name:
        errors[m.NAME[0]] = "Give the deal a name."
    if not stage_id:
        errors[m.STAGE[0]] = "Choose a pipeline and stage."
    amount = None
    try:
        amount = records.parse_amount(input_value(view, m.AMOUNT))
    except ValueError as exc:
        errors[m.AMOUNT[0]] = str(exc).capitalize() + "."
    close, problem = _date(view, False)
    if problem:
        errors[m.DATE[0]] = problem
    if errors:
        return None, errors

    def change(s: Session, actor: User, now: datetime) -> None:
        records.create_deal(
            s,
            actor,
            name=name,
            pipeline_id=restore(s, pipeline_id, Pipeline.id),
            stage_id=restore(s, stage_id, Stage.id),
            amount=amount,
            close_date=close,
            now=now,
        )

    return change, {}


def handler(services: Services) -> Callable[..., None]:
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        ref, home_state = m.read_metadata(str(view.get("private_metadata") or ""))
        change, errors = _parse(str(view.get("callback_id") or ""), view, ref)
        if change is None:
            ack(response_action="errors", errors=errors)
            return
        ack()
        # The modal's result is Home re-published: a write-back redraws it once HubSpot answered.
        who = replace(Who.from_body(body), home=home_state)
        state = HomeState.loads(home_state)

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            change(session, actor, now)
            return [home_tab.publish(session, actor, who.user, state, now)]

        after_ack(services, client, who, str(view.get("callback_id")), work)

    return submitted


CALLBACKS = (
    m.DEAL_STAGE_VIEW,
    m.CLOSE_DATE_VIEW,
    m.LOG_VIEW,
    m.CREATE_DEAL_VIEW,
    m.LEAD_STAGE_VIEW,
    m.DISQUALIFY_VIEW,
    m.OUTCOME_VIEW,
)
