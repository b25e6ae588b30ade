"""``switchboard capture OUT.jsonl``: record a live AMI session in the format of the recorded
fixtures (``tests/fixtures/asterisk/README.md``): one JSON object per message,
``{"t": seconds since the connection opened, "dir": "recv" | "send" | "disconnect", "raw"}``,
``raw`` being exactly the text that crossed the socket, split into whole messages. The login
is written with its secret masked. The session logs in with ``Events: on`` and only listens.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import IO

import orjson

from cti.pbx.session import OneSession
from cti.settings import Settings


class _Writer:
    """Splits each direction's bytes into whole messages and writes one line per message."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out, self._start = out, time.monotonic()
        self._pending = {"recv": b"", "send": b""}
        self._banner = True
        self.lines = 0

    def __call__(self, direction: str, data: bytes) -> None:
        if direction == "disconnect":
            self._line("disconnect", "")
            return
        buffer = self._pending[direction] + data
        if direction == "recv" and self._banner and b"\r\n" in buffer:
            banner, buffer = buffer.split(b"\r\n", 1)
            self._banner = False
            self._line("recv", banner.decode(errors="replace") + "\r\n")
        while b"\r\n\r\n" in buffer:
            message, buffer = buffer.split(b"\r\n\r\n", 1)
            self._line(direction, message.decode(errors="replace") + "\r\n\r\n")
        self._pending[direction] = buffer

    def _line(self, direction: str, raw: str) -> None:
        t = round(time.monotonic() - self._start, 4)
        self._out.write(orjson.dumps({"t": t, "dir": direction, "raw": raw}) + b"\n")
        self._out.flush()
        self.lines += 1


async def record(settings: Settings, out: Path, seconds: float) -> int:
    """Listen for ``seconds``; the number of lines written."""
    with out.open("wb") as file:
        writer = _Writer(file)
        async with OneSession(settings, tap=writer) as session:
            await session.listen(seconds)
        return writer.lines
