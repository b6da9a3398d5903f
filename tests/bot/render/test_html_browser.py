"""The HTML preview in a real browser (headless Chromium): every block drawn, CRM text escaped, no script.

Chromium is Debian's package (``.ci/run`` installs it); on a machine without it these tests skip, saying so.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.cli.main import main
from bot.cli.preview import chromium_command, find_chromium
from bot.home.state import TABS
from bot.render.html import CSP, render_page
from crm.db import make_engine
from tests.bot.render.samples import HOSTILE, every_block

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")

NOW = "2026-11-23T12:00:00Z"
# Reports, once the page has loaded (so an injected <img onerror> would have fired), what the browser drew.
PROBE = """<script>
window.addEventListener("load", () => {
  const blocks = [...document.querySelectorAll("[data-block]")];
  const report = {
    pwned: window.__pwned || null,
    scripts: document.scripts.length,
    handlers: document.querySelectorAll("[onerror],[onload],[onclick]").length,
    drawn: blocks.map((b) => [b.dataset.type, b.getBoundingClientRect().height]),
  };
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify(report);
  document.body.appendChild(out);
});
</script>"""


def browse(html: str, tmp_path: Path) -> dict[str, Any]:
    """The page in Chromium, with its CSP taken off so that only escaping stands between CRM text and a
    script (the CSP is a second line of defence, not the one under test)."""
    assert f'content="{CSP}"' in html
    page = tmp_path / "page.html"
    page.write_text(html.replace(f'content="{CSP}"', 'content=""').replace("</body>", PROBE + "</body>"))
    assert CHROMIUM is not None
    command = chromium_command(CHROMIUM, "--virtual-time-budget=5000", "--dump-dom", page.as_uri())
    dom = subprocess.run(command, capture_output=True, text=True, timeout=180, check=True).stdout
    match = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.DOTALL)
    assert match, dom[-2000:]
    report: dict[str, Any] = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    return report


def assert_drawn(report: dict[str, Any], blocks: list[dict[str, Any]]) -> None:
    assert report["pwned"] is None
    assert report["scripts"] == 1 and report["handlers"] == 0  # only the probe
    assert [kind for kind, _ in report["drawn"]] == [b["type"] for b in blocks]
    assert all(height > 0 for _, height in report["drawn"]), report["drawn"]


def test_every_block_type_is_drawn_and_hostile_text_stays_text(tmp_path: Path) -> None:
    blocks = every_block()
    html = render_page("All blocks", blocks, meta=HOSTILE)
    assert_drawn(browse(html, tmp_path), blocks)
    assert "<img src=x" not in html and "&lt;img src=x onerror=" in html


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, str]:
    """A demo CRM whose contacts and deals carry hostile names: (url, a rep's email, their busiest deal)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    out = io.StringIO()
    assert main(["--database-url", url, "demo", "--reps", "2", "--now", NOW], out, io.StringIO()) == 0
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE contacts SET last_name = :h"), {"h": HOSTILE})
        connection.execute(text("UPDATE deals SET name = :h || name"), {"h": HOSTILE})
    engine.dispose()
    deal = re.search(r"salesbot insights (\S+) --as (\S+)", out.getvalue())
    assert deal
    return url, deal.group(2), deal.group(1)


def cli(url: str, *argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    assert main(["--database-url", url, *argv, "--now", NOW], out, err) == 0, err.getvalue()
    return out.getvalue()


def test_the_demo_digest_is_drawn_in_full(demo: tuple[str, str, str], tmp_path: Path) -> None:
    url, email, _ = demo
    blocks = json.loads(cli(url, "digest", "--user", email, "--json"))["blocks"]
    html = cli(url, "preview", "digest", "--user", email)
    assert HOSTILE not in html and "onerror=&quot;" in html
    assert_drawn(browse(html, tmp_path), blocks)


@pytest.mark.parametrize("tab", TABS)
def test_each_home_tab_is_drawn_in_full(demo: tuple[str, str, str], tab: str, tmp_path: Path) -> None:
    url, email, _ = demo
    blocks = json.loads(cli(url, "home", "--user", email, "--tab", tab, "--json"))["view"]["blocks"]
    html = cli(url, "preview", "home", "--user", email, "--tab", tab)
    assert_drawn(browse(html, tmp_path), blocks)


def test_an_insights_answer_is_drawn_and_writes_its_files(demo: tuple[str, str, str], tmp_path: Path) -> None:
    url, email, deal = demo
    page, png = tmp_path / "insights.html", tmp_path / "insights.png"
    cli(url, "preview", "insights", deal, "--as", email, "--out", str(page), "--png", str(png))
    html = page.read_text()
    assert HOSTILE not in html
    report = browse(html, tmp_path)
    assert report["pwned"] is None and len(report["drawn"]) == html.count("data-block=")
    assert all(height > 0 for _, height in report["drawn"])
    assert png.read_bytes().startswith(b"\x89PNG")
