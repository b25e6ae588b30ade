"""Replay a recorded AMI session through the real adapter core and the real call engine.

A capture (``tests/fixtures/asterisk/*.jsonl``) is what Asterisk and a client said, line by
line. ``replay()`` feeds each ``recv`` line's bytes, as captured, through ``AmiProtocol`` and
a ``Correlator`` (the ActionIDs of the ``send`` lines are registered, so EventList responses
come back whole), then the ``AmiNormaliser``, into a ``CallCentre`` in observe mode on a
``ManualClock`` moved to each line's time. Its call log is one ``CallLogLine`` per inbound
queue leg, the same things ``queue_log`` records.

- Times are epoch seconds: a capture's ``t`` counts from its start, and the offset comes from
  the data (the ``EventTV`` of ``SuccessfulAuth``, else a Uniqueid's creation second).
- A ``disconnect`` line starts a new connection; a ``CoreShowChannels`` sent right before a
  ``QueueStatus`` is a resync, handed to ``normaliser.resync()`` when both results are in.
- The engine refusing an event (its ACD disagrees with the PBX, after an outage with no
  resync) is kept in ``refusals``; a capture replayed whole has none.
- The CRM lookup finds nobody (no database); queues are the ones the capture names, with no
  wrap-up of their own (Asterisk's app_queue owns wrap-up in observe mode).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import orjson
import structlog

from acd.agents import Agent
from acd.errors import IllegalStateChange
from acd.model import QueueConfig
from cti.asterisk import fields
from cti.asterisk.ami import ActionResult, AmiProtocol, Correlator, Event, ProtocolViolation
from cti.asterisk.ami.messages import BANNER_PREFIX
from cti.asterisk.normalise import AmiNormaliser
from cti.asterisk.replay_log import CallLogLine, CaptureLine, Recorder, ReplayPort, log_line
from cti.calls.model import Call
from cti.calls.service import CallCentre
from cti.clock import ManualClock
from cti.crm.cards import CallerLookup
from cti.errors import SwitchboardError
from cti.telephony import events as ev

__all__ = ["CallLogLine", "CaptureLine", "Replay", "read_capture", "replay"]

log = structlog.get_logger(__name__)

_QUEUE = re.compile(r"\r\nQueue: ([^\r\n]+)")
_EVENT_TV = re.compile(r"\r\nEventTV: ([^\r\n]+)")
_UNIQUEID = re.compile(r"\r\nUniqueid: (?:[^\r\n]*-)?(\d{9,})\.\d+")
_BANNER = BANNER_PREFIX.encode()


class BadCapture(SwitchboardError):
    error_id = "bad-capture"


DIRECTIONS = ("recv", "send", "disconnect")


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


def replay(capture: Path) -> list[CallLogLine]:
    """The call log of one capture (runs its own event loop)."""
    return asyncio.run(Replay(read_capture(capture)).run()).log


async def _nobody(number: str | None) -> CallerLookup:
    return CallerLookup(number, number, number is None, ())


class Replay:
    """One run of a capture; after ``run()`` it holds what a user would have seen."""

    def __init__(self, lines: Sequence[CaptureLine]) -> None:
        self.lines = lines
        self.offset = epoch_offset(lines)
        self.clock = ManualClock(self.offset + (lines[0].t if lines else 0.0))
        self.port = ReplayPort()
        self.recorder = Recorder(self.clock)
        self.normaliser = AmiNormaliser()
        queues = [QueueConfig(name, label=name) for name in sorted(queue_names(lines))]
        self.centre = CallCentre(
            self.clock, self.port, queues, self.recorder, _nobody, self._leg_done, routing=False
        )
        self.log: list[CallLogLine] = []
        self.legs: list[Call] = []
        self.events: list[tuple[float, ev.TelephonyEvent]] = []
        self.violations: list[ProtocolViolation] = []
        self.refusals: list[tuple[float, ev.TelephonyEvent, str]] = []  # see _deliver
        self.resyncs: list[tuple[ActionResult, ActionResult, float]] = []  # what resync() got
        self._protocol: AmiProtocol | None = None
        self._correlator = Correlator()
        self._sent: dict[str, str] = {}  # ActionID -> action name
        self._last_sent = ""
        self._pairs: dict[str, str] = {}  # QueueStatus ActionID -> CoreShowChannels ActionID
        self._results: dict[str, ActionResult] = {}

    async def run(self) -> Replay:
        for line in self.lines:
            self.clock.advance_to(self.offset + line.t)
            self._line(line)
            await asyncio.sleep(0)  # the CRM lookups complete, then their pops go out
            await asyncio.sleep(0)
        return self

    def agent_at(self, agent_id: str, when: float) -> Agent | None:
        """The ACD's view of an agent at ``when`` (epoch seconds)."""
        return self.recorder.agent_at(agent_id, when)

    def _line(self, line: CaptureLine) -> None:
        if line.direction == "send":
            self._send(line.raw)
        elif line.direction == "disconnect":
            self._disconnect()
        elif line.direction == "recv":
            self._recv(line.raw.encode())

    def _send(self, raw: str) -> None:
        headers = dict(part.split(": ", 1) for part in raw.split("\r\n") if ": " in part)
        action, action_id = headers.get("Action", ""), headers.get("ActionID")
        if not action_id or action_id in self._correlator:
            return
        self._correlator.register(action_id)
        self._sent[action_id] = action.lower()
        after_channels = self._sent.get(self._last_sent) == "coreshowchannels"
        if action.lower() == "queuestatus" and after_channels:
            self._pairs[action_id] = self._last_sent
        self._last_sent = action_id

    def _disconnect(self) -> None:
        if self._protocol is not None:
            self._protocol.receive_eof()
            self._drain()
        self._protocol = None
        self._correlator.fail_all()

    def _recv(self, data: bytes) -> None:
        if self._protocol is None:
            self._protocol = AmiProtocol(expect_banner=data.startswith(_BANNER))
        self._protocol.receive_data(data)
        self._drain()

    def _drain(self) -> None:
        assert self._protocol is not None
        now = self.clock.now()
        for item in self._protocol.messages_received():
            got = self._correlator.feed(item)
            if isinstance(got, Event):
                self._deliver(self.normaliser.feed(got, now))
            elif isinstance(got, ActionResult):
                self._result(got, now)
            elif isinstance(got, ProtocolViolation):
                self.violations.append(got)

    def _result(self, result: ActionResult, now: float) -> None:
        channels_id = self._pairs.pop(result.action_id, None)
        if result.action_id in self._pairs.values():
            self._results[result.action_id] = result
        if channels_id is not None and channels_id in self._results:
            channels = self._results.pop(channels_id)
            self.resyncs.append((channels, result, now))
            self._deliver(self.normaliser.resync(channels, result, now))
        else:
            self._deliver(self.normaliser.feed(result, now))

    def _deliver(self, events: Iterable[ev.TelephonyEvent]) -> None:
        now = self.clock.now()
        for event in events:
            self.events.append((now, event))
            try:
                self.port.emit(event)
            except IllegalStateChange as exc:
                # The ACD's agent disagrees with the PBX (a call end lost in an outage that was
                # never caught up on): the call is followed, the agent's view is left as is.
                self.refusals.append((now, event, exc.message))
                log.warning(
                    "replay_engine_refused", domain_event=type(event).__name__, error=exc.message
                )

    def _leg_done(self, call: Call, lookup: CallerLookup | None) -> None:
        self.legs.append(call)
        line = log_line(call)
        if line is not None:
            self.log.append(line)


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
    return {m for line in lines if line.direction == "recv" for m in _QUEUE.findall(line.raw)}
