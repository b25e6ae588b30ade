"""How fast the AMI core parses recorded Asterisk traffic, next to pyst2 on the same bytes.

``run(capture)`` measures, in one process and one run, best of ``repeat``:

- ``ours``: ``AmiProtocol`` fed the ``recv`` bytes in ``chunk_size`` chunks (as a socket
  hands them over), draining ``messages_received()`` after each chunk;
- ``ours_with_reads``: the same, reading five headers of every event the way the adapter
  does (``Uniqueid``, ``Channel``, ``Linkedid``, ``Queue``, ``CallerIDNum``);
- ``pyst2``: pyst2's own path for the same bytes: lines as its socket file yields them,
  decoded with ``utf8``/``ignore`` as ``Manager._receive_data`` does, grouped at the blank
  line, each group parsed by ``asterisk.manager.ManagerMsg``;
- ``pyst2_manager_msg_only``: ``ManagerMsg`` alone, on lines split beforehand.

Nothing runs at import. Results are messages per second; ``ratio`` is ours over pyst2.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from pathlib import Path

from asterisk.manager import ManagerMsg

from cti.asterisk.ami import AmiProtocol, Event

DEFAULT_CAPTURE = Path(__file__).parents[1] / "tests/fixtures/asterisk/load_seed7.jsonl"
READS = ("Uniqueid", "Channel", "Linkedid", "Queue", "CallerIDNum")
TARGET_EVENTS_PER_S = 50_000  # what the adapter must sustain on one core, header reads included


def _connections(capture_path: Path) -> list[bytes]:
    """The bytes Asterisk sent, one entry per TCP connection."""
    streams = [bytearray()]
    for line in capture_path.read_text().splitlines():
        record = json.loads(line)
        if record["dir"] == "disconnect":
            streams.append(bytearray())
        elif record["dir"] == "recv":
            streams[-1] += record["raw"].encode()
    return [bytes(s) for s in streams if s]


def _ours(streams: list[bytes], chunk_size: int, reads: tuple[str, ...]) -> int:
    count = 0
    for data in streams:
        protocol = AmiProtocol()
        for start in range(0, len(data), chunk_size):
            protocol.receive_data(data[start : start + chunk_size])
            for message in protocol.messages_received():
                count += 1
                if reads and type(message) is Event:
                    get = message.headers.get
                    for name in reads:
                        get(name)
    return count


def _pyst2(streams: list[bytes]) -> int:
    count = 0
    for data in streams:
        lines: list[str] = []
        for raw in io.BytesIO(data):
            line = raw.decode("utf8", "ignore")
            if line == "\r\n":
                if lines:
                    ManagerMsg(lines)
                    count += 1
                    lines = []
            elif "/" in line and ":" not in line and count == 0 and not lines:
                count += 1  # the banner, which pyst2 handles outside ManagerMsg
            else:
                lines.append(line)
    return count


def _pre_split(streams: list[bytes]) -> list[list[str]]:
    groups: list[list[str]] = []
    for data in streams:
        body = data.decode("utf8", "ignore").split("\r\n", 1)[1]
        for message in body.split("\r\n\r\n")[:-1]:
            groups.append([f"{line}\r\n" for line in message.split("\r\n")])
    return groups


def _manager_msg_only(groups: list[list[str]]) -> int:
    for lines in groups:
        ManagerMsg(lines)
    return len(groups)


def _rate(work: Callable[[], int], repeat: int) -> tuple[int, float]:
    best, count = float("inf"), 0
    for _ in range(repeat):
        started = time.perf_counter()
        count = work()
        best = min(best, time.perf_counter() - started)
    return count, count / best


def run(
    capture_path: Path = DEFAULT_CAPTURE, *, chunk_size: int = 4096, repeat: int = 5
) -> dict[str, float]:
    """Messages per second for each contender, on ``capture_path``'s ``recv`` bytes."""
    streams = _connections(capture_path)
    groups = _pre_split(streams)
    messages, ours = _rate(lambda: _ours(streams, chunk_size, ()), repeat)
    _, ours_reads = _rate(lambda: _ours(streams, chunk_size, READS), repeat)
    pyst2_messages, pyst2 = _rate(lambda: _pyst2(streams), repeat)
    _, manager_msg = _rate(lambda: _manager_msg_only(groups), repeat)
    return {
        "messages": messages,
        "pyst2_messages": pyst2_messages,
        "bytes": sum(map(len, streams)),
        "chunk_size": chunk_size,
        "ours_messages_per_s": ours,
        "ours_with_reads_messages_per_s": ours_reads,
        "pyst2_messages_per_s": pyst2,
        "pyst2_manager_msg_only_per_s": manager_msg,
        "ratio": ours / pyst2,
        "ratio_with_reads": ours_reads / pyst2,
        "target_messages_per_s": TARGET_EVENTS_PER_S,
    }
