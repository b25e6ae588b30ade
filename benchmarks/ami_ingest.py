"""AMI ingest: parse + normalise + state update, on one core, replaying the load capture.

Every ``recv`` chunk of the 100-call load recording goes through the same path as live
traffic: the real ``AsteriskTelephony`` over a ``CaptureLink`` (its ``AmiSession``: the
sans-IO parser and ActionID correlation), the adapter's channel index, the normaliser
(channels → calls), the call engine and the ACD in observe mode, with the clock moved to each
chunk's time. Nothing waits: the figure is how fast Switchboard can keep up, not how fast
Asterisk talked.

The peer is pyst2's own message parsing (its receive loop and ``ManagerMsg``) over the same
bytes, which does far less: no typing, no correlation, no call model.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import ami_parse
from cti.replay import Replay, read_capture


@dataclass(frozen=True, slots=True)
class IngestResult:
    events: int
    ours_per_second: float
    pyst2_per_second: float


async def _ingest(replay: Replay) -> None:
    for line in replay.lines:
        replay.play(line)  # one line at its time, without yielding to the loop
    await asyncio.sleep(0)


def _ours_once(path: Path) -> float:
    replay = Replay(read_capture(path))
    start = time.perf_counter()
    asyncio.run(_ingest(replay))
    return time.perf_counter() - start


def run(path: Path, repeat: int = 3) -> IngestResult:
    messages = sum(
        line.raw.count("\r\n\r\n") for line in read_capture(path) if line.direction == "recv"
    )
    best = min(_ours_once(path) for _ in range(repeat))
    peer = ami_parse.run(path, repeat=repeat)
    return IngestResult(messages, messages / best, float(peer["pyst2_messages_per_s"]))
