"""Who may take which call, with the reason when not. Pure functions."""

from __future__ import annotations

from acd.agents import Agent
from acd.model import QueueConfig, WaitingCall


def serves(agent: Agent, queue: QueueConfig) -> bool:
    """Base membership: the agent holds every skill the queue names, at any level."""
    return all(agent.level(skill) >= 1 for skill, _ in queue.skills)


def why_not(
    agent: Agent, call: WaitingCall, now: float, via: QueueConfig | None = None
) -> str | None:
    """``None`` if ``agent`` may take ``call`` now, else the reason in a few words.

    ``via`` is a queue the call was widened to by escalation: there, that queue's own skill
    minimums apply instead of the call's.
    """
    wanted = call.requirements
    if call.owner_until > now and wanted.owner is not None and agent.agent_id != wanted.owner:
        return f"owner {wanted.owner} is tried first for {call.owner_until - now:.0f} s more"
    if wanted.language and agent.level(f"lang:{wanted.language}") < 1:
        return f"does not speak {wanted.language}"
    levels = agent._levels
    needs = via.skills if via is not None else call.needs()
    for skill, level in needs:  # the hot path: a plain loop, no generator
        if levels.get(skill, 0) < level:
            break  # ``skill`` is the first one missing
    else:
        return None
    for alternative, minimum in call.alternatives:
        if levels.get(alternative, 0) >= minimum:
            return None
    have = levels.get(skill, 0)
    return f"lacks {skill}" if have == 0 else f"{skill} level {have} < {level}"
