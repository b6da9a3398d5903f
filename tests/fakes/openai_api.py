"""A local HTTP server speaking enough of the OpenAI chat completions API for the real ``ChatOpenAI``.

``POST /v1/chat/completions`` answers with ``chat.completion`` JSON. Every request is recorded (``requests``,
the parsed JSON bodies, and ``raw``, the bytes) so tests can search what the model would have received.
Queue what the next calls get with ``answer(obj)`` (``message.content`` is ``obj`` as JSON, as in
``json_schema`` mode), ``refuse(text)`` (``message.refusal``), ``fail(status)`` (an error body; 429 with
``Retry-After: 0``), ``malformed()`` (content that is not JSON) and ``hang(seconds)``. With nothing queued
it echoes: the summary quotes the user message and the risks cite every activity id it was given plus an
invented one.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    kind: str  # "answer" | "refuse" | "fail" | "malformed" | "hang"
    body: Any = None
    status: int = 200
    seconds: float = 0.0


def echo_answer(request: dict[str, Any]) -> dict[str, Any]:
    user = next((m["content"] for m in request.get("messages", []) if m.get("role") == "user"), "")
    text = user if isinstance(user, str) else json.dumps(user)
    ids = re.findall(r'<activity id="([^"]+)"', text)
    return {
        "summary": "Echo: " + text[-900:],
        "risks": [
            {"title": "Budget unclear", "detail": "Seen in the data.", "activity_ids": [*ids, "invented-id"]}
        ],
        "buyer_goals": [{"goal": "Roll out quickly", "activity_ids": ids[:2]}],
    }


class FakeOpenAI:
    def __init__(self, model: str = "fake-model") -> None:
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    # --- scripting ---------------------------------------------------------------------------------------

    def answer(self, obj: dict[str, Any]) -> None:
        self._queue.append(Reply("answer", obj))

    def refuse(self, text: str = "I can't help with that.") -> None:
        self._queue.append(Reply("refuse", text))

    def fail(self, status: int = 500, times: int = 1) -> None:
        for _ in range(times):
            self._queue.append(Reply("fail", status=status))

    def malformed(self) -> None:
        self._queue.append(Reply("malformed", '{"summary": "cut off'))

    def hang(self, seconds: float = 5.0, times: int = 1) -> None:
        for _ in range(times):
            self._queue.append(Reply("hang", seconds=seconds))

    def all_requests_text(self) -> str:
        return "\n".join(raw.decode("utf-8", "replace") for raw in self.raw)

    # --- serving -----------------------------------------------------------------------------------------

    def _next(self) -> Reply | None:
        with self._lock:
            return self._queue.popleft() if self._queue else None

    def _completion(self, message: dict[str, Any], finish: str = "stop") -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = json.loads(raw or b"{}")
                with fake._lock:
                    fake.raw.append(raw)
                    fake.requests.append(request)
                if not self.path.endswith("/chat/completions"):
                    self._send(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
                    return
                reply = fake._next()
                if reply is None:
                    content = json.dumps(echo_answer(request))
                    self._send(200, fake._completion({"role": "assistant", "content": content}))
                elif reply.kind == "answer":
                    content = json.dumps(reply.body)
                    self._send(200, fake._completion({"role": "assistant", "content": content}))
                elif reply.kind == "malformed":
                    self._send(200, fake._completion({"role": "assistant", "content": reply.body}))
                elif reply.kind == "refuse":
                    message = {"role": "assistant", "content": None, "refusal": reply.body}
                    self._send(200, fake._completion(message))
                elif reply.kind == "fail":
                    headers = {"Retry-After": "0"} if reply.status == 429 else {}
                    error = {"message": "fake failure", "type": "server_error", "code": None}
                    self._send(reply.status, {"error": error}, headers)
                else:  # hang past the client's timeout, then give up without answering
                    fake._release.wait(reply.seconds)

        return Handler
