"""``salesbot preview digest|home|insights``: a picture of a Slack surface, for people who would rather
look than read.

Each writes a self-contained HTML page drawing the exact payload Slack would get (``--out FILE.html``, or
the page on stdout), and with ``--png FILE.png`` a screenshot of it taken by headless Chromium (exit 2 with
the reason when no Chromium is installed).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bot.cli.context import CommandError, Context
from bot.cli.home import TABS

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PNG_WIDTH = 900


def register(commands: Any) -> None:
    p = commands.add_parser("preview", help="draw a Slack surface as an HTML page (or a PNG)")
    surfaces = p.add_subparsers(dest="surface", required=True)
    d = surfaces.add_parser("digest", help="a user's morning digest message")
    d.add_argument("--user", metavar="EMAIL", required=True)
    h = surfaces.add_parser("home", help="a tab of a user's App Home")
    h.add_argument("--user", metavar="EMAIL", required=True)
    h.add_argument("--tab", choices=TABS, help="default: the tab the user chose last")
    h.add_argument("--as", dest="as_user", metavar="EMAIL", help="(super admins) view this user's Home")
    i = surfaces.add_parser("insights", help="the answer to /sales insights for a deal")
    i.add_argument("deal_id", metavar="DEAL_ID")
    i.add_argument("--as", dest="as_user", metavar="EMAIL", required=True, help="the acting user")
    i.add_argument("--refresh", action="store_true", help="ask the model again instead of using the cache")
    for parser in (d, h, i):
        parser.add_argument("--now", help="ISO 8601 instant (default: now)")
        parser.add_argument("--out", metavar="FILE.html", help="write the page here (default: stdout)")
        parser.add_argument("--png", metavar="FILE.png", help="also a screenshot, with headless Chromium")
        parser.set_defaults(handler=run)


def page(context: Context) -> str:
    from bot.render.html import render_page

    args = context.args
    if args.surface == "digest":
        from bot.cli.digest import digest_payload

        payload = digest_payload(context, args.user)
        return render_page(f"Digest of {args.user}", payload["blocks"], meta=f"Direct message to {args.user}")
    if args.surface == "home":
        from bot.cli.home import home_payload

        view = home_payload(context)["view"]
        return render_page(f"Home of {args.user}", view["blocks"], meta=f"App Home of {args.user}")
    from bot.blocks.insights import result_message
    from bot.cli.insights import insights_result

    message = result_message(insights_result(context))
    return render_page(f"Insights on {args.deal_id}", message["blocks"], meta=f"Answer to {args.as_user}")


def find_chromium() -> str | None:
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def chromium_command(chromium: str, *extra: str) -> list[str]:
    # --no-sandbox: Chromium refuses to run as root otherwise (containers, CI); the page runs no script.
    return [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *extra]


def screenshot(html_path: Path, png_path: Path, *, height: int = 2400) -> None:
    chromium = find_chromium()
    if chromium is None:
        raise CommandError("--png needs Chromium (apt-get install chromium); the HTML page was written")
    command = chromium_command(
        chromium, f"--screenshot={png_path.resolve()}", f"--window-size={PNG_WIDTH},{height}"
    )
    result = subprocess.run(
        [*command, html_path.resolve().as_uri()], capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0 or not png_path.exists():
        raise CommandError(f"Chromium could not take the screenshot: {result.stderr.strip()[:300]}")


def run(context: Context) -> int:
    args = context.args
    html = page(context)
    if args.out:
        Path(args.out).write_text(html, encoding="utf-8")
        print(f"Wrote {args.out}", file=context.out)
    elif not args.png:
        context.out.write(html)
    if args.png:
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(args.out) if args.out else Path(tmp) / "page.html"
            if not args.out:
                source.write_text(html, encoding="utf-8")
            screenshot(source, Path(args.png))
        print(f"Wrote {args.png}", file=context.out)
    return 0
