"""Observe mode: the PBX owns queue membership and pauses (Asterisk's app_queue).

The ACD expresses "serves queue q" as holding skill ``q``, so each queue the PBX reports
becomes a queue needing skill ``q`` and each membership a skill ``q`` at level 1. An agent
removed from their last queue is logged out. Pauses are per queue in Asterisk and per agent
here: the latest one reported wins.
"""

from __future__ import annotations

import structlog

from acd import agents as ag
from acd.agents import Agent, AgentState
from acd.errors import IllegalStateChange, NoSuchAgent
from acd.model import QueueConfig
from acd.service import Acd
from cti.telephony import events as ev

log = structlog.get_logger(__name__)


def ensure_queue(acd: Acd, queue: str) -> None:
    if queue not in acd.queues:
        acd.configure_queue(QueueConfig(queue, label=queue, skills=((queue, 1),)))


def member_changed(acd: Acd, event: ev.QueueMemberChanged) -> None:
    try:
        agent = acd.agent(event.agent_id)
    except NoSuchAgent:
        if event.change == "removed":
            return
        agent = acd.add_agent(event.agent_id, event.agent_id, skills=())
    ensure_queue(acd, event.queue)
    agent = _membership(acd, agent, event)
    try:
        for step in _steps(agent, event):
            agent = acd.apply(event.agent_id, step)
    except IllegalStateChange as exc:
        log.warning("member_change_refused", agent_id=event.agent_id, error=exc.message)


def _membership(acd: Acd, agent: Agent, event: ev.QueueMemberChanged) -> Agent:
    skills = dict(agent.skills)
    if event.change == "removed":
        skills.pop(event.queue, None)
    else:
        skills.setdefault(event.queue, 1)
    if skills == dict(agent.skills):
        return agent
    return acd.set_skills(agent.agent_id, tuple(skills.items()))


def _steps(agent: Agent, event: ev.QueueMemberChanged) -> list[ag.AgentEvent]:
    """The agent events that bring the ACD's view of ``agent`` in line with the PBX's."""
    if event.change == "removed":
        last_queue = not agent.skills
        return [ag.Logout()] if last_queue and agent.state is not AgentState.LOGGED_OUT else []
    steps: list[ag.AgentEvent] = [ag.Login()] if agent.state is AgentState.LOGGED_OUT else []
    reason = event.reason or "paused"
    if event.paused and not (agent.state is AgentState.PAUSED and agent.pause_reason == reason):
        steps.append(ag.Pause(reason))
    elif not event.paused and agent.state is AgentState.PAUSED:
        steps.append(ag.MakeAvailable())
    return steps
