"""A tiny fake Asterisk AMI server that replays recorded Asterisk 22 bytes.

``FakeAmi`` listens on 127.0.0.1 (port 0). For each action a client sends, it answers with
what the real Asterisk answered to the same action in a capture (taken in order, per action
name), the ActionIDs rewritten to the client's, followed by the unsolicited events Asterisk
sent before the next action. Tests can cut the socket, swallow actions, or go away entirely.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from cti.asterisk.config import AmiConfig

CAPTURES = Path(__file__).parent / "fixtures" / "asterisk"
SECRET = "s3cr3t-never-logged"
Reply = list[bytes]
DEFAULT_SUCCESS = {
    "login": "Message: Authentication accepted",
    "ping": "Ping: Pong",
    "hangup": "Message: Channel Hungup",
    "redirect": "Message: Redirect successful",
    "originate": "Message: Originate successfully queued",
}
DEFAULT_LISTS = {
    "coreshowchannels": "CoreShowChannelsComplete",
    "queuestatus": "QueueStatusComplete",
}


def load_replies(capture: str) -> dict[str, deque[tuple[str, Reply]]]:
    """Per action name, in order: (captured ActionID, what Asterisk sent back for it).

    An action's reply is every message carrying its ActionID (wherever it came in the
    capture) plus the unsolicited events that arrived between it and the next action (those
    include ``OriginateResponse`` events for the recording's traffic generator, whose
    ActionIDs are not the client's).
    """
    replies: dict[str, deque[tuple[str, Reply]]] = defaultdict(deque)
    by_id: dict[str, Reply] = {}
    current: Reply | None = None
    for line in (CAPTURES / capture).read_text().splitlines():
        record = json.loads(line)
        raw: str = record["raw"]
        headers = dict(h.split(": ", 1) for h in raw.strip().split("\r\n") if ": " in h)
        if record["dir"] == "send":
            current = by_id[headers["ActionID"]] = []
            replies[headers["Action"].lower()].append((headers["ActionID"], current))
        elif record["dir"] == "recv" and headers.get("ActionID") in by_id:
            by_id[headers["ActionID"]].append(raw.encode())
        elif record["dir"] == "recv" and current is not None and ": " in raw:  # not a banner
            current.append(raw.encode())
    return replies


def response(status: str, action_id: str, line: str) -> bytes:
    return f"Response: {status}\r\nActionID: {action_id}\r\n{line}\r\n\r\n".encode()


class FakeAmi:
    def __init__(self, capture: str = "member_management.jsonl") -> None:
        self.replies = load_replies(capture)
        self.received: list[dict[str, str]] = []
        self.raw_received = b""
        self.raw_actions: list[bytes] = []
        self.refuse: dict[str, str] = {}  # action name (lower case) -> the Message to refuse with
        self.swallow: set[str] = set()
        self.logins = 0
        self.writers: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None
        self.port = 0
        self.login_refusal: str | None = None
        self.started: str | None = None  # "YYYY-MM-DD HH:MM:SS": CoreStatus answers with it

    async def start(self, port: int = 0) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop listening and cut every connection: the PBX is gone."""
        if self.server is not None:
            self.server.close()
        self.cut()
        if self.server is not None:
            await self.server.wait_closed()
            self.server = None

    def cut(self) -> None:
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()

    def config(self, **overrides: Any) -> AmiConfig:
        return AmiConfig(port=self.port, user="cti", secret=SecretStr(SECRET), **overrides)

    def sent(self, name: str) -> list[dict[str, str]]:
        return [a for a in self.received if a["Action"].lower() == name.lower()]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        writer.write(b"Asterisk Call Manager/11.0.0\r\n")
        buffer = b""
        try:
            while data := await reader.read(4096):
                self.raw_received += data
                buffer += data
                while b"\r\n\r\n" in buffer:
                    raw, buffer = buffer.split(b"\r\n\r\n", 1)
                    self.raw_actions.append(raw + b"\r\n\r\n")
                    action = dict(h.split(": ", 1) for h in raw.decode().split("\r\n"))
                    writer.write(self._answer(action))
                    self.received.append(action)
        except OSError:
            pass
        finally:
            writer.transport.abort()

    def _answer(self, action: dict[str, str]) -> bytes:
        name, action_id = action["Action"].lower(), action["ActionID"]
        if name in self.swallow:
            return b""
        if name in self.refuse:
            return response("Error", action_id, f"Message: {self.refuse[name]}")
        if name == "login":
            self.logins += 1
            if self.login_refusal:
                return response("Error", action_id, f"Message: {self.login_refusal}")
        if name == "corestatus" and self.started is not None:
            date, time = self.started.split()
            status = f"CoreStartupDate: {date}\r\nCoreStartupTime: {time}\r\n"
            status += f"CoreReloadDate: {date}\r\nCoreReloadTime: {time}\r\nCoreCurrentCalls: 0"
            return response("Success", action_id, status)
        queue = self.replies.get(name)
        if not queue:
            if name in DEFAULT_SUCCESS:
                return response("Success", action_id, DEFAULT_SUCCESS[name])
            if name in DEFAULT_LISTS:
                complete = f"Event: {DEFAULT_LISTS[name]}\r\nActionID: {action_id}\r\n"
                complete += "EventList: Complete\r\nListItems: 0\r\n\r\n"
                return response("Success", action_id, "EventList: start") + complete.encode()
            return response("Error", action_id, "Message: Invalid/unknown command")
        own, reply = queue.popleft()
        old, new = f"ActionID: {own}\r\n".encode(), f"ActionID: {action_id}\r\n".encode()
        return b"".join(raw.replace(old, new) for raw in reply)


async def eventually(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until ``predicate()`` holds, polling; fail after ``timeout`` seconds."""

    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), timeout)


@asynccontextmanager
async def fake_ami(capture: str = "member_management.jsonl") -> AsyncIterator[FakeAmi]:
    fake = FakeAmi(capture)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()
