"""A small ACD on a manual clock, recording what it decides (shared by the ACD tests).

``DrivenAcd`` is the engine with a driver around it: every event method's decisions are
handed to a ``Recorder`` in order as the method returns, and each ``Wake`` goes on the manual
clock, to be handed back to ``wake`` when it is due.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from functools import partial

from acd import agents as ag
from acd.agents import AgentState
from acd.commands import CallbackDue, Command, Commands, Offer, Overflowed, Wake
from acd.engine import Acd
from acd.model import QueueConfig, Requirements
from cti.clock import ManualClock


class Recorder:
    def __init__(self) -> None:
        self.offers: list[Offer] = []
        self.callbacks: list[CallbackDue] = []
        self.overflows: list[Overflowed] = []
        self.commands: list[Command] = []

    def record(self, commands: Commands) -> None:
        for command in commands:
            self.commands.append(command)
            if isinstance(command, Offer):
                self.offer(command)
            elif isinstance(command, CallbackDue):
                self.callback_due(command)
            elif isinstance(command, Overflowed):
                self.overflowed(command)

    def offer(self, offer: Offer) -> None:
        self.offers.append(offer)

    def callback_due(self, due: CallbackDue) -> None:
        self.callbacks.append(due)

    def overflowed(self, overflow: Overflowed) -> None:
        self.overflows.append(overflow)


class DrivenAcd(Acd):
    def __init__(
        self,
        clock: ManualClock,
        queues: Iterable[QueueConfig],
        recorder: Recorder,
        **options: object,
    ) -> None:
        super().__init__(clock, queues, **options)  # type: ignore[arg-type]
        self.manual = clock
        self.recorder = recorder

    def _driven(self, commands: Commands) -> Commands:
        self.recorder.record(commands)
        for command in commands:
            if isinstance(command, Wake):
                self.manual.call_later(command.at - self.manual.now(), partial(self.wake, command))
        return commands

    def apply(self, agent_id: str, event: ag.AgentEvent) -> Commands:
        return self._driven(super().apply(agent_id, event))

    def set_skills(self, agent_id: str, skills: tuple[tuple[str, int], ...]) -> Commands:
        return self._driven(super().set_skills(agent_id, skills))

    def configure_queue(self, config: QueueConfig) -> Commands:
        return self._driven(super().configure_queue(config))

    def delete_queue(self, name: str) -> Commands:
        return self._driven(super().delete_queue(name))

    def enqueue(
        self,
        call_id: str,
        queue: str,
        since: float | None = None,
        requirements: Requirements | None = None,
    ) -> Commands:
        return self._driven(super().enqueue(call_id, queue, since, requirements))

    def update_requirements(self, call_id: str, requirements: Requirements) -> Commands:
        return self._driven(super().update_requirements(call_id, requirements))

    def ringing(self, call_id: str, agent_id: str, queue: str | None) -> Commands:
        return self._driven(super().ringing(call_id, agent_id, queue))

    def ring_no_answer(self, call_id: str, agent_id: str, *, failed: bool = False) -> Commands:
        return self._driven(super().ring_no_answer(call_id, agent_id, failed=failed))

    def answered(self, call_id: str, agent_id: str, queue: str | None, wait: float) -> Commands:
        return self._driven(super().answered(call_id, agent_id, queue, wait))

    def hand_over(self, agent_id: str, from_call: str, to_call: str) -> Commands:
        return self._driven(super().hand_over(agent_id, from_call, to_call))

    def left_queue(self, call_id: str) -> Commands:
        return self._driven(super().left_queue(call_id))

    def abandoned(self, call_id: str) -> Commands:
        return self._driven(super().abandoned(call_id))

    def request_callback(self, call_id: str, number: str) -> Commands:
        return self._driven(super().request_callback(call_id, number))

    def call_done(self, call_id: str, agent_id: str | None, queue: str | None) -> Commands:
        return self._driven(super().call_done(call_id, agent_id, queue))

    def wake(self, wake: Wake) -> Commands:
        return self._driven(super().wake(wake))


class Rig:
    def __init__(self, *queues: QueueConfig, seed: int = 0) -> None:
        self.clock = ManualClock()
        self.rec = Recorder()
        self.acd = DrivenAcd(self.clock, queues, self.rec, rng=random.Random(seed))

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
