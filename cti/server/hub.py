"""Pushes: the ``Notifier`` the call engine talks to, publishing onto the bus.

Agent events go to topic ``agent:<id>``; the supervisor board gets coalesced snapshots on
topic ``board`` at most every ``board_interval`` seconds, however busy the centre is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import structlog

from acd.agents import Agent
from acd.commands import PhoneFailed
from acd.views import agent_view, alert_view
from cti.calls.model import Call
from cti.clock import Clock
from cti.crm.cards import CallerLookup
from cti.crm.external import ExternalLookup
from cti.server import payloads
from cti.server.bus import Bus
from cti.telephony.events import CommandFailed

log = structlog.get_logger(__name__)

BOARD = "board"
#: Each supervisor's board socket says so here every ``WATCH_EVERY`` seconds, on the bus (so
#: over Redis the engine's process hears every process's watchers); what only a watcher
#: needs (the dialer's ``campaigns`` message) is computed while one was heard of lately.
WATCHING = "board-watching"
WATCH_EVERY = 2.0
WATCH_LEASE = 5.0


def agent_topic(agent_id: str) -> str:
    return f"agent:{agent_id}"


def _no_observer(seconds: float) -> None:
    return None


def _no_outbound_call(agent_id: str) -> tuple[dict[str, Any], bytes] | None:
    return None


class Hub:
    def __init__(self, bus: Bus, clock: Clock, *, board_interval: float = 0.25) -> None:
        self.bus = bus
        self.clock = clock
        self.board_interval = board_interval
        self._board_source: Callable[[], bytes] | None = None
        self._board_pending = False
        self._presence: Counter[str] = Counter()
        #: Told, for each pop, how long after the call started ringing it went out (seconds
        #: on the injected clock): the ring-to-pop histogram of ``/metrics``.
        self.on_pop: Callable[[float], None] = _no_observer
        #: The campaign call an agent is on (its call view and pop), for the desktop that
        #: reconnects: the dialer's pops set it (``cti.server.outbound_pops``).
        self.outbound_call: Callable[[str], tuple[dict[str, Any], bytes] | None] = _no_outbound_call

    def bind_board(self, source: Callable[[], bytes]) -> None:
        self._board_source = source

    # -- presence: which agents have a desktop attached -------------------------
    def attach(self, agent_id: str) -> None:
        self._presence[agent_id] += 1

    def detach(self, agent_id: str) -> None:
        self._presence[agent_id] -= 1
        if self._presence[agent_id] <= 0:
            del self._presence[agent_id]

    def is_attended(self, agent_id: str) -> bool:
        return self._presence[agent_id] > 0 if agent_id in self._presence else False

    # -- Notifier ---------------------------------------------------------------
    def pop(
        self,
        agent_id: str,
        call: Call,
        lookup: CallerLookup | None,
        crm: ExternalLookup | None = None,
    ) -> None:
        now = self.clock.now()
        self.bus.publish(agent_topic(agent_id), payloads.pop(call, lookup, now, crm))
        if call.ringing_at is not None:
            self.on_pop(max(now - call.ringing_at, 0.0))

    def enriched(self, agent_id: str, call: Call, crm: ExternalLookup) -> None:
        self.bus.publish(agent_topic(agent_id), payloads.enriched(call, crm, self.clock.now()))

    def call_changed(self, agent_id: str, call: Call, change: str) -> None:
        self.bus.publish(agent_topic(agent_id), payloads.call_changed(call, change))
        self._board_dirty()

    def agent_changed(self, agent: Agent) -> None:
        message = payloads.encode({"type": "state", "agent": agent_view(agent)})
        self.bus.publish(agent_topic(agent.agent_id), message)
        self._board_dirty()

    def queue_changed(self, queue: str) -> None:
        self._board_dirty()

    def command_failed(self, event: CommandFailed) -> None:
        log.warning("pbx_refused_command", command_id=event.command_id, error=event.message)
        if event.agent_id is not None:
            error = {"type": "error", "error_id": event.error_id, "message": event.message,
                     "details": {"command_id": event.command_id}}  # fmt: skip
            self.bus.publish(agent_topic(event.agent_id), payloads.encode(error))

    def phone_failed(self, alert: PhoneFailed) -> None:
        """Supervisors see the alert on the board; the agent sees why they were paused."""
        message = payloads.encode({"type": "alert", "alert": alert_view(alert)})
        self.bus.publish(BOARD, message)
        self.bus.publish(agent_topic(alert.agent_id), message)
        self._board_dirty()

    # -- board ------------------------------------------------------------------
    def board_watched(self) -> None:
        """A supervisor's board is open (each open board says so every ``WATCH_EVERY`` s)."""
        self.bus.publish(WATCHING, b"1")

    def board_now(self) -> bytes:
        if self._board_source is None:
            raise RuntimeError("Hub.bind_board() was not called")
        return self._board_source()

    def _board_dirty(self) -> None:
        if self._board_pending or self._board_source is None:
            return
        self._board_pending = True
        self.clock.call_later(self.board_interval, self._flush_board)

    def _flush_board(self) -> None:
        self._board_pending = False
        self.bus.publish(BOARD, self.board_now())
