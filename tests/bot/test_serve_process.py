"""``salesbot serve`` as a platform runs it: a real process answering signed requests on a port, its work
done by a work process of its own, and SIGTERM stopping both cleanly with exit code 0."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack_api import FakeSlack

ROOT = Path(__file__).resolve().parents[2]
SECRET = "serve-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def work_processes(pid: int) -> list[int]:
    """The children of ``pid`` that multiprocessing spawned to run a target (not its resource tracker)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    found = []
    for child in path.read_text().split() if path.exists() else []:
        with open(f"/proc/{child}/cmdline", "rb") as cmdline:
            if b"spawn_main" in cmdline.read():
                found.append(int(child))
    return found


def work_state(port: int) -> dict[str, object] | None:
    """``/healthz``'s report of the work process, once the server answers."""
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        return json.loads(response.read())["work"] if response.status == 200 else None
    except OSError:
        return None


def click(port: int, user: str) -> int:
    payload = {
        "type": "block_actions",
        "team": {"id": "T0001"},
        "user": {"id": user},
        "channel": {"id": "D" + user[1:]},
        "container": {"type": "message", "message_ts": "1700000000.000001"},
        "actions": [{"action_id": "digest.complete", "block_id": "a:task:t1", "value": "task:t1"}],
    }
    body = urlencode({"payload": json.dumps(payload)})
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body),
    }
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", "/slack/events", body=body, headers=headers)
    return connection.getresponse().status


def test_serve_answers_hands_the_work_over_and_stops_on_sigterm(db_url: str, slack: FakeSlack) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "HUBSPOT_", "OPENAI_"))},
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.url,
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "bot.cli.main", "--database-url", db_url, "serve"]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (state := work_state(port)) or not state["ready"]:  # processes starting, not a clock
            assert server.poll() is None, server.communicate()[1]
            assert time.monotonic() < deadline, "salesbot serve did not start"
            time.sleep(0.05)
        [work] = work_processes(server.pid)
        assert state == {"pid": work, "ready": True, "starts": 1, "given_up": False}

        assert click(port, "UNOBODY") == 200

        while not slack.calls("chat.postEphemeral"):  # the work process tells the unlinked user
            assert slack.received.wait(30), "the work after the ack never reached Slack"
            slack.received.clear()
        [told] = slack.calls("chat.postEphemeral")
        assert "not linked" in str(told.params["text"]) and told.params["user"] == "UNOBODY"
        assert work_processes(server.pid) == [work]

        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert server.returncode == 0, err
    assert "signal 15: stopping" in err and "Traceback" not in err and " ERROR " not in err
    assert not Path(f"/proc/{work}").exists()  # the work process stopped with it (and was reaped)
