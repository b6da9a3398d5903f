"""``salesbot hubspot status``, ``salesbot hubspot roles`` and ``salesbot hubspot roles set`` (hubspot.md).

Exit codes: 0 success; 2 invalid input or configuration (HubSpot not connected, a token HubSpot rejects, an
unknown role name: the portal's role names are listed); 4 HubSpot cannot be reached. One line, no traceback.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.cli.context import CommandError, Context

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from hubspot_connector.errors import HubSpotError
    from hubspot_connector.status import Status

# The connector (and HubSpot's client) is imported inside the handlers: it loads only for these commands.
# The choices are crm.models.user's Role and Access values, written out so building the command line loads
# no model (tests/bot/cli/test_hubspot_choices.py checks they agree).
ROLE_CHOICES = ("rep", "manager")
ACCESS_CHOICES = ("all", "team", "owned")
KINDS = ("contacts", "companies", "deals", "leads", "activities")
EXIT_UNAVAILABLE = 4

NOT_CONNECTED = (
    "HubSpot is not connected: set HUBSPOT_ACCESS_TOKEN (a private app token) or install the app with OAuth "
    "(HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET, /hubspot/install)"
)


def add_commands(sub: Any) -> None:
    """Adds ``status`` and ``roles`` (with ``roles set``) to ``salesbot hubspot``."""
    st = sub.add_parser("status", help="connected portal, last syncs, write-back queue, requests used")
    st.add_argument("--json", action="store_true", help="print JSON")
    st.add_argument("--now", help="the time to report requests for (ISO 8601; default: now)")
    st.set_defaults(handler=run_status)
    roles = sub.add_parser("roles", help="the portal's roles, their Salesbot mapping and holders")
    roles.add_argument("--json", action="store_true", help="print JSON")
    roles.add_argument("--now", help=argparse.SUPPRESS)
    roles.set_defaults(handler=run_roles)
    roles_sub = roles.add_subparsers(dest="roles_command")
    rs = roles_sub.add_parser("set", help="map a HubSpot role to a Salesbot role and access levels")
    rs.add_argument("role_name", metavar="ROLE_NAME", help="the HubSpot role's name (as `roles` lists it)")
    rs.add_argument("--role", required=True, choices=ROLE_CHOICES, help="the Salesbot role")
    for kind in KINDS:
        rs.add_argument(
            f"--{kind}",
            choices=ACCESS_CHOICES,
            help=f"what holders may see of {kind} (default: team for managers, owned for reps)",
        )
    rs.add_argument("--now", help=argparse.SUPPRESS)
    rs.set_defaults(handler=run_roles_set)


def _writing(engine: Engine) -> Engine:
    return engine.execution_options(sqlite_begin="IMMEDIATE") if engine.dialect.name == "sqlite" else engine


def _fail(exc: HubSpotError) -> CommandError:
    return CommandError(str(exc).splitlines()[0], exc.exit_code)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%SZ") if value is not None else "never"


def run_status(context: Context) -> int:
    from crm.config import get_settings
    from hubspot_connector.oauth import INSTALL_PATH
    from hubspot_connector.status import status

    settings = get_settings()
    report = status(context.engine, settings, context.now())
    if report.connection == "not connected":
        if settings.hubspot_configured:  # an OAuth app no portal installed yet
            raise CommandError(f"HubSpot is not connected: install the app in a portal at {INSTALL_PATH}")
        raise CommandError(NOT_CONNECTED)
    if context.args.json:
        print(json.dumps(report.as_json(), indent=2), file=context.out)
    else:
        print_status(context, report, settings.hubspot_rate_per_10s)
    return 0


def print_status(context: Context, report: Status, per_10s: int) -> None:
    out = context.out
    if report.portal_id is None:
        portal = "portal not known yet (run `salesbot hubspot sync`)"
    else:
        portal = f"portal {report.portal_id}" + (f" ({report.time_zone})" if report.time_zone else "")
    how = {"private app": "a private app token", "oauth": "OAuth"}.get(report.connection, report.connection)
    expiry = f", access token valid until {_when(report.token_expires_at)}" if report.token_expires_at else ""
    print(f"HubSpot: {portal}, connected with {how}{expiry}", file=out)
    header = f"{'object':<10} {'records':>8}  {'last sync':<20}  {'cursor (modified through)':<25}  note"
    print(header, file=out)
    for t in report.types:
        note = f"resumes: {t.resuming}" if t.resuming else ("" if t.last_full_at else "no full sync yet")
        print(
            f"{t.object_type:<10} {t.records:>8}  {_when(t.last_sync_at):<20}  "
            f"{_when(t.modified_through):<25}  {note}".rstrip(),
            file=out,
        )
    print(f"records synced: {report.records}", file=out)
    print(
        f"write-back queue: {report.write_back.pending} pending, {report.write_back.failed} failed", file=out
    )
    daily = ""
    if report.daily_max is not None:
        daily = f" (daily cap {report.daily_max}, {report.daily_remaining} remaining)"
    print(
        f"requests: {report.requests_last_10s} in the last 10 s (budget {per_10s}), "
        f"{report.requests_today} today{daily}",
        file=out,
    )


def _refreshed_roles(context: Context) -> None:
    """Read the roles from HubSpot into the store; ``CommandError`` (2 or 4) when that fails."""
    from crm.config import get_settings
    from hubspot_connector.connect import api_from_settings
    from hubspot_connector.errors import HubSpotError
    from hubspot_connector.role_admin import store_roles

    settings = get_settings()
    now = context.now()
    try:
        roles = api_from_settings(settings, context.engine).roles()
        with _writing(context.engine).begin() as connection:
            store_roles(connection, roles, now)
    except HubSpotError as exc:
        raise _fail(exc) from None


def run_roles(context: Context) -> int:
    from hubspot_connector.role_admin import list_roles

    _refreshed_roles(context)
    with context.engine.connect() as connection:
        lines, admins = list_roles(connection)
    if context.args.json:
        data = {"roles": [line.as_json() for line in lines], "super_admins": admins}
        print(json.dumps(data, indent=2), file=context.out)
        return 0
    if not lines:
        print("The portal has no roles: every user is a rep seeing what they own.", file=context.out)
    width = max([len(line.name) for line in lines] + [4])
    print(f"{'role':<{width}}  {'users':>5}  mapping", file=context.out)
    for line in lines:
        gone = "  (no longer in HubSpot)" if not line.in_hubspot else ""
        print(f"{line.name:<{width}}  {line.users:>5}  {line.mapping()}{gone}", file=context.out)
    print(f"super admins (from HubSpot's superAdmin): {admins}", file=context.out)
    return 0


def run_roles_set(context: Context) -> int:
    from hubspot_connector.role_admin import UnknownRole
    from hubspot_connector.role_admin import set_mapping as set_role_mapping

    args = context.args
    try:
        _refreshed_roles(context)
    except CommandError as exc:
        # The mapping is Salesbot's own: with HubSpot out of reach, set it on the roles already stored.
        if exc.exit_code != EXIT_UNAVAILABLE:
            raise
        print(f"warning: roles not refreshed from HubSpot ({exc})", file=context.err)
    access = {kind: getattr(args, kind) for kind in KINDS}
    try:
        with _writing(context.engine).begin() as connection:
            line, changed = set_role_mapping(connection, args.role_name, args.role, access, context.now())
    except UnknownRole as exc:
        raise CommandError(str(exc)) from None
    print(
        f"{line.name} -> {line.mapping()}; {line.users} synced users hold it, {changed} changed now",
        file=context.out,
    )
    return 0
