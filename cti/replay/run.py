"""Replay a recorded AMI session through the real adapter and the real call engine.

A capture (``tests/fixtures/asterisk/*.jsonl``, see ``cti.asterisk.capture``) is what
Asterisk and a client said. ``Replay`` builds the ``AsteriskTelephony`` the server builds
(``build_adapter``), over a ``CaptureLink`` in place of the socket client, and a
``CallCentre`` in observe mode on it; then it plays the capture line by line on the link's
``ManualClock``. So every byte goes through the same session, channel index, connect-outcome
handling, normaliser and resync as live traffic. The call log is one ``CallLogLine`` per
inbound queue leg, the same things ``queue_log`` records.

- Times are epoch seconds: a capture's ``t`` counts from its start, and the offset comes from
  the data (the ``EventTV`` of ``SuccessfulAuth``, else a Uniqueid's creation second).
- After each login the adapter resyncs, as live: its ``CoreShowChannels`` and
  ``QueueStatus`` get the answers the capture recorded, if the capture has them there
  (``resyncs``); a capture that did not resync there gives the adapter nothing to resync by.
- The engine refusing an event (its ACD disagrees with the PBX, after an outage with no
  resync) is kept in ``refusals``; a capture replayed whole has none.
- The CRM lookup finds nobody (no database); queues are the ones the capture names, with no
  wrap-up of their own (Asterisk's app_queue owns wrap-up in observe mode).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from itertools import pairwise
from pathlib import Path

from acd.agents import Agent
from acd.model import QueueConfig
from cti.asterisk.adapter import AsteriskTelephony, Dialplan, build_adapter
from cti.asterisk.ami import ActionResult, ProtocolViolation
from cti.asterisk.capture import CaptureLine, queue_names, read_capture
from cti.asterisk.capture_link import CaptureLink
from cti.asterisk.config import AmiConfig
from cti.calls.model import Call
from cti.calls.service import CallCentre
from cti.crm.cards import CallerLookup
from cti.replay.observers import CallLogLine, Recorder, WatchedPort, log_line
from cti.telephony.port import PortEvent

#: How the recordings' Asterisk was set up (``tests/fixtures/asterisk/config``).
RECORDED_CONFIG = AmiConfig(user="cti", inbound_contexts=("inbound",))
RECORDED_DIALPLAN = Dialplan(
    agent_channel="Local/{agent}@agents",
    customer_dial="Local/{number}@callers",
    member_interface="Local/{agent}@agents/n",
    member_state_interface="Local/{agent}@agents",
    queue_context="inbound",
    outbound_context="callers",
    agent_context="agents",
)


def replay(capture: Path) -> list[CallLogLine]:
    """The call log of one capture (runs its own event loop)."""
    return asyncio.run(Replay(read_capture(capture)).run()).log


async def _nobody(number: str | None) -> CallerLookup:
    return CallerLookup(number, number, number is None, ())


class Replay:
    """One run of a capture; after ``run()`` it holds what a user would have seen."""

    def __init__(
        self,
        lines: Sequence[CaptureLine],
        *,
        config: AmiConfig = RECORDED_CONFIG,
        dialplan: Dialplan = RECORDED_DIALPLAN,
    ) -> None:
        self.lines = lines
        self.link = CaptureLink(lines)
        self.offset = self.link.offset
        self.clock = self.link.clock
        self.adapter: AsteriskTelephony = build_adapter(
            config, self.link, self.clock, dialplan=dialplan
        )
        self.port = WatchedPort(self.adapter, self.clock)
        self.recorder = Recorder(self.clock)
        queues = [QueueConfig(name, label=name) for name in sorted(queue_names(lines))]
        self.centre = CallCentre(
            self.clock, self.port, queues, self.recorder, _nobody, self._leg_done, routing=False
        )
        self.log: list[CallLogLine] = []
        self.legs: list[Call] = []
        #: One line onto the link at its time, without yielding to the loop (benchmarks).
        self.play: Callable[[CaptureLine], None] = self.link.play

    async def run(self) -> Replay:
        await self.adapter.start()
        for line in self.lines:
            self.link.play(line)
            await asyncio.sleep(0)  # the CRM lookups complete, then their pops go out
            await asyncio.sleep(0)
        await self.adapter.stop()
        return self

    @property
    def events(self) -> list[tuple[float, PortEvent]]:
        """Every domain event the adapter emitted, with the clock's time."""
        return self.port.events

    @property
    def refusals(self) -> list[tuple[float, PortEvent, str]]:
        return self.port.refusals

    @property
    def violations(self) -> list[ProtocolViolation]:
        return self.link.violations

    @property
    def resyncs(self) -> list[tuple[ActionResult, ActionResult, float]]:
        """Each resync the adapter made: the two results ``normaliser.resync()`` got, and when.

        The adapter asks ``CoreShowChannels`` then ``QueueStatus`` and resyncs with both as
        soon as the second is answered, so each answered pair is one resync.
        """
        answered = self.link.answered
        return [
            (channels, queues, at)
            for (_, first, channels), (at, second, queues) in pairwise(answered)
            if first.name == "CoreShowChannels" and second.name == "QueueStatus"
        ]

    def agent_at(self, agent_id: str, when: float) -> Agent | None:
        """The ACD's view of an agent at ``when`` (epoch seconds)."""
        return self.recorder.agent_at(agent_id, when)

    def _leg_done(self, call: Call, lookup: CallerLookup | None) -> None:
        self.legs.append(call)
        line = log_line(call)
        if line is not None:
            self.log.append(line)
