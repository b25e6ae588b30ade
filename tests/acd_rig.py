"""A small ACD on a manual clock, recording what it decides (shared by the ACD tests)."""

from __future__ import annotations

from acd import agents as ag
from acd.agents import AgentState
from acd.model import QueueConfig, Requirements
from acd.engine import Acd, AcdListener, CallbackDue, Offer, Overflowed
from cti.clock import ManualClock


class Recorder(AcdListener):
    def __init__(self) -> None:
        self.offers: list[Offer] = []
        self.callbacks: list[CallbackDue] = []
        self.overflows: list[Overflowed] = []

    def offer(self, offer: Offer) -> None:
        self.offers.append(offer)

    def callback_due(self, due: CallbackDue) -> None:
        self.callbacks.append(due)

    def overflowed(self, overflow: Overflowed) -> None:
        self.overflows.append(overflow)


class Rig:
    def __init__(self, *queues: QueueConfig, seed: int = 0) -> None:
        import random

        self.clock = ManualClock()
        self.rec = Recorder()
        self.acd = Acd(self.clock, queues, self.rec, rng=random.Random(seed))

    def agent(self, agent_id: str, available: bool = True, **skills: int) -> None:
        self.acd.add_agent(agent_id, agent_id.title(), tuple(skills.items()))
        if available:
            self.acd.apply(agent_id, ag.Login())
        self.clock.advance(1)

    def call(self, call_id: str, queue: str, **req: object) -> None:
        config = self.acd.queue(queue)
        base = {"skills": config.skills, "priority": config.priority}
        base.update(req)
        self.acd.enqueue(call_id, queue, requirements=Requirements(**base))  # type: ignore[arg-type]

    def offered(self) -> list[tuple[str, str]]:
        return [(o.call_id, o.agent_id) for o in self.rec.offers]

    def answer(self, call_id: str, agent_id: str) -> None:
        self.acd.answered(call_id, agent_id, None, wait=0.0)

    def finish(self, call_id: str, agent_id: str) -> None:
        self.acd.call_done(call_id, agent_id, None)

    def state(self, agent_id: str) -> AgentState:
        return self.acd.agent(agent_id).state
