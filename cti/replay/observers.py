"""What a replay watches with, and what it writes.

- ``WatchedPort``: the real adapter, as the call engine sees it, with the commands the
  engine gave it, the domain events it passed on and the events the engine refused kept;
- ``Recorder``: a notifier that remembers what agents would have seen (pops, call changes,
  their state over time);
- ``CallLogLine``: what a finished inbound queue leg becomes, as ``queue_log`` has it.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import structlog

from acd.agents import Agent
from acd.commands import PhoneFailed
from acd.errors import IllegalStateChange
from cti.calls.model import Call
from cti.clock import Clock
from cti.crm.cards import CallerLookup
from cti.crm.external import ExternalLookup
from cti.crm.models import Outcome
from cti.telephony import events as ev
from cti.telephony.commands import Command
from cti.telephony.port import EventHandler, PortEvent, TelephonyPort

log = structlog.get_logger(__name__)


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


class WatchedPort:
    """The telephony port the call engine gets in a replay: the real adapter, watched.

    Everything goes to and comes from ``port`` (the ``AsteriskTelephony`` the server would
    use); this only keeps what passed. An event the engine refuses (its ACD disagrees with
    the PBX, after an outage nothing caught up on) is kept in ``refusals`` and logged: the
    call is followed, the agent's view is left as is.
    """

    def __init__(self, port: TelephonyPort, clock: Clock) -> None:
        self.port = port
        self.clock = clock
        self.commands: list[Command] = []
        self.events: list[tuple[float, PortEvent]] = []
        self.refusals: list[tuple[float, PortEvent, str]] = []
        self._watched = False

    @property
    def connected(self) -> bool:
        return self.port.connected

    def subscribe(self, handler: EventHandler) -> None:
        """``handler`` gets every event; the first one subscribed also keeps them in ``events``."""
        events = self.events if not self._watched else None
        self._watched = True

        def refused_kept(event: PortEvent) -> None:
            if events is not None:
                events.append((self.clock.now(), event))
            try:
                handler(event)
            except IllegalStateChange as exc:
                self.refusals.append((self.clock.now(), event, exc.message))
                log.warning(
                    "replay_engine_refused", domain_event=type(event).__name__, error=exc.message
                )

        self.port.subscribe(refused_kept)

    async def start(self) -> None:
        await self.port.start()

    async def stop(self) -> None:
        await self.port.stop()

    async def execute(self, command: Command) -> str | None:
        self.commands.append(command)
        return await self.port.execute(command)

    def dispatch(self, command: Command) -> None:
        self.commands.append(command)
        self.port.dispatch(command)


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
        self.alerts: list[PhoneFailed] = []
        self._agents: dict[str, list[tuple[float, Agent]]] = defaultdict(list)

    def pop(
        self,
        agent_id: str,
        call: Call,
        lookup: CallerLookup | None,
        crm: ExternalLookup | None = None,
    ) -> None:
        now = self.clock.now()
        self.pops.append(Pop(now, agent_id, call.call_id, call.caller_number, call.variables))

    def enriched(self, agent_id: str, call: Call, crm: ExternalLookup) -> None:
        return None  # a replay has no external CRM

    def call_changed(self, agent_id: str, call: Call, change: str) -> None:
        self.changes.append((self.clock.now(), agent_id, call.call_id, change))

    def agent_changed(self, agent: Agent) -> None:
        self._agents[agent.agent_id].append((self.clock.now(), agent))

    def queue_changed(self, queue: str) -> None:
        return None

    def command_failed(self, event: ev.CommandFailed) -> None:
        self.failures.append(event)

    def phone_failed(self, alert: PhoneFailed) -> None:
        self.alerts.append(alert)

    def agent_at(self, agent_id: str, when: float) -> Agent | None:
        history = self._agents.get(agent_id, [])
        at = bisect.bisect_right([t for t, _ in history], when)
        return history[at - 1][1] if at else None
