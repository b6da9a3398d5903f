"""The Slack app: ``build_app(services)`` returns a Bolt ``App`` with every listener registered.

Single workspace: ``SLACK_BOT_TOKEN`` + ``SLACK_SIGNING_SECRET``. Many workspaces: ``SLACK_CLIENT_ID`` +
``SLACK_CLIENT_SECRET`` + ``SLACK_SIGNING_SECRET``, with slack_sdk's SQLAlchemy installation and OAuth state
stores in our database (tables made by our migrations) and token rotation (Bolt refreshes a rotating token
before it expires). Signature verification always stays on: forged, stale and unsigned requests get 401.
The Web API client points at ``SLACK_API_URL`` and retries connection errors, 5xx and 429.
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot.listeners import register_listeners
from bot.request_log import LoggedApp
from bot.runtime import Services
from bot.slack.client import TIMEOUT_S, base_url, retry_handlers, web_client
from crm.models.slack import BOTS_TABLE, INSTALLATIONS_TABLE, OAUTH_STATES_TABLE

log = logging.getLogger(__name__)

# The bot scopes the app asks for (manifest.yaml lists the same).
BOT_SCOPES = (
    "chat:write",
    "commands",
    "im:history",
    "im:write",
    "users:read",
    "users:read.email",
    # Channels (issue 18): unfurls, and who is in a channel (public and private) before sharing to it.
    "links:read",
    "links:write",
    "channels:read",
    "groups:read",
)


class AppNotConfigured(RuntimeError):
    """The settings name no way to run the Slack app."""


def build_app(services: Services) -> App:
    """The Bolt app. Its listeners run in the thread that received the request (``process_before_response``):
    each only acks and hands its work over (``bot.listeners.work``), so the answer goes back as soon as the
    listener returns, without Bolt's default hop to another thread and its 10 ms polling for the ack."""
    settings = services.settings
    if settings.slack_signing_secret is None:
        raise AppNotConfigured("SLACK_SIGNING_SECRET is not set: Slack requests cannot be verified")
    signing_secret = settings.slack_signing_secret.get_secret_value()
    executor = services.listeners
    if settings.slack_client_id:
        if settings.slack_client_secret is None:
            raise AppNotConfigured("SLACK_CLIENT_SECRET is not set (needed with SLACK_CLIENT_ID)")
        client = WebClient(
            base_url=base_url(settings), timeout=TIMEOUT_S, retry_handlers=retry_handlers(rate_limits=True)
        )
        oauth = OAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret.get_secret_value(),
            scopes=list(BOT_SCOPES),
            installation_store=SQLAlchemyInstallationStore(
                client_id=settings.slack_client_id,
                engine=services.engine,
                bots_table_name=BOTS_TABLE,
                installations_table_name=INSTALLATIONS_TABLE,
            ),
            state_store=SQLAlchemyOAuthStateStore(
                expiration_seconds=600, engine=services.engine, table_name=OAUTH_STATES_TABLE
            ),
            install_path="/slack/install",
            redirect_uri_path="/slack/oauth_redirect",
        )
        app = LoggedApp(
            signing_secret=signing_secret,
            client=client,
            oauth_settings=oauth,
            listener_executor=executor,
            process_before_response=True,
        )
        app.enable_token_revocation_listeners()
    else:
        if settings.slack_bot_token is None:
            raise AppNotConfigured("set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID (OAuth install)")
        app = LoggedApp(
            signing_secret=signing_secret,
            client=web_client(settings=settings),
            listener_executor=executor,
            process_before_response=True,
        )
    register_listeners(app, services)
    return app
