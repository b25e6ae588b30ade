"""A client's malformed websocket frame, against the real server (real uvicorn): the socket is
closed with 1007 and the log gets one line, not a traceback a client could repeat at will.
And a message that meets a database outage gets an error reply and costs one line."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi import WebSocketDisconnect
from sqlalchemy.exc import OperationalError
from structlog.testing import capture_logs

from cti.server import ws
from tests.server_process import Server, serve
from tests.support import bearer

INVALID_DATA = 1007


def _open(server: Server, token: str) -> socket.socket:
    host, port = server.base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /ws/agent HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Protocol: {', '.join(bearer(token))}\r\n\r\n"
        ).encode()
    )
    return sock


def _text_frame(payload: bytes) -> bytes:
    """One masked, final text frame (client frames must be masked)."""
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + mask + masked


def _close_code(sock: socket.socket) -> int | None:
    """Read until the server's close frame; its status code."""
    data = b""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
        at = data.find(b"\x88\x02")
        if at >= 0 and len(data) >= at + 4:
            return int(struct.unpack("!H", data[at + 2 : at + 4])[0])
    return None


def test_an_invalid_utf8_text_frame_closes_the_socket_with_1007_and_logs_one_line(
    tmp_path: Path,
) -> None:
    with serve(tmp_path, f"sqlite:///{tmp_path / 'ws.db'}") as server:
        token = server.token("agent01")
        for _ in range(3):
            sock = _open(server, token)
            with sock:
                assert sock.recv(4096).startswith(b"HTTP/1.1 101")
                sock.sendall(_text_frame(b'\xff\xfe{"type":"ping"}'))
                assert _close_code(sock) == INVALID_DATA
        time.sleep(0.5)
        log = server.log_text()
    assert "Traceback" not in log and "UnicodeDecodeError" not in log
    lines = [line for line in log.splitlines() if "Invalid UTF-8" in line]
    assert len(lines) == 3, log[-2000:]


class _Socket:
    """The two calls ``_receive_loop`` makes on a websocket: one message, then a hang-up."""

    def __init__(self, *texts: str) -> None:
        self.inbox = [{"type": "websocket.receive", "text": t} for t in texts]
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        return self.inbox.pop(0) if self.inbox else {"type": "websocket.disconnect", "code": 1000}

    async def send_text(self, text: str) -> None:
        self.sent.append(json.loads(text))


async def test_a_database_outage_during_a_message_answers_an_error_and_logs_one_line() -> None:
    async def needs_the_database(raw: str) -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    sock = _Socket('{"type": "ping"}')
    with capture_logs() as logs, pytest.raises(WebSocketDisconnect):
        await ws.receive_loop(sock, needs_the_database)  # type: ignore[arg-type]
    assert [m["error_id"] for m in sock.sent] == ["database-unavailable"]
    assert [entry["event"] for entry in logs] == ["websocket.database_unavailable"]
    assert "exc_info" not in logs[0]
