"""The Home tab's record modals: update a deal's stage or close date, log an activity, create a deal, move or
disqualify a lead, log a meeting's outcome. Each carries ``{"r": record ref, "h": Home state}`` in its
``private_metadata`` so the submission knows the record and re-publishes Home as it was."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    TimePickerElement,
)

from bot.blocks.home.common import option
from bot.blocks.queue import MEETING_LABELS
from bot.blocks.views import modal
from bot.slack.keys import key
from bot.slack.mrkdwn import link, truncate
from crm.changes.outcomes import MEETING_OUTCOMES
from crm.changes.records import DEFAULT_MEETING_MINUTES, MEETING_MINUTES
from crm.queries.records import PipelineChoice

DEAL_STAGE_VIEW = "home.deal_stage"
CLOSE_DATE_VIEW = "home.close_date"
LOG_VIEW = "home.log"
CREATE_DEAL_VIEW = "home.create_deal"
LEAD_STAGE_VIEW = "home.lead_stage"
DISQUALIFY_VIEW = "home.disqualify"
OUTCOME_VIEW = "home.outcome"

STAGE = ("m.stage", "value")
DATE = ("m.date", "value")
TIME = ("m.time", "value")
DURATION = ("m.duration", "value")
TYPE = ("m.type", "value")
TITLE = ("m.title", "value")
BODY = ("m.body", "value")
NAME = ("m.name", "value")
AMOUNT = ("m.amount", "value")
REASON = ("m.reason", "value")
OUTCOME = ("m.outcome", "value")


def metadata(ref: str, home: str) -> str:
    return json.dumps({"r": ref, "h": home}, separators=(",", ":"))


def read_metadata(text: str) -> tuple[str, str]:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    return str(data.get("r") or ""), str(data.get("h") or "")


def _about(name: str, url: str | None = None) -> Block:
    """The record the modal is about, linked to it in the CRM when it has a URL."""
    return SectionBlock(block_id="m.about", text=f"*{link(url, truncate(name, 200))}*")


def _keyed(value: str) -> str:
    return "/".join(key(part) for part in value.split("/", 1))


def _stage_select(stages: list[tuple[str, str]], current: str | None) -> StaticSelectElement:
    """``stages`` are (stage id, label), or ("pipeline id/stage id", label): each id travels as its
    ``bot.slack.keys.key``."""
    options = [option(_keyed(value), label) for value, label in stages[:100]]
    chosen = _keyed(current) if current is not None else None
    return StaticSelectElement(
        action_id=STAGE[1],
        options=options,
        initial_option=next((o for o in options if o.value == chosen), None),
    )


def stage_modal(
    callback_id: str,
    name: str,
    stages: list[tuple[str, str]],
    current: str,
    meta: str,
    *,
    url: str | None = None,
) -> dict[str, Any]:
    blocks = [
        _about(name, url),
        InputBlock(block_id=STAGE[0], label="Stage", element=_stage_select(stages, current)),
    ]
    title = "Update stage" if callback_id == DEAL_STAGE_VIEW else "Move lead"
    return modal(callback_id=callback_id, title=title, submit="Save", blocks=blocks, private_metadata=meta)


def close_date_modal(name: str, current: date | None, meta: str, *, url: str | None = None) -> dict[str, Any]:
    picker = DatePickerElement(action_id=DATE[1], initial_date=current.isoformat() if current else None)
    blocks = [_about(name, url), InputBlock(block_id=DATE[0], label="Close date", element=picker)]
    return modal(
        callback_id=CLOSE_DATE_VIEW,
        title="Edit close date",
        submit="Save",
        blocks=blocks,
        private_metadata=meta,
    )


def log_modal(name: str, today: date, clock: str, meta: str, *, url: str | None = None) -> dict[str, Any]:
    types = [Option(value=t, label=t.capitalize()) for t in ("call", "meeting", "note")]
    blocks: list[Block] = [
        _about(name, url),
        InputBlock(
            block_id=TYPE[0],
            label="Type",
            element=StaticSelectElement(action_id=TYPE[1], options=types, initial_option=types[0]),
        ),
        InputBlock(
            block_id=TITLE[0],
            label="Title (meetings)",
            optional=True,
            element=PlainTextInputElement(action_id=TITLE[1], max_length=200),
        ),
        InputBlock(
            block_id=BODY[0],
            label="Notes",
            optional=True,
            element=PlainTextInputElement(action_id=BODY[1], multiline=True, max_length=3000),
        ),
        InputBlock(
            block_id=DATE[0],
            label="Date",
            element=DatePickerElement(action_id=DATE[1], initial_date=today.isoformat()),
        ),
        InputBlock(
            block_id=TIME[0], label="Time", element=TimePickerElement(action_id=TIME[1], initial_time=clock)
        ),
        InputBlock(
            block_id=DURATION[0],
            label="Duration in minutes (meetings)",
            optional=True,
            element=NumberInputElement(
                action_id=DURATION[1],
                is_decimal_allowed=False,
                initial_value=DEFAULT_MEETING_MINUTES,
                min_value=MEETING_MINUTES[0],
                max_value=MEETING_MINUTES[1],
            ),
        ),
    ]
    return modal(
        callback_id=LOG_VIEW, title="Log activity", submit="Log", blocks=blocks, private_metadata=meta
    )


def create_deal_modal(pipelines: list[PipelineChoice], meta: str) -> dict[str, Any]:
    stages = [
        (f"{p.id}/{s.id}", f"{p.name} · {s.label}") for p in pipelines for s in p.stages if s.state == "open"
    ]
    blocks: list[Block] = [
        InputBlock(
            block_id=NAME[0],
            label="Deal name",
            element=PlainTextInputElement(action_id=NAME[1], max_length=200),
        ),
        InputBlock(
            block_id=STAGE[0],
            label="Pipeline and stage",
            element=_stage_select(stages, stages[0][0] if stages else None),
        ),
        InputBlock(
            block_id=AMOUNT[0],
            label="Amount",
            optional=True,
            element=PlainTextInputElement(action_id=AMOUNT[1], max_length=20),
        ),
        InputBlock(
            block_id=DATE[0], label="Close date", optional=True, element=DatePickerElement(action_id=DATE[1])
        ),
    ]
    return modal(
        callback_id=CREATE_DEAL_VIEW,
        title="Create deal",
        submit="Create",
        blocks=blocks,
        private_metadata=meta,
    )


def disqualify_modal(name: str, meta: str, *, url: str | None = None) -> dict[str, Any]:
    reason = PlainTextInputElement(action_id=REASON[1], multiline=True, max_length=1000)
    blocks = [_about(name, url), InputBlock(block_id=REASON[0], label="Reason", element=reason)]
    return modal(
        callback_id=DISQUALIFY_VIEW,
        title="Disqualify lead",
        submit="Disqualify",
        blocks=blocks,
        private_metadata=meta,
    )


def outcome_modal(title: str, meta: str) -> dict[str, Any]:
    options = [Option(value=o, label=MEETING_LABELS[o]) for o in MEETING_OUTCOMES]
    blocks = [
        _about(title),
        InputBlock(
            block_id=OUTCOME[0],
            label="Outcome",
            element=StaticSelectElement(action_id=OUTCOME[1], options=options),
        ),
    ]
    return modal(
        callback_id=OUTCOME_VIEW, title="Update outcome", submit="Save", blocks=blocks, private_metadata=meta
    )
