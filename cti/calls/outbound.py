"""The dialer's seats in the call centre's own ACD, so outbound and inbound are blended.

A person a campaign reached is queued in the campaign's queue like an inbound caller; the
ACD picks the agent by the same rules. Its ``Offer`` for a dialer call is taken at once
(the agent waits on a persistent leg, so connecting is a bridge, not a ring): the ACD is
told the call is answered and the dialer is asked to bridge it (``on_offer``). Offers for
any other call go on to the call centre as before.
"""

from __future__ import annotations

from acd import agents as ag
from acd.agents import AgentState
from acd.commands import Offer
from cti.calls.service import CallCentre
from dialer.seats import OfferSink


class CentreSeats:
    def __init__(self, centre: CallCentre) -> None:
        self.centre = centre
        self.on_offer: OfferSink | None = None
        self._queued: dict[str, tuple[str, float]] = {}  # attempt -> queue, since
        centre.outbound_offers = self._offer

    def agents(self, queue: str) -> dict[str, bool]:
        if queue not in self.centre.acd.queues:
            return {}
        return {
            a.agent_id: a.state is AgentState.AVAILABLE
            for a in self.centre.acd.members(queue)
            if a.state is not AgentState.LOGGED_OUT
        }

    def person(self, attempt_id: str, queue: str) -> None:
        if queue not in self.centre.acd.queues:
            return  # the queue is gone: nobody will take the call, the deadline will pass
        self._queued[attempt_id] = (queue, self.centre.clock.now())
        self.centre.carry_out(self.centre.acd.enqueue(attempt_id, queue))

    def waiting(self, attempt_id: str) -> bool:
        return self.centre.acd.waiting_call(attempt_id) is not None

    def abandon(self, attempt_id: str) -> None:
        self._queued.pop(attempt_id, None)
        self.centre.carry_out(self.centre.acd.abandoned(attempt_id))

    def done(self, attempt_id: str, agent_id: str, queue: str) -> None:
        self._queued.pop(attempt_id, None)
        self.centre.carry_out(self.centre.acd.call_done(attempt_id, agent_id, queue))

    def reserve(self, attempt_id: str, agent_id: str, queue: str) -> bool:
        agent = self.centre.acd.find_agent(agent_id)
        if agent is None or agent.state is not AgentState.AVAILABLE:
            return False
        self.centre.carry_out(self.centre.acd.apply(agent_id, ag.Reserve(attempt_id, queue)))
        return True

    def connected(self, attempt_id: str, agent_id: str, queue: str) -> None:
        self.centre.carry_out(self.centre.acd.answered(attempt_id, agent_id, queue, 0.0))

    def release(self, attempt_id: str, agent_id: str) -> None:
        self.centre.carry_out(self.centre.acd.apply(agent_id, ag.Release(attempt_id)))

    def _offer(self, offer: Offer) -> bool:
        queued = self._queued.pop(offer.call_id, None)
        if queued is None:
            return False
        queue, since = queued
        wait = self.centre.clock.now() - since
        answered = self.centre.acd.answered(offer.call_id, offer.agent_id, queue, wait)
        if self.on_offer is not None:
            self.on_offer(offer.call_id, offer.agent_id)
        self.centre.carry_out(answered)
        return True
