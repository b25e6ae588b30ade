"""Observe mode: the PBX owns queue membership and pauses (Asterisk's app_queue).

The ACD expresses "serves queue q" as holding skill ``q``, so each queue the PBX reports
becomes a queue needing skill ``q`` and each membership a skill ``q`` at level 1. An agent
removed from their last queue is logged out.

The PBX's membership is the truth for who is in a queue: an agent's queues are the ones the
PBX reported, whatever skills the directory gives them (the server drops the directory's
queue skills in this mode, ``observed_skills``).

Pauses are per queue in Asterisk and per agent here. An agent paused in one queue still takes
calls from the others, so Switchboard shows them paused only when they are paused in every
queue they are a member of (with the reason of the latest pause), and available as soon as
one of their queues has them unpaused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import structlog

from acd import agents as ag
from acd.agents import Agent, AgentState
from acd.commands import Commands
from acd.engine import Acd
from acd.errors import IllegalStateChange, NoSuchAcdAgent
from acd.model import QueueConfig
from cti.telephony import events as ev

log = structlog.get_logger(__name__)


CarryOut = Callable[[Commands], None]


def ensure_queue(acd: Acd, queue: str) -> Commands:
    if queue in acd.queues:
        return []
    return acd.configure_queue(QueueConfig(queue, label=queue, skills=((queue, 1),)))


class Memberships:
    """What the PBX reports of queue members, applied to the ACD's agents; what the ACD
    decides in reply goes to ``carry_out``."""

    def __init__(self, acd: Acd, carry_out: CarryOut) -> None:
        self.acd = acd
        self._carry_out = carry_out
        self._paused: dict[str, dict[str, str]] = {}  # agent → queue → reason
        self._queues: dict[str, set[str]] = {}  # agent → the queues the PBX has them in

    def changed(self, event: ev.QueueMemberChanged) -> None:
        acd = self.acd
        try:
            agent = acd.agent(event.agent_id)
        except NoSuchAcdAgent:
            if event.change == "removed":
                return
            agent = acd.add_agent(event.agent_id, event.agent_id, skills=())
        self._carry_out(ensure_queue(acd, event.queue))
        paused = self._paused.setdefault(event.agent_id, {})
        queues = self._queues.setdefault(event.agent_id, set())
        if event.change == "removed":
            queues.discard(event.queue)
        else:
            queues.add(event.queue)
        if event.paused and event.change != "removed":
            paused[event.queue] = event.reason or "paused"
        else:
            paused.pop(event.queue, None)
        agent = self._membership(agent, event)
        try:
            for step in self._steps(agent, event, paused, queues):
                self._carry_out(acd.apply(event.agent_id, step))
                agent = acd.agent(event.agent_id)
        except IllegalStateChange as exc:
            log.warning("member_change_refused", agent_id=event.agent_id, error=exc.message)

    def paused_everywhere(self, agent_id: str, reason: str | None) -> None:
        """The desktop paused (``reason``) or unpaused (``None``) the agent in all their
        queues and the PBX said yes: the per-queue events that follow only confirm it."""
        queues = self._queues.get(agent_id, set())
        self._paused[agent_id] = {q: reason for q in queues} if reason is not None else {}

    def queues_of(self, agent_id: str) -> set[str]:
        """The queues the PBX has the agent in (not the agent's skills: in observe mode an
        agent may hold skills, such as a language, that name no queue of the PBX)."""
        return set(self._queues.get(agent_id, ()))

    @staticmethod
    def _steps(
        agent: Agent, event: ev.QueueMemberChanged, paused: dict[str, str], queues: set[str]
    ) -> list[ag.AgentEvent]:
        """The agent events that bring the ACD's view of ``agent`` in line with the PBX's."""
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

    def _membership(self, agent: Agent, event: ev.QueueMemberChanged) -> Agent:
        skills = dict(agent.skills)
        if event.change == "removed":
            skills.pop(event.queue, None)
        else:
            skills.setdefault(event.queue, 1)
        if skills == dict(agent.skills):
            return agent
        self._carry_out(self.acd.set_skills(agent.agent_id, tuple(skills.items())))
        return self.acd.agent(agent.agent_id)


def observed_skills(
    skills: tuple[tuple[str, int], ...], queues: Iterable[str]
) -> tuple[tuple[str, int], ...]:
    """A directory agent's skills in observe mode: those naming one of ``queues`` are dropped,
    since the PBX's queue members say who serves a queue (they come back as memberships)."""
    names = set(queues)
    return tuple((skill, level) for skill, level in skills if skill not in names)
