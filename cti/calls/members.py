"""Observe mode: the PBX owns queue membership and pauses (Asterisk's app_queue).

The ACD expresses "serves queue q" as holding skill ``q``, so each queue the PBX reports
becomes a queue needing skill ``q`` and each membership a skill ``q`` at level 1. An agent
removed from their last queue is logged out.

Pauses are per queue in Asterisk and per agent here. An agent paused in one queue still takes
calls from the others, so Switchboard shows them paused only when they are paused in every
queue they are a member of (with the reason of the latest pause), and available as soon as
one of their queues has them unpaused.
"""

from __future__ import annotations

import structlog

from acd import agents as ag
from acd.agents import Agent, AgentState
from acd.errors import IllegalStateChange, NoSuchAcdAgent
from acd.model import QueueConfig
from acd.service import Acd
from cti.telephony import events as ev

log = structlog.get_logger(__name__)


def ensure_queue(acd: Acd, queue: str) -> None:
    if queue not in acd.queues:
        acd.configure_queue(QueueConfig(queue, label=queue, skills=((queue, 1),)))


class Memberships:
    """What the PBX reports of queue members, applied to the ACD's agents."""

    def __init__(self, acd: Acd) -> None:
        self.acd = acd
        self._paused: dict[str, dict[str, str]] = {}  # agent → queue → reason

    def changed(self, event: ev.QueueMemberChanged) -> None:
        acd = self.acd
        try:
            agent = acd.agent(event.agent_id)
        except NoSuchAcdAgent:
            if event.change == "removed":
                return
            agent = acd.add_agent(event.agent_id, event.agent_id, skills=())
        ensure_queue(acd, event.queue)
        paused = self._paused.setdefault(event.agent_id, {})
        if event.paused and event.change != "removed":
            paused[event.queue] = event.reason or "paused"
        else:
            paused.pop(event.queue, None)
        agent = _membership(acd, agent, event)
        try:
            for step in self._steps(agent, event, paused):
                agent = acd.apply(event.agent_id, step)
        except IllegalStateChange as exc:
            log.warning("member_change_refused", agent_id=event.agent_id, error=exc.message)

    def paused_everywhere(self, agent_id: str, reason: str | None) -> None:
        """The desktop paused (``reason``) or unpaused (``None``) the agent in all their
        queues and the PBX said yes: the per-queue events that follow only confirm it."""
        agent = self.acd.find_agent(agent_id)
        queues = [name for name, _ in agent.skills] if agent else []
        self._paused[agent_id] = {q: reason for q in queues} if reason is not None else {}

    @staticmethod
    def _steps(
        agent: Agent, event: ev.QueueMemberChanged, paused: dict[str, str]
    ) -> list[ag.AgentEvent]:
        """The agent events that bring the ACD's view of ``agent`` in line with the PBX's."""
        queues = {name for name, _ in agent.skills}
        if not queues:  # removed from their last queue
            return [ag.Logout()] if agent.state is not AgentState.LOGGED_OUT else []
        steps: list[ag.AgentEvent] = [ag.Login()] if agent.state is AgentState.LOGGED_OUT else []
        everywhere = all(q in paused for q in queues)
        reason = paused.get(event.queue) or next(iter(paused.values()), "paused")
        if everywhere and not (agent.state is AgentState.PAUSED and agent.pause_reason == reason):
            steps.append(ag.Pause(reason))
        elif not everywhere and agent.state is AgentState.PAUSED:
            steps.append(ag.MakeAvailable())
        return steps


def _membership(acd: Acd, agent: Agent, event: ev.QueueMemberChanged) -> Agent:
    skills = dict(agent.skills)
    if event.change == "removed":
        skills.pop(event.queue, None)
    else:
        skills.setdefault(event.queue, 1)
    if skills == dict(agent.skills):
        return agent
    return acd.set_skills(agent.agent_id, tuple(skills.items()))
