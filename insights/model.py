"""The chat model from settings: ``ChatOpenAI`` with an explicit short timeout and few retries, or None when
no API key is configured (insights then show the CRM parts only, saying why)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # LangChain loads only when a model is configured (a command without one never needs it)
    from langchain_core.language_models import BaseChatModel

    from crm.config import Settings

MAX_RETRIES = 1
DEADLINE_CALLS = 2  # the model step ends after this many per-call timeouts, however it went


def chat_model(settings: Settings, *, max_retries: int = MAX_RETRIES) -> BaseChatModel | None:
    if settings.openai_api_key is None or not settings.openai_api_key.get_secret_value():
        return None
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=settings.salesbot_model,
        api_key=settings.openai_api_key,
        base_url=settings.openai_base_url,
        timeout=settings.salesbot_llm_timeout_s,
        max_retries=max_retries,
        temperature=0,
    )


def deadline_s(settings: Settings) -> float:
    """The whole model step's deadline, retries and back-off included: twice the per-call timeout."""
    return settings.salesbot_llm_timeout_s * DEADLINE_CALLS


def model_name(model: BaseChatModel) -> str:
    """The name that goes into the cache key: the provider's model name, else the class name."""
    for attribute in ("model_name", "model"):
        value = getattr(model, attribute, None)
        if isinstance(value, str) and value:
            return value[:100]
    return type(model).__name__[:100]
