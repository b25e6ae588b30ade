"""An AMI capture: what Asterisk and a client said, one JSON line each, read and checked.

``tests/fixtures/asterisk/README.md`` describes the format: ``t`` (seconds since the capture
started), ``dir`` (``recv``, ``send`` or ``disconnect``) and ``raw`` (the text that crossed
the socket). ``CaptureLink`` plays one back as the adapter's link.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import orjson

from cti.asterisk import fields
from cti.errors import SwitchboardError

DIRECTIONS = ("recv", "send", "disconnect")

_QUEUE = re.compile(r"\r\nQueue: ([^\r\n]+)")
_EVENT_TV = re.compile(r"\r\nEventTV: ([^\r\n]+)")
_UNIQUEID = re.compile(r"\r\nUniqueid: (?:[^\r\n]*-)?(\d{9,})\.\d+")


class BadCapture(SwitchboardError):
    error_id = "bad-capture"


@dataclass(frozen=True, slots=True)
class CaptureLine:
    t: float  # seconds since the capture started
    direction: str  # "recv" | "send" | "disconnect"
    raw: str


def read_capture(path: Path) -> list[CaptureLine]:
    """Every line of a capture, checked: a bad one is named by file, line and field."""
    with path.open("rb") as capture:
        return [
            _capture_line(path, number, line)
            for number, line in enumerate(capture, 1)
            if line.strip()
        ]


def _capture_line(path: Path, number: int, line: bytes) -> CaptureLine:
    where = f"{path}:{number}"
    try:
        row = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise BadCapture(f"{where}: not JSON ({exc})", details={"line": number}) from None
    if not isinstance(row, dict):
        raise BadCapture(f"{where}: expected an object", details={"line": number})
    t, direction, raw = row.get("t"), row.get("dir"), row.get("raw")
    if not isinstance(t, int | float) or isinstance(t, bool) or t < 0:
        raise BadCapture(f"{where}: field 't' must be seconds ≥ 0", details={"field": "t"})
    if direction not in DIRECTIONS:
        message = f"{where}: field 'dir' must be one of {', '.join(DIRECTIONS)}"
        raise BadCapture(message, details={"field": "dir"})
    if not isinstance(raw, str):
        raise BadCapture(f"{where}: field 'raw' must be text", details={"field": "raw"})
    return CaptureLine(float(t), direction, raw)


def epoch_offset(lines: Iterable[CaptureLine]) -> float:
    """Epoch seconds at ``t = 0``: from ``EventTV`` (ms), else a Uniqueid (whole seconds)."""
    fallback: float | None = None
    for line in lines:
        if line.direction != "recv":
            continue
        if (stamp := _EVENT_TV.search(line.raw)) and (when := fields.event_time(stamp[1])):
            return when - line.t
        if fallback is None and (uniqueid := _UNIQUEID.search(line.raw)):
            fallback = float(uniqueid[1]) + 0.5 - line.t
    return fallback or 0.0


def queue_names(lines: Iterable[CaptureLine]) -> set[str]:
    """Every queue the PBX named in the capture."""
    return {m for line in lines if line.direction == "recv" for m in _QUEUE.findall(line.raw)}
