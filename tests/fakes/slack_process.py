"""The fake Slack Web API in a process of its own, for benchmarks.

In the benchmark's own process the fake server would compete with the sender for one GIL and measure the
two together; real Slack costs the sender nothing but the wait. :class:`FakeSlackProcess` starts
``python -m tests.fakes.slack_process``, which serves a :class:`FakeSlack` until its standard input closes
and answers ``GET /_fake/record`` with what it recorded (messages and rejections).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.fakes.slack_api import FakeSlack

RECORD_PATH = "/_fake/record"
ROOT = Path(__file__).resolve().parents[2]


class _RecordingFakeSlack(FakeSlack):
    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        if urlsplit(handler.path).path == RECORD_PATH:
            with self._lock:
                body = {
                    "messages": [{"channel": m.channel, "user": m.user, "ts": m.ts} for m in self.messages],
                    "rejected": [list(r) for r in self.rejected],
                }
            return self._reply(handler, body)
        return super()._handle(handler)


@dataclass
class Record:
    messages: list[dict[str, Any]]  # channel, user (as posted to), ts
    rejected: list[tuple[str, str]]  # (method, error)


class FakeSlackProcess:
    """``FakeSlack(workspace_rate=..., channel_interval=...)`` served by a child process."""

    def __init__(self, *, workspace_rate: int | None = None, channel_interval: float | None = None) -> None:
        self.token = FakeSlack().token
        self._args = []
        if workspace_rate is not None:
            self._args += ["--workspace-rate", str(workspace_rate)]
        if channel_interval is not None:
            self._args += ["--channel-interval", str(channel_interval)]
        self._proc: subprocess.Popen[str] | None = None
        self.url = ""

    def start(self) -> FakeSlackProcess:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.slack_process", *self._args],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        self.url = self._proc.stdout.readline().strip()
        if not self.url:
            self.stop()
            raise RuntimeError("the fake Slack process did not start")
        return self

    def record(self) -> Record:
        base = self.url.rstrip("/").removesuffix("/api")
        with urllib.request.urlopen(base + RECORD_PATH, timeout=30) as response:
            body = json.load(response)
        return Record(body["messages"], [(m, e) for m, e in body["rejected"]])

    def stop(self) -> None:
        if self._proc is None:
            return
        if self._proc.stdin is not None:
            self._proc.stdin.close()  # the child serves until its standard input closes
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._proc = None


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the fake Slack Web API until stdin closes.")
    parser.add_argument("--workspace-rate", type=int)
    parser.add_argument("--channel-interval", type=float)
    args = parser.parse_args()
    # A benchmark's server: the schema check (a test's business) would take the sender's CPU here.
    fake = _RecordingFakeSlack(
        workspace_rate=args.workspace_rate, channel_interval=args.channel_interval, check_block_kit=False
    )
    fake.start()
    print(fake.url, flush=True)
    sys.stdin.read()
    fake.stop()


if __name__ == "__main__":
    main()
