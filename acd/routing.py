"""Routing as pure functions of the ACD's state. No clock, no I/O.

The rule (issue 2's minimal ACD): the oldest waiting call is offered to the agent who has
been idle longest among those available and holding every skill its queue requires. An
agent who just let the call ring out is passed over while anyone else is eligible.
"""

from __future__ import annotations

from collections.abc import Iterable

from acd.agents import Agent, AgentState
from acd.model import QueueConfig, WaitingCall


def is_eligible(agent: Agent, queue: QueueConfig) -> bool:
    return all(agent.level(skill) >= 1 for skill in queue.required_skills)


def pick_agent(queue: QueueConfig, call: WaitingCall, agents: Iterable[Agent]) -> Agent | None:
    candidates = [a for a in agents if a.state is AgentState.AVAILABLE and is_eligible(a, queue)]
    fresh = [a for a in candidates if a.agent_id not in call.declined_by]
    return min(fresh or candidates, key=lambda a: (a.idle_since, a.agent_id), default=None)


def assignments(
    waiting: Iterable[WaitingCall], queues: dict[str, QueueConfig], agents: Iterable[Agent]
) -> list[tuple[WaitingCall, Agent]]:
    """Pair waiting calls, oldest first, with agents; each agent at most once."""
    free = {a.agent_id: a for a in agents if a.state is AgentState.AVAILABLE}
    pairs: list[tuple[WaitingCall, Agent]] = []
    for call in sorted(waiting, key=lambda c: c.order):
        if not free:
            break
        agent = pick_agent(queues[call.queue], call, free.values())
        if agent is not None:
            pairs.append((call, agent))
            del free[agent.agent_id]
    return pairs
