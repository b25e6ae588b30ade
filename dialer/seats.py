"""What a campaign needs of the ACD, which the application provides (``cti.calls.outbound``).

A person the dialer reached is queued in the campaign's queue like an inbound caller, so
the same ACD that routes inbound calls chooses the agent (agents can be blended); the ACD's
``Offer`` for that call comes back to the dialer as ``offered(attempt_id, agent_id)``, and
the dialer bridges the call to that agent's persistent leg.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

OfferSink = Callable[[str, str], bool]  # attempt id, agent id -> whether it was a dialer call


class Seats(Protocol):
    def agents(self, queue: str) -> dict[str, bool]:
        """The agents signed in to ``queue``: agent id -> available for a call now."""
        ...

    def person(self, attempt_id: str, queue: str) -> None:
        """Queue the person on ``attempt_id``; an agent comes back through the offer sink."""
        ...

    def waiting(self, attempt_id: str) -> bool:
        """Whether the person is still waiting for an agent."""
        ...

    def abandon(self, attempt_id: str) -> None:
        """The person leaves the queue (they get the safe-harbour message)."""
        ...

    def done(self, attempt_id: str, agent_id: str, queue: str) -> None:
        """The call with the agent is over: the ACD starts the agent's wrap-up."""
        ...

    def reserve(self, attempt_id: str, agent_id: str, queue: str) -> bool:
        """Hold ``agent_id`` for ``attempt_id`` (a preview dial, or the agent's own callback),
        so the ACD offers them nothing else; False when they are not available now."""
        ...

    def connected(self, attempt_id: str, agent_id: str, queue: str) -> None:
        """The reserved agent is talking to the person on ``attempt_id``."""
        ...

    def release(self, attempt_id: str, agent_id: str) -> None:
        """The reserved attempt ended before reaching the agent: they are free again."""
        ...
