"""The port every telephony adapter implements (simulated, Asterisk)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from cti.telephony.commands import Command
from cti.telephony.events import TelephonyEvent
from cti.telephony.outbound import OutboundEvent

#: What ``subscribe`` delivers: the call events, and a campaign's (``cti.telephony.outbound``)
#: from a PBX that dials them. A handler that follows calls only ignores the outbound ones.
PortEvent = TelephonyEvent | OutboundEvent
EventHandler = Callable[[PortEvent], None]


class TelephonyPort(Protocol):
    def subscribe(self, handler: EventHandler) -> None:
        """Every event the adapter emits goes to each handler, in order, synchronously."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def execute(self, command: Command) -> str | None:
        """Carry out ``command`` and wait for the PBX's answer.

        Returns the new call id for an Originate. Raises ``TelephonyError`` when refused.
        """
        ...

    def dispatch(self, command: Command) -> None:
        """Fire and forget; a refusal comes back as a ``CommandFailed`` event."""
        ...

    @property
    def connected(self) -> bool:
        """Whether the PBX link is up (always, for the simulated PBX)."""
        ...


@runtime_checkable
class QueueMembers(Protocol):
    """A PBX that keeps its own queue members (Asterisk's app_queue, observe mode)."""

    async def queue_add(
        self,
        queue: str,
        agent_id: str,
        *,
        member_name: str | None = None,
        penalty: int | None = None,
        paused: bool | None = None,
        reason: str | None = None,
    ) -> None: ...

    async def queue_remove(self, queue: str, agent_id: str) -> None: ...

    async def queue_pause(
        self, agent_id: str, paused: bool, *, queue: str | None = None, reason: str | None = None
    ) -> None: ...

    async def queue_penalty(self, queue: str, agent_id: str, penalty: int) -> None: ...


@runtime_checkable
class Recording(Protocol):
    async def mix_monitor_start(
        self, call_id: str, file: str, *, options: str | None = None
    ) -> str | None: ...

    async def mix_monitor_stop(self, call_id: str, mix_monitor_id: str | None = None) -> None: ...
