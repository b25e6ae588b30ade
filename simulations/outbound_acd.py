"""The one place the outbound model touches the ACD: a campaign queue and its agents.

A person the dialer reached is ``enqueue``d like an inbound caller; each ``Offer`` the ACD
decides is taken at once (agents on a predictive campaign wait on a persistent leg, so
connecting is a bridge, not a ring) with ``answered``; the talk ends with ``call_done``, and
the wrap-up ``Wake`` it returns becomes a SimPy timer handed back to ``Acd.wake``. The ACD
returns its decisions and never calls out; they are carried out here in the order given.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import partial

from acd import agents as ag
from acd.agents import AgentState
from acd.commands import AgentChanged, Commands, Offer, Wake
from acd.engine import Acd
from acd.model import QueueConfig
from simulations.clock import SimClock

QUEUE = "outbound"


class CampaignSeats:
    """The campaign's agents in the real ACD. ``on_free`` and ``on_connect`` report back."""

    def __init__(
        self,
        clock: SimClock,
        wrap_seconds: float,
        on_free: Callable[[str], None],
        on_connect: Callable[[str, str], None],
        seed: int,
    ) -> None:
        self.clock = clock
        self.on_free = on_free
        self.on_connect = on_connect
        queue = QueueConfig(QUEUE, wrapup_seconds=wrap_seconds, ring_timeout=15.0)
        self.acd = Acd(clock, (queue,), rng=random.Random(seed), decision_log=False)

    def sign_in(self, agent_id: str) -> None:
        self.acd.add_agent(agent_id, agent_id, ())
        self._carry_out(self.acd.apply(agent_id, ag.Login()))

    def person(self, call_id: str) -> None:
        """A person is on the line: the longest-idle free agent takes them, or they wait."""
        self._carry_out(self.acd.enqueue(call_id, QUEUE))

    def still_waiting(self, call_id: str) -> bool:
        return self.acd.waiting_call(call_id) is not None

    def abandon(self, call_id: str) -> None:
        self._carry_out(self.acd.abandoned(call_id))

    def hang_up(self, call_id: str, agent_id: str) -> None:
        self._carry_out(self.acd.call_done(call_id, agent_id, QUEUE))

    def _carry_out(self, commands: Commands) -> None:
        for command in commands:
            if isinstance(command, Offer):
                answered = self.acd.answered(command.call_id, command.agent_id, command.queue, 0.0)
                self.on_connect(command.call_id, command.agent_id)
                self._carry_out(answered)
            elif isinstance(command, AgentChanged):
                if command.agent.state is AgentState.AVAILABLE:
                    self.on_free(command.agent.agent_id)
            elif isinstance(command, Wake):
                self.clock.at(command.at, partial(self._wake, command))

    def _wake(self, wake: Wake) -> None:
        self._carry_out(self.acd.wake(wake))
