"""``salesbot hubspot push``: send the HubSpot write-backs still pending, once (for operators)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.cli.context import EXIT_INVALID, CommandError, Context

if TYPE_CHECKING:
    from slack_sdk import WebClient


def register_push(hubspot_commands: Any) -> None:
    p = hubspot_commands.add_parser("push", help="send the write-backs to HubSpot still pending, once")
    p.set_defaults(handler=run_push)


def run_push(context: Context) -> int:
    # Imported here: HubSpot's client is slow to import, and other commands do not need it.
    from bot.slack.client import SlackNotConfigured, delivery_client
    from bot.writeback.runner import Writeback
    from crm.config import get_settings
    from crm.localtime import wall_clock
    from hubspot_connector.errors import EXIT_UNAVAILABLE, HubSpotError

    settings = get_settings()
    writeback = Writeback.from_settings(settings, context.engine, clock=wall_clock)
    if writeback is None:
        raise CommandError(
            "HubSpot is not connected: set HUBSPOT_ACCESS_TOKEN or install the app", EXIT_INVALID
        )
    client: WebClient | None
    try:
        client = delivery_client(settings=settings)
    except SlackNotConfigured:
        client = None  # reps are not told, the queue still goes out
    try:
        results = writeback.send_pending(client)
    except HubSpotError as exc:
        raise CommandError(str(exc), exc.exit_code) from None
    finally:
        writeback.shutdown()
    states = [r.state for r in results]
    counts = {s: states.count(s) for s in ("sent", "conflict", "failed", "pending")}
    print(
        f"sent {counts['sent']}, conflicts {counts['conflict']}, failed {counts['failed']}, "
        f"still pending {counts['pending']}",
        file=context.out,
    )
    for result in results:
        if result.state in ("failed", "pending"):
            print(f"  entry {result.entry_id} ({result.kind}): {result.message}", file=context.out)
    if counts["pending"] and not (counts["sent"] or counts["conflict"] or counts["failed"]):
        return EXIT_UNAVAILABLE  # nothing got through: HubSpot cannot be reached
    return 0
