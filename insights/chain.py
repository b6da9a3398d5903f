"""The insight chain: the rendered prompt into a chat model with structured output, and its failures named.

``build_chain(model)`` is ``messages | model.with_structured_output(InsightOutput, method="json_schema")``;
the model is a parameter so tests pass a LangChain fake. ``ask_model`` runs it and turns every way it can
fail (time-out, rate limit, server error, refusal, invalid JSON) into ``ModelFailure`` with a reason a user
can read; the reason never quotes the model's or the CRM's text.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import openai
from langchain_core import exceptions as lc_exceptions
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import ValidationError

from insights.context import DealContext
from insights.prompt import render_system, render_user
from insights.schemas import InsightOutput

log = logging.getLogger(__name__)


class ModelFailure(Exception):
    """The model gave no usable answer; ``reason`` says why in words for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def build_messages(context: DealContext) -> list[BaseMessage]:
    return [SystemMessage(content=render_system()), HumanMessage(content=render_user(context))]


def build_chain(model: BaseChatModel) -> Runnable[DealContext, Any]:
    structured = model.with_structured_output(InsightOutput, method="json_schema")
    return RunnableLambda(build_messages) | structured


def _reason(exc: BaseException) -> str:
    if isinstance(exc, openai.APITimeoutError | lc_exceptions.ModelTimeoutError | TimeoutError):
        return "the AI model timed out"
    if isinstance(exc, openai.RateLimitError | lc_exceptions.ModelRateLimitError):
        return "the AI model is busy (rate limited); try Refresh in a minute"
    if isinstance(exc, lc_exceptions.ModelRefusalError):
        return "the AI model declined to answer"
    if isinstance(exc, openai.APIStatusError):
        return f"the AI model service answered with an error (HTTP {exc.status_code})"
    if isinstance(exc, openai.APIConnectionError | lc_exceptions.ModelConnectionError):
        return "the AI model service could not be reached"
    if isinstance(exc, lc_exceptions.ModelError):
        return "the AI model service failed"
    if isinstance(
        exc, lc_exceptions.OutputParserException | ValidationError | json.JSONDecodeError | ValueError
    ):
        return "the AI model's answer was not valid"
    return "the AI model failed"


def _invoke(model: BaseChatModel, context: DealContext, deadline_s: float | None) -> Any:
    """The chain's answer, given up after ``deadline_s`` seconds in all (the client's retries and their
    back-off included): the call runs on a thread of its own, left to end on its client's per-call timeout."""
    if deadline_s is None:
        return build_chain(model).invoke(context)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="insights-model")
    try:
        return pool.submit(build_chain(model).invoke, context).result(timeout=deadline_s)
    except FutureTimeout:
        raise TimeoutError(f"no answer within {deadline_s:g} s") from None
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def ask_model(
    model: BaseChatModel, context: DealContext, *, deadline_s: float | None = None
) -> InsightOutput:
    """The model's raw structured answer for ``context``; ``ModelFailure`` when there is none, or none within
    ``deadline_s`` seconds (the whole step: every attempt and the waits between them)."""
    try:
        result = _invoke(model, context, deadline_s)
    except Exception as exc:  # every failure of a remote model is an answer without AI text, never a crash
        reason = _reason(exc)
        log.warning(
            "insights model call failed", extra={"deal_id": context.deal_id, "error": type(exc).__name__}
        )
        raise ModelFailure(reason) from None
    if isinstance(result, dict):
        try:
            result = InsightOutput.model_validate(result)
        except ValidationError:
            raise ModelFailure("the AI model's answer was not valid") from None
    if not isinstance(result, InsightOutput):
        raise ModelFailure("the AI model's answer was not valid")
    return result
