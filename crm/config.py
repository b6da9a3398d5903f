"""Configuration from the environment (the README's table), read once per process with pydantic-settings.

The database URL and the Home tab's link are also read without pydantic by ``crm.quick_settings``.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from crm.quick_settings import DEFAULT_DATABASE_URL, home_link


class Settings(BaseSettings):
    """Every setting Salesbot reads. Secrets are ``SecretStr`` so they never print in logs or reprs."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    database_url: str = Field(default=DEFAULT_DATABASE_URL, description="SQLAlchemy URL of the CRM store.")
    slack_bot_token: SecretStr | None = Field(default=None, description="Single-workspace bot token.")
    slack_signing_secret: SecretStr | None = Field(default=None, description="Verifies Slack requests.")
    slack_client_id: str | None = Field(default=None, description="Multi-workspace OAuth client id.")
    slack_client_secret: SecretStr | None = Field(default=None, description="Multi-workspace OAuth secret.")
    slack_app_token: SecretStr | None = Field(default=None, description="Socket Mode app-level token.")
    slack_api_url: str = Field(default="https://slack.com/api/", description="Slack Web API base URL.")
    openai_api_key: SecretStr | None = Field(
        default=None, description="Model API key; none disables AI text."
    )
    openai_base_url: str | None = Field(default=None, description="Model API base URL; None means OpenAI's.")
    salesbot_model: str = Field(default="gpt-4.1-mini", description="Chat model name.")
    salesbot_llm_timeout_s: float = Field(default=20.0, gt=0, description="Per-call model timeout.")
    slack_app_id: str | None = Field(
        default=None, description="The app's id (A...), for links to its Home tab."
    )
    slack_team_id: str | None = Field(default=None, description="The workspace id (T...), for Home links.")
    port: int = Field(default=3000, description="HTTP port of `salesbot serve`.")
    salesbot_rules_every_min: int = Field(default=5, ge=1, le=60, description="Minutes between rule runs.")
    salesbot_digest_workers: int = Field(default=4, ge=1, le=32, description="Parallel digest senders.")
    salesbot_digest_late_hours: float = Field(
        default=3.0, ge=0, le=24, description="How late a digest may still go out; later, it is missed."
    )
    salesbot_digest_processes: int = Field(
        default=0, ge=0, le=32, description="Worker processes building digests (0: the senders build them)."
    )

    hubspot_access_token: SecretStr | None = Field(
        default=None, description="HubSpot private app / service key token."
    )
    hubspot_client_id: str | None = Field(default=None, description="HubSpot OAuth app client id.")
    hubspot_client_secret: SecretStr | None = Field(
        default=None, description="HubSpot app client secret (OAuth, webhook signatures)."
    )
    hubspot_api_url: str = Field(default="https://api.hubapi.com", description="HubSpot API base URL.")
    hubspot_rate_per_10s: int = Field(
        default=100, ge=1, le=1000, description="Requests per 10 s, shared by every process."
    )
    hubspot_search_per_s: int = Field(
        default=4, ge=1, le=50, description="Search requests per second, shared by every process."
    )
    hubspot_deal_score_property: str | None = Field(
        default=None, description="The deal property holding a deal score (its history is synced)."
    )
    salesbot_sync_every_min: int = Field(
        default=2, ge=1, le=1440, description="Minutes between HubSpot syncs in `salesbot clock`."
    )

    @property
    def hubspot_configured(self) -> bool:
        """Whether HubSpot is connected: a private app token, or an OAuth app (tokens in the database)."""
        return self.hubspot_access_token is not None or (
            self.hubspot_client_id is not None and self.hubspot_client_secret is not None
        )

    @property
    def home_url(self) -> str | None:
        """A deep link to the app's Home tab, when the app and workspace ids are configured."""
        return home_link(self.slack_app_id, self.slack_team_id)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
