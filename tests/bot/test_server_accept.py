"""``bot.server.create_server``: a turn of waitress's loop takes every connection waiting, not one."""

from __future__ import annotations

import socket

from bot.server import ACCEPT_AT_ONCE, create_server


def _app(environ: dict[str, object], start_response: object) -> list[bytes]:  # never called here
    raise AssertionError("no request is sent")


def test_one_turn_accepts_every_waiting_connection() -> None:
    server = create_server(_app, host="127.0.0.1", port=0, threads=1)
    port = server.socket.getsockname()[1]
    clients = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(ACCEPT_AT_ONCE + 6)]
    try:
        before = len(server._map)
        server.handle_accept()  # one turn: as many as it takes at once
        assert len(server._map) - before == ACCEPT_AT_ONCE
        server.handle_accept()  # the rest, then nothing waiting: the turn ends without blocking
        assert len(server._map) - before == ACCEPT_AT_ONCE + 6
        server.handle_accept()
        assert len(server._map) - before == ACCEPT_AT_ONCE + 6
    finally:
        for client in clients:
            client.close()
        for channel in list(server._map.values()):
            channel.close()
        server.task_dispatcher.shutdown()
