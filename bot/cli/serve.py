"""``salesbot serve`` (the Slack app over HTTP) and ``salesbot socket`` (over Socket Mode)."""

from __future__ import annotations

import logging
from typing import Any

from bot.app import AppNotConfigured, build_app
from bot.cli.context import CommandError, Context
from bot.runtime import Services
from bot.server import SlackWSGI, serve
from crm.config import get_settings

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
    from bot.clock import wall_clock
    from hubspot_connector.writeback.runner import Writeback

    settings = get_settings()
    writeback = Writeback.from_settings(settings, context.engine, clock=wall_clock)
    return Services(engine=context.engine, settings=settings, writeback=writeback)


def run_http(context: Context) -> int:
    settings = get_settings()
    services = _services(context)
    try:
        app = build_app(services)
    except AppNotConfigured as exc:
        raise CommandError(str(exc)) from None
    assert settings.slack_signing_secret is not None  # build_app checked it
    port = context.args.port or settings.port
    log.warning("serving the Slack app on %s:%s", context.args.host, port)
    from bot.clock import wall_clock
    from hubspot_connector.webhooks import routes_for

    hubspot_apps = routes_for(settings, context.engine, services.writeback, clock=wall_clock)
    try:
        serve(
            SlackWSGI(app, settings.slack_signing_secret.get_secret_value(), apps=hubspot_apps),
            host=context.args.host,
            port=port,
            threads=context.args.threads,
        )
    finally:
        services.shutdown()
    return 0


def run_socket(context: Context) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    settings = get_settings()
    if settings.slack_app_token is None:
        raise CommandError("SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-...)")
    services = _services(context)
    try:
        app = build_app(services)
    except AppNotConfigured as exc:
        raise CommandError(str(exc)) from None
    try:
        SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()
    finally:
        services.shutdown()
    return 0
