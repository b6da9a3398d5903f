"""``salesbot serve`` (the Slack app over HTTP) and ``salesbot socket`` (over Socket Mode)."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.cli.context import CommandError, Context

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bot.handoff import WorkProcess
    from bot.runtime import Services
    from bot.server import WSGIApp
    from crm.config import Settings
    from hubspot_connector.api import HubSpotApi

log = logging.getLogger(__name__)


def register(commands: Any) -> None:
    p = commands.add_parser("serve", help="the Slack app over HTTP (/slack/events, OAuth routes)")
    p.add_argument("--host", default="0.0.0.0", help="address to listen on (default: all)")
    p.add_argument("--port", type=int, help="port (default: $PORT or 3000)")
    p.add_argument("--threads", type=int, default=16, help="HTTP worker threads (default: 16)")
    p.set_defaults(handler=run_http)
    s = commands.add_parser("socket", help="the Slack app over Socket Mode (needs SLACK_APP_TOKEN)")
    s.set_defaults(handler=run_socket)


def _services(context: Context) -> Services:
    from bot.runtime import Services
    from bot.writeback.runner import Writeback
    from crm.config import get_settings
    from crm.localtime import wall_clock

    settings = get_settings()
    writeback = Writeback.from_settings(settings, context.engine, clock=wall_clock)
    return Services(engine=context.engine, settings=settings, writeback=writeback)


def _hand_off(context: Context, services: Services) -> WorkProcess:
    """Hand the work after the ack to a work process of its own (``bot.handoff``), started now, before the
    first request, so that it is ready by the first click."""
    from bot.handoff import WorkProcess

    work = WorkProcess(
        services, context.database_url, log_options=context.log_options, command=context.args.command
    ).start()
    services.worker, services.model_worker = work.pool("worker"), work.pool("model_worker")
    # What start-up made (modules, the app, its listeners) lives as long as the process: out of the garbage
    # collector's sight, so its full collections stay short and stall no ack. (No collection first: it
    # would cost start-up ~0.1 s to spare a little start-up garbage.)
    gc.freeze()
    return work


def run_http(context: Context) -> int:
    from bot.app import AppNotConfigured, build_app
    from bot.health import health
    from bot.server import SlackWSGI, serve
    from crm.config import get_settings
    from crm.localtime import wall_clock

    settings = get_settings()
    services = _services(context)
    try:
        app = build_app(services)
    except AppNotConfigured as exc:
        raise CommandError(str(exc)) from None
    assert settings.slack_signing_secret is not None  # build_app checked it
    work = _hand_off(context, services)
    port = context.args.port or settings.port
    from hubspot_connector.webhooks import routes_for

    apps = {
        **hubspot_oauth_apps(context.engine, settings),
        **routes_for(settings, context.engine, _connected_api(services), clock=wall_clock),
    }
    log.info("serving the Slack app on %s:%s", context.args.host, port)
    try:
        serve(
            SlackWSGI(
                app,
                settings.slack_signing_secret.get_secret_value(),
                health=lambda: health(services.engine, wall_clock(), work.state),
                apps=apps,
            ),
            host=context.args.host,
            port=port,
            threads=context.args.threads,
        )
    finally:
        services.shutdown()
    return 0


def _connected_api(services: Services) -> Callable[[], HubSpotApi] | None:
    """The write-back's HubSpot client, asked for when a webhook's records are read (None: not connected)."""
    writeback = services.writeback
    if writeback is None:
        return None
    return lambda: writeback.sender.api


def hubspot_oauth_apps(
    engine: Engine, settings: Settings, clock: Callable[[], datetime] | None = None
) -> dict[str, WSGIApp]:
    """``/hubspot/install`` and ``/hubspot/oauth_redirect`` when HubSpot's OAuth app is configured (the
    connector is imported only then)."""
    if not settings.hubspot_client_id or settings.hubspot_client_secret is None:
        return {}
    from bot.hubspot_oauth import HubSpotOAuthRoutes
    from crm.localtime import wall_clock
    from hubspot_connector.oauth import OAuthApp

    oauth = OAuthApp.from_settings(settings)
    assert oauth is not None  # both settings are there
    routes = HubSpotOAuthRoutes(engine, oauth, clock or wall_clock)
    return dict.fromkeys(HubSpotOAuthRoutes.PATHS, routes)


def run_socket(context: Context) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import AppNotConfigured, build_app
    from crm.config import get_settings

    settings = get_settings()
    if settings.slack_app_token is None:
        raise CommandError("SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-...)")
    services = _services(context)
    try:
        app = build_app(services)
    except AppNotConfigured as exc:
        raise CommandError(str(exc)) from None
    _hand_off(context, services)
    from bot.server import stop_on_sigterm

    stop_on_sigterm()
    try:
        SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()
    except KeyboardInterrupt:
        pass
    finally:
        services.shutdown()
    return 0
