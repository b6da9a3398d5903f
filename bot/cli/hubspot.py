"""``salesbot hubspot ...``: the HubSpot connector's commands (``sync`` here; ``status``, ``roles`` and
``roles set`` in ``hubspot_admin``; hubspot.md).

Exit codes: 0 success; 2 a configuration error (HubSpot not connected, a token HubSpot rejects, a missing
scope); 4 HubSpot cannot be reached or keeps failing. Always a one-line reason, never a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.cli import hubspot_admin
from bot.cli.context import CommandError, Context
from bot.cli.hubspot_push import register_push

if TYPE_CHECKING:
    from tqdm import tqdm

    from hubspot_connector.sync import SyncReport

MAX_SKIPPED_SHOWN = 20


def register(commands: Any) -> Any:
    """Adds ``salesbot hubspot`` and its ``sync``; returns the sub-command set so others can add to it."""
    p = commands.add_parser("hubspot", help="the HubSpot connector: sync the team's CRM")
    sub = p.add_subparsers(dest="hubspot_command", required=True)
    s = sub.add_parser("sync", help="read HubSpot into the store (incremental after the first run)")
    s.add_argument("--full", action="store_true", help="read everything again")
    s.add_argument("--progress", action="store_true", help="show a progress bar with totals")
    s.add_argument("--now", help="the sync's time (ISO 8601; default: the clock)")
    s.set_defaults(handler=run_sync)
    hubspot_admin.add_commands(sub)
    register_push(sub)
    return sub


def print_report(context: Context, report: SyncReport) -> None:
    kind = "full" if report.full else "incremental"
    print(f"HubSpot sync ({kind}, {report.requests} requests):", file=context.out)
    for object_type, counts in report.types.items():
        dropped = (
            f", {counts.links_dropped} associations to records not synced" if counts.links_dropped else ""
        )
        print(f"  {object_type}: {counts.line()}{dropped}", file=context.out)
    for object_type, hubspot_id, reason in report.skipped[:MAX_SKIPPED_SHOWN]:
        print(f"skipped {object_type} {hubspot_id}: {reason}", file=context.err)
    if len(report.skipped) > MAX_SKIPPED_SHOWN:
        print(f"... and {len(report.skipped) - MAX_SKIPPED_SHOWN} more skipped", file=context.err)
    if report.unknown_owners:
        shown = ", ".join(sorted(report.unknown_owners)[:10])
        print(f"records of owners HubSpot no longer lists were kept without owner: {shown}", file=context.err)


def run_sync(context: Context) -> int:
    # Imported here: the connector (and HubSpot's client) loads only for the commands that use it.
    from tqdm import tqdm

    from crm.config import get_settings
    from hubspot_connector.connect import api_from_settings
    from hubspot_connector.errors import HubSpotError
    from hubspot_connector.sync import sync

    settings = get_settings()
    bars: dict[str, tqdm[Any]] = {}

    def progress(object_type: str, n: int, total: int | None) -> None:
        bar = bars.get(object_type)
        if bar is None:
            bar = bars[object_type] = tqdm(desc=object_type, total=total, unit=" records", file=context.err)
        bar.update(n)

    now = context.now()
    try:
        api = api_from_settings(settings, context.engine)
        report = sync(
            context.engine,
            api,
            now,
            full=context.args.full,
            score_property=settings.hubspot_deal_score_property,
            progress=progress if context.args.progress else None,
            processes=True,
        )
    except HubSpotError as exc:
        raise CommandError(str(exc).splitlines()[0], exc.exit_code) from None
    finally:
        for bar in bars.values():
            bar.close()
    print_report(context, report)
    return 0
