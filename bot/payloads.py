"""A first look at a signed request's body, before Bolt: is it a payload Slack would send?

Bolt raises on a body that is not JSON and fails inside its middleware on fields of the wrong shape (an
``actions`` that is not a list, a ``user`` that is not an object), which a server reports as 500. Here such
a body gets a clear 400 instead, and the server keeps serving. Only the fields Salesbot's listeners rely on
are checked; anything else Slack adds is allowed.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class _User(_Loose):
    id: str = Field(min_length=1)


class _Action(_Loose):
    action_id: str = Field(min_length=1, max_length=255)


class _BlockActions(_Loose):
    type: str
    user: _User
    actions: list[_Action] = Field(min_length=1)


class _View(_Loose):
    callback_id: str
    id: str | None = None
    private_metadata: str | None = None


class _ViewPayload(_Loose):
    type: str
    user: _User
    view: _View


class _Event(_Loose):
    type: str


class _EventCallback(_Loose):
    type: str
    event_id: str = Field(min_length=1)
    event: _Event


class _Command(_Loose):
    command: str = Field(min_length=1)
    user_id: str = Field(min_length=1)


class _UrlVerification(_Loose):
    type: str
    challenge: str


SHAPES: dict[str, type[BaseModel]] = {
    "block_actions": _BlockActions,
    "view_submission": _ViewPayload,
    "view_closed": _ViewPayload,
    "event_callback": _EventCallback,
    "url_verification": _UrlVerification,
}


def problem(body: str, content_type: str) -> str | None:
    """None when the body has the shape Salesbot expects; otherwise what is wrong, in one line."""
    data: Any
    try:
        if "application/json" in content_type:
            data = json.loads(body)
        else:
            form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
            if "payload" in form:
                data = json.loads(form["payload"])
            elif "command" in form:
                _Command.model_validate(form)
                return None
            else:
                return "not a Slack payload: no payload, command or JSON body"
    except json.JSONDecodeError:
        return "the payload is not valid JSON"
    except ValidationError as exc:
        return f"malformed slash command: {_first(exc)}"
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return "the payload has no type"
    shape = SHAPES.get(data["type"])
    if shape is None:
        return None  # a kind Salesbot does not handle: Bolt answers it (404, unhandled)
    try:
        shape.model_validate(data)
    except ValidationError as exc:
        return f"malformed {data['type']} payload: {_first(exc)}"
    return None


def _first(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "body"
    return f"{where}: {error['msg']}"
