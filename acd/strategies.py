"""Each queue's strategy orders its available agents; the first eligible one is offered.

The order is a sort key computed when the agent becomes available, so picking costs a walk
from the front of a sorted list, not a scan of every member:

| strategy | key (smallest first) |
|---|---|
| longest-idle (default) | time the agent became available |
| most-skilled | minus the sum of the agent's levels in the queue's skills, then idle time |
| fewest-calls | calls taken this session, then idle time |
| least-occupied | share of logged-in time spent busy, then idle time |
| round-robin | position after the last agent served (memory kept per queue) |
| ring-all | idle time; every eligible agent rings at once, the first to answer takes it |
| weighted-random | idle time; the pick is random, weighted by summed skill level |
"""

from __future__ import annotations

from acd.agents import Agent
from acd.model import QueueConfig, Strategy

Key = tuple[float, float, str]


def key(queue: QueueConfig, agent: Agent, occupancy: float, position: int) -> Key:
    idle = agent.idle_since
    match queue.strategy:
        case Strategy.MOST_SKILLED:
            return (-float(sum(agent.level(s) for s, _ in queue.skills)), idle, agent.agent_id)
        case Strategy.FEWEST_CALLS:
            return (float(agent.calls_taken), idle, agent.agent_id)
        case Strategy.LEAST_OCCUPIED:
            return (occupancy, idle, agent.agent_id)
        case Strategy.ROUND_ROBIN:
            return (float(position), 0.0, agent.agent_id)
        case _:
            return (idle, 0.0, agent.agent_id)


def weight(queue: QueueConfig, agent: Agent) -> int:
    return max(1, sum(agent.level(s) for s, _ in queue.skills))
