"""The port every telephony adapter implements (simulated, Asterisk)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from cti.telephony.commands import Command
from cti.telephony.events import TelephonyEvent

EventHandler = Callable[[TelephonyEvent], None]


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
