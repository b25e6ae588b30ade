"""What a replay reads and what it writes: capture lines, call-log lines, and the stand-ins
for the telephony port and the notifier that record what the engine did."""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from acd.agents import Agent
from cti.calls.model import Call
from cti.clock import Clock
from cti.crm.cards import CallerLookup
from cti.crm.models import Outcome
from cti.telephony import events as ev
from cti.telephony.commands import Command
from cti.telephony.port import EventHandler


@dataclass(frozen=True, slots=True)
class CaptureLine:
    t: float  # seconds since the capture started
    direction: str  # "recv" | "send" | "disconnect"
    raw: str


@dataclass(frozen=True, slots=True)
class CallLogLine:
    """One inbound queue leg, as ``queue_log`` would have it. Times are epoch seconds."""

    call_id: str
    caller_number: str | None
    caller_name: str | None
    queue: str
    entered_at: float
    outcome: Outcome
    agent: str | None  # the member who answered, if anyone did
    rang_no_answer: tuple[str, ...]
    wait_seconds: float
    talk_seconds: float | None
    ivr: tuple[tuple[str, str], ...]  # the call variables (IVR_*, CRM_*, QUEUE_SELECTED...)
    leg: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id,
            "leg": self.leg,
            "caller_number": self.caller_number,
            "caller_name": self.caller_name,
            "queue": self.queue,
            "entered_at": round(self.entered_at, 3),
            "outcome": self.outcome.value,
            "agent": self.agent,
            "rang_no_answer": list(self.rang_no_answer),
            "wait_seconds": round(self.wait_seconds, 3),
            "talk_seconds": None if self.talk_seconds is None else round(self.talk_seconds, 3),
            "ivr": dict(self.ivr),
        }


def log_line(call: Call) -> CallLogLine | None:
    """The log line of a finished leg; None unless it was an inbound leg that queued."""
    if call.direction is not ev.Direction.INBOUND or call.queue is None or call.queued_at is None:
        return None
    if call.outcome is None:
        return None
    return CallLogLine(
        call.call_id,
        call.caller_number,
        call.caller_name,
        call.queue,
        call.queued_at,
        call.outcome,
        call.agent_id if call.answered_at is not None else None,
        call.rang_agents,
        call.wait_seconds or 0.0,
        call.talk_seconds,
        call.variables,
        call.leg,
    )


class ReplayPort:
    """The telephony port of a replay: events come from the capture; commands are kept."""

    def __init__(self) -> None:
        self._handlers: list[EventHandler] = []
        self.commands: list[Command] = []

    @property
    def connected(self) -> bool:
        return True  # a capture is a connection played back

    def subscribe(self, handler: EventHandler) -> None:
        self._handlers.append(handler)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def execute(self, command: Command) -> str | None:
        self.commands.append(command)
        return None

    def dispatch(self, command: Command) -> None:
        self.commands.append(command)

    def emit(self, event: ev.TelephonyEvent) -> None:
        for handler in self._handlers:
            handler(event)


@dataclass(frozen=True, slots=True)
class Pop:
    """A screen-pop as the agent saw it."""

    at: float
    agent_id: str
    call_id: str
    caller_number: str | None
    variables: tuple[tuple[str, str], ...]


class Recorder:
    """A notifier that remembers, with the clock's time, what agents would have seen."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.pops: list[Pop] = []
        self.changes: list[tuple[float, str, str, str]] = []  # at, agent, call, change
        self.failures: list[ev.CommandFailed] = []
        self._agents: dict[str, list[tuple[float, Agent]]] = defaultdict(list)

    def pop(self, agent_id: str, call: Call, lookup: CallerLookup | None) -> None:
        now = self.clock.now()
        self.pops.append(Pop(now, agent_id, call.call_id, call.caller_number, call.variables))

    def call_changed(self, agent_id: str, call: Call, change: str) -> None:
        self.changes.append((self.clock.now(), agent_id, call.call_id, change))

    def agent_changed(self, agent: Agent) -> None:
        self._agents[agent.agent_id].append((self.clock.now(), agent))

    def queue_changed(self, queue: str) -> None:
        return None

    def command_failed(self, event: ev.CommandFailed) -> None:
        self.failures.append(event)

    def agent_at(self, agent_id: str, when: float) -> Agent | None:
        history = self._agents.get(agent_id, [])
        at = bisect.bisect_right([t for t, _ in history], when)
        return history[at - 1][1] if at else None
