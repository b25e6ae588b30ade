"""The one place the outbound model touches the ACD: a campaign queue and its agents.

A person the dialer reached is ``enqueue``d like an inbound caller; the ACD's ``offer`` is
taken at once (agents on a predictive campaign wait on a persistent leg, so connecting is a
bridge, not a ring) with ``answered``; the talk ends with ``call_done``, and the ACD's own
wrap-up timer makes the agent available again. Offers made while the ACD is being called are
kept and carried out after it returns (``drain``), so the ACD is never re-entered.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from acd import agents as ag
from acd.agents import Agent, AgentState
from acd.model import QueueConfig
from acd.service import Acd, AcdListener, Offer
from cti.clock import Clock

QUEUE = "outbound"


class _Listener(AcdListener):
    def __init__(self, seats: CampaignSeats) -> None:
        self.seats = seats

    def offer(self, offer: Offer) -> None:
        self.seats.pending.append(offer)

    def agent_changed(self, agent: Agent) -> None:
        if agent.state is AgentState.AVAILABLE:
            self.seats.on_free(agent.agent_id)


class CampaignSeats:
    """The campaign's agents in the real ACD. ``on_free`` and ``on_connect`` report back."""

    def __init__(
        self,
        clock: Clock,
        wrap_seconds: float,
        on_free: Callable[[str], None],
        on_connect: Callable[[str, str], None],
        seed: int,
    ) -> None:
        self.pending: list[Offer] = []
        self.on_free = on_free
        self.on_connect = on_connect
        queue = QueueConfig(QUEUE, wrapup_seconds=wrap_seconds, ring_timeout=15.0)
        self.acd = Acd(clock, (queue,), _Listener(self), rng=random.Random(seed))

    def sign_in(self, agent_id: str) -> None:
        self.acd.add_agent(agent_id, agent_id, ())
        self.acd.apply(agent_id, ag.Login())

    def person(self, call_id: str) -> None:
        """A person is on the line: the longest-idle free agent takes them, or they wait."""
        self.acd.enqueue(call_id, QUEUE)

    def still_waiting(self, call_id: str) -> bool:
        return self.acd.waiting_call(call_id) is not None

    def abandon(self, call_id: str) -> None:
        self.acd.abandoned(call_id)

    def hang_up(self, call_id: str, agent_id: str) -> None:
        self.acd.call_done(call_id, agent_id, QUEUE)

    def drain(self) -> None:
        while self.pending:
            offer = self.pending.pop(0)
            self.acd.answered(offer.call_id, offer.agent_id, offer.queue, 0.0)
            self.on_connect(offer.call_id, offer.agent_id)
