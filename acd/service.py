"""The ACD: holds agents, queues and waiting calls; decides; tells its listener.

It is synchronous and driven by an injected clock, so the same code runs live, in replay
and inside SimPy. In *routing* mode it picks agents and asks the telephony layer to ring
them (``on_offer``); in *observe* mode (Asterisk's app_queue distributes) it only tracks.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

from acd import agents as ag
from acd.agents import Agent, AgentState
from acd.errors import NoSuchAgent, NoSuchQueue
from acd.model import QueueConfig, WaitingCall
from acd.routing import assignments, is_eligible
from acd.stats import QueueCounters, QueueSnapshot
from cti.clock import Clock, Timer


@dataclass(frozen=True, slots=True)
class Offer:
    """Decision: ring ``agent_id`` for ``call_id`` from ``queue``."""

    call_id: str
    agent_id: str
    queue: str
    ring_timeout: float


class AcdListener:
    """What the ACD tells the rest of the system. Subclass and override what you need."""

    def offer(self, offer: Offer) -> None: ...

    def agent_changed(self, agent: Agent) -> None: ...

    def queue_changed(self, queue: str) -> None: ...


class Acd:
    def __init__(
        self,
        clock: Clock,
        queues: Iterable[QueueConfig],
        listener: AcdListener,
        *,
        routing: bool = True,
    ) -> None:
        self.clock = clock
        self.queues = {q.name: q for q in queues}
        self.routing = routing
        self._listener = listener
        self._agents: dict[str, Agent] = {}
        self._waiting: dict[str, WaitingCall] = {}
        self._counters = {name: QueueCounters() for name in self.queues}
        self._wrap_timers: dict[str, Timer] = {}
        self._seq = itertools.count()

    # -- agents -----------------------------------------------------------------
    def add_agent(self, agent_id: str, name: str, skills: tuple[tuple[str, int], ...]) -> Agent:
        agent = Agent(agent_id, name, skills, since=self.clock.now())
        self._agents[agent_id] = agent
        return agent

    def agent(self, agent_id: str) -> Agent:
        try:
            return self._agents[agent_id]
        except KeyError:
            raise NoSuchAgent(f"no agent {agent_id!r}", details={"agent_id": agent_id}) from None

    def agents(self) -> list[Agent]:
        return list(self._agents.values())

    def apply(self, agent_id: str, event: ag.AgentEvent) -> Agent:
        """Apply an agent event; raises ``IllegalStateChange`` and changes nothing if refused."""
        before = self.agent(agent_id)
        after = ag.transition(before, event, self.clock.now())
        if after is before:
            return after
        self._agents[agent_id] = after
        self._after_agent_change(before, after)
        return after

    def _after_agent_change(self, before: Agent, after: Agent) -> None:
        if before.state is AgentState.WRAP_UP and after.state is not AgentState.WRAP_UP:
            timer = self._wrap_timers.pop(after.agent_id, None)
            if timer is not None:
                timer.cancel()
        self._listener.agent_changed(after)
        if after.state is AgentState.AVAILABLE:
            self._dispatch()

    # -- calls ------------------------------------------------------------------
    def queue(self, name: str) -> QueueConfig:
        try:
            return self.queues[name]
        except KeyError:
            raise NoSuchQueue(f"no queue {name!r}", details={"queue": name}) from None

    def enqueue(self, call_id: str, queue: str, since: float | None = None) -> WaitingCall:
        self.queue(queue)
        when = self.clock.now() if since is None else since
        call = WaitingCall(call_id, queue, when, next(self._seq))
        self._waiting[call_id] = call
        self._counters[queue].offered += 1
        self._listener.queue_changed(queue)
        self._dispatch()
        return call

    def waiting(self, queue: str | None = None) -> list[WaitingCall]:
        calls = sorted(self._waiting.values(), key=lambda c: c.order)
        return [c for c in calls if queue is None or c.queue == queue]

    def ringing(self, call_id: str, agent_id: str, queue: str | None) -> None:
        """The PBX rings an agent (observe mode, or confirming our own offer)."""
        agent = self._agents.get(agent_id)
        if agent is not None and agent.call_id != call_id:
            self.apply(agent_id, ag.Reserve(call_id, queue))

    def ring_no_answer(self, call_id: str, agent_id: str) -> None:
        call = self._waiting.get(call_id)
        if call is not None:
            self._waiting[call_id] = replace(call, declined_by=call.declined_by | {agent_id})
        if agent_id in self._agents:
            self.apply(agent_id, ag.Release(call_id))

    def answered(self, call_id: str, agent_id: str, queue: str | None, wait: float) -> None:
        call = self._waiting.pop(call_id, None)
        if queue in self._counters and call is not None:
            self._counters[queue].on_answered(wait, self.queues[queue].service_level_seconds)
            self._listener.queue_changed(queue)
        if agent_id in self._agents:
            self.apply(agent_id, ag.Connect(call_id))

    def left_queue(self, call_id: str) -> WaitingCall | None:
        """The call left its queue without an answer (transferred elsewhere)."""
        call = self._waiting.pop(call_id, None)
        if call is not None:
            self._listener.queue_changed(call.queue)
        return call

    def abandoned(self, call_id: str) -> WaitingCall | None:
        call = self.left_queue(call_id)
        if call is not None:
            self._counters[call.queue].on_abandoned(self.clock.now() - call.since)
        self._release_ringing(call_id)
        return call

    def call_done(self, call_id: str, agent_id: str | None, queue: str | None) -> None:
        agent = self._agents.get(agent_id) if agent_id else None
        if agent is None or agent.call_id != call_id:
            return
        wrap = self.queues[queue].wrapup_seconds if queue in self.queues else 0.0
        after = self.apply(agent.agent_id, ag.CallDone(call_id, wrap))
        if after.state is AgentState.WRAP_UP:
            self._start_wrap_timer(after, wrap)

    def _release_ringing(self, call_id: str) -> None:
        for agent in list(self._agents.values()):
            if agent.call_id == call_id and agent.state is AgentState.RESERVED:
                self.apply(agent.agent_id, ag.Release(call_id))

    def _start_wrap_timer(self, agent: Agent, seconds: float) -> None:
        def expire() -> None:
            current = self._agents.get(agent.agent_id)
            self._wrap_timers.pop(agent.agent_id, None)
            if current is not None and current.state is AgentState.WRAP_UP:
                self.apply(agent.agent_id, ag.EndWrapUp())

        self._wrap_timers[agent.agent_id] = self.clock.call_later(seconds, expire)

    # -- routing ----------------------------------------------------------------
    def _dispatch(self) -> None:
        if not self.routing or not self._waiting:
            return
        offering = {a.call_id for a in self._agents.values() if a.state is AgentState.RESERVED}
        waiting = [c for c in self._waiting.values() if c.call_id not in offering]
        for call, agent in assignments(waiting, self.queues, self._agents.values()):
            queue = self.queues[call.queue]
            self.apply(agent.agent_id, ag.Reserve(call.call_id, call.queue))
            self._listener.offer(
                Offer(call.call_id, agent.agent_id, call.queue, queue.ring_timeout)
            )

    # -- board ------------------------------------------------------------------
    def snapshot(self, queue: str) -> QueueSnapshot:
        config, counters, now = self.queue(queue), self._counters[queue], self.clock.now()
        waiting = self.waiting(queue)
        members = [a for a in self._agents.values() if is_eligible(a, config)]
        return QueueSnapshot(
            queue=queue,
            label=config.label or queue,
            waiting=len(waiting),
            longest_wait=max((now - c.since for c in waiting), default=0.0),
            offered=counters.offered,
            answered=counters.answered,
            abandoned=counters.abandoned,
            service_level=counters.service_level(),
            service_level_target=config.service_level_seconds,
            abandon_rate=counters.abandon_rate(),
            asa=counters.asa(),
            agents=dict(Counter(a.state.value for a in members)),
        )

    def snapshots(self) -> list[QueueSnapshot]:
        return [self.snapshot(name) for name in self.queues]
