"""The ACD: agents, queues and waiting calls; it decides and tells its listener.

It is synchronous and driven by an injected clock, so the same code runs live, in replays
and inside SimPy. In *routing* mode it picks agents and asks the telephony layer to ring them
(``AcdListener.offer``); in *observe* mode (Asterisk's app_queue distributes) it only tracks.

Every change that could pair a waiting call with an available agent triggers exactly the
decision it needs: a call starts waiting → ``choose_agents`` for it; an agent becomes
available → ``choose_call`` for them; a configuration change → every available agent again.
"""

from __future__ import annotations

import itertools
import random
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, replace

from acd import agents as ag
from acd import escalation, explain, router
from acd.agents import Agent, AgentState
from acd.errors import IllegalStateChange, NoSuchAcdAgent, NoSuchQueue, NotWaiting, QueueInUse
from acd.explain import Decision, Explanation
from acd.index import Index
from acd.model import OverflowKind, QueueConfig, Requirements, WaitingCall
from acd.stats import QueueSnapshot, StatsBook
from cti.clock import Clock, Timer

AUTO_PAUSE_REASON = "auto: ring-no-answer"
DECISIONS_KEPT = 10


@dataclass(frozen=True, slots=True)
class Offer:
    """Decision: ring ``agent_id`` for ``call_id`` from ``queue``."""

    call_id: str
    agent_id: str
    queue: str
    ring_timeout: float


@dataclass(frozen=True, slots=True)
class CallbackDue:
    """Decision: call ``number`` back for ``agent_id``; the caller's turn has come."""

    call_id: str
    agent_id: str
    queue: str
    number: str


@dataclass(frozen=True, slots=True)
class Overflowed:
    """The call waited ``queue``'s maximum and goes to its overflow target."""

    call_id: str
    queue: str
    kind: str
    target: str


class AcdListener:
    """What the ACD tells the rest of the system. Subclass and override what you need."""

    def offer(self, offer: Offer) -> None: ...

    def callback_due(self, due: CallbackDue) -> None: ...

    def overflowed(self, overflow: Overflowed) -> None: ...

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
        rng: random.Random | None = None,
    ) -> None:
        self.clock = clock
        self.queues: dict[str, QueueConfig] = {q.name: q for q in queues}
        self.routing = routing
        self.stats = StatsBook(clock, self.queues)
        self._listener = listener
        self._rng = rng or random.Random(0)
        self._agents: dict[str, Agent] = {}
        self._positions: dict[str, int] = {}
        self._calls: dict[str, WaitingCall] = {}
        self._offering: dict[str, set[str]] = {}
        self._decisions: dict[str, deque[Decision]] = {}
        self._timers: dict[str, list[Timer]] = {}
        self._wrap_timers: dict[str, Timer] = {}
        self._rr_last: dict[str, float] = {}
        self._index = Index(self.queues)
        self._index.on_place = self.stats.serving
        self._seq = itertools.count()
        self._plain_requirements: dict[str, tuple[QueueConfig, Requirements]] = {}

    # -- agents -----------------------------------------------------------------
    def add_agent(self, agent_id: str, name: str, skills: tuple[tuple[str, int], ...]) -> Agent:
        agent = Agent(agent_id, name, tuple(sorted(skills)), since=self.clock.now())
        self._agents[agent_id] = agent
        self._positions.setdefault(agent_id, len(self._positions))
        self._index.place(agent)
        return agent

    def agent(self, agent_id: str) -> Agent:
        try:
            return self._agents[agent_id]
        except KeyError:
            raise NoSuchAcdAgent(f"no agent {agent_id!r}", details={"agent_id": agent_id}) from None

    def find_agent(self, agent_id: str) -> Agent | None:
        return self._agents.get(agent_id)

    def agents(self) -> list[Agent]:
        return list(self._agents.values())

    def members(self, queue: str) -> list[Agent]:
        return [self._agents[a] for a in sorted(self._index.members[self.queue(queue).name])]

    def apply(self, agent_id: str, event: ag.AgentEvent) -> Agent:
        """Apply an agent event; raises ``IllegalStateChange`` and changes nothing if refused."""
        before = self.agent(agent_id)
        after = ag.transition(before, event, self.clock.now())
        if after is not before:
            self._store(before, after)
        return after

    def _store(self, before: Agent, after: Agent) -> None:
        self._agents[after.agent_id] = after
        self.stats.agent_changed(before, after)
        if before.state is AgentState.WRAP_UP and after.state is not AgentState.WRAP_UP:
            _cancel(self._wrap_timers.pop(after.agent_id, None))
        if after.state is AgentState.AVAILABLE:
            self._index_available(after)
        else:
            self._index.agent_busy(after.agent_id)
        self._listener.agent_changed(after)
        if after.state is AgentState.AVAILABLE:
            self._serve_agent(after)

    def set_skills(self, agent_id: str, skills: tuple[tuple[str, int], ...]) -> Agent:
        agent = replace(self.agent(agent_id), skills=tuple(sorted(skills)))
        self._agents[agent_id] = agent
        self._index.place(agent)
        if agent.state is AgentState.AVAILABLE:
            self._index_available(agent)
            self._serve_agent(agent)
        self._listener.agent_changed(agent)
        return agent

    def _index_available(self, agent: Agent) -> None:
        occupancy = self.stats.occupancy(agent.agent_id)
        self._index.agent_available(agent, occupancy, self._positions[agent.agent_id])

    def _reindex(self) -> None:
        """After a queue change: who serves what, and the available agents' places."""
        self._index.queues_changed()
        for agent in self._agents.values():
            self._index.place(agent)
            if agent.state is AgentState.AVAILABLE:
                self._index_available(agent)

    # -- configuration ------------------------------------------------------------
    def queue(self, name: str) -> QueueConfig:
        try:
            return self.queues[name]
        except KeyError:
            raise NoSuchQueue(f"no queue {name!r}", details={"queue": name}) from None

    def configure_queue(self, config: QueueConfig) -> None:
        """Create or change a queue; the next decision uses it."""
        self.queues[config.name] = config
        self.stats.add_queue(config)
        self._reindex()
        for agent in list(self._agents.values()):
            if self._agents[agent.agent_id].state is AgentState.AVAILABLE:
                self._serve_agent(self._agents[agent.agent_id])
        self._listener.queue_changed(config.name)

    def delete_queue(self, name: str) -> None:
        self.queue(name)
        if any(c.queue == name for c in self._calls.values()):
            raise QueueInUse(f"queue {name!r} has waiting calls", details={"queue": name})
        del self.queues[name]
        self._reindex()

    # -- calls --------------------------------------------------------------------
    def enqueue(
        self,
        call_id: str,
        queue: str,
        since: float | None = None,
        requirements: Requirements | None = None,
    ) -> WaitingCall:
        config = self.queue(queue)
        now = self.clock.now()
        wanted = requirements or self._plain(config)
        call = WaitingCall(
            call_id,
            queue,
            now if since is None else since,
            next(self._seq),
            wanted,
            weight=config.weight,
            queues=(queue,),
        )
        if wanted.owner is not None and config.owner_first_seconds > 0:
            call.owner_until = call.since + config.owner_first_seconds
        self._calls[call_id] = call
        self.stats.offered(queue)
        self._schedule(call, config)
        if not self._serve_call(call):  # an agent was free: it never waits in the index
            self._index.call_waiting(call)
        self._listener.queue_changed(queue)
        return call

    def _plain(self, config: QueueConfig) -> Requirements:
        """What a call needs when nothing is known about it: its queue's skills and priority.

        Kept per configuration (``Requirements`` is immutable), so a busy queue does not
        build the same object for every call."""
        plain = self._plain_requirements.get(config.name)
        if plain is None or plain[0] is not config:
            plain = (config, Requirements(skills=config.skills, priority=config.priority))
            self._plain_requirements[config.name] = plain
        return plain[1]

    def update_requirements(self, call_id: str, requirements: Requirements) -> None:
        """New facts about the caller (the CRM answered, the IVR set skills)."""
        call = self._calls.get(call_id)
        if call is None:
            return
        call.requirements = requirements
        if requirements.owner is not None and not call.owner_until:
            call.owner_until = call.since + self.queues[call.queue].owner_first_seconds
        if self._index.is_waiting(call_id):
            self._index.call_waiting(call)
            self._serve_call(call)

    def waiting(self, queue: str | None = None) -> list[WaitingCall]:
        calls = sorted(self._calls.values(), key=lambda c: c.key)
        return [c for c in calls if queue is None or queue in c.queues]

    def waiting_call(self, call_id: str) -> WaitingCall | None:
        return self._calls.get(call_id)

    def offered_to(self, call_id: str) -> tuple[str, ...]:
        return tuple(sorted(self._offering.get(call_id, ())))

    def decisions(self, call_id: str) -> tuple[Decision, ...]:
        return tuple(self._decisions.get(call_id, ()))

    def ringing(self, call_id: str, agent_id: str, queue: str | None) -> None:
        """The PBX rings an agent (observe mode, a callback's leg, or our own offer)."""
        agent = self._agents.get(agent_id)
        if agent is None or agent.call_id == call_id:
            return
        if agent.state is AgentState.RESERVED and agent.call_id in self._calls:
            callback = self._calls[agent.call_id]
            if callback.callback_number is not None:  # the callback's outbound leg
                self._finish(callback.call_id)
                agent = self.apply(agent_id, ag.Release(callback.call_id))
        self._follow(agent, ag.Reserve(call_id, queue), AgentState.RESERVED, call_id, queue)

    def _follow(
        self, agent: Agent, event: ag.AgentEvent, state: AgentState, call_id: str, queue: str | None
    ) -> None:
        """Apply a PBX fact. Observing, the PBX is the truth: if our state forbids the step
        (a missed hang-up, a wrap-up Asterisk counts differently), we take its word for it."""
        try:
            self.apply(agent.agent_id, event)
        except IllegalStateChange:
            if self.routing:
                raise
            forced = replace(
                agent, state=state, since=self.clock.now(), call_id=call_id, queue=queue
            )
            self._store(agent, forced)

    def ring_no_answer(self, call_id: str, agent_id: str) -> None:
        call = self._calls.get(call_id)
        ringing = self._offering.get(call_id, set())
        ringing.discard(agent_id)
        if call is not None:
            call.declined_by.add(agent_id)
        agent = self._agents.get(agent_id)
        if agent is None:
            return
        after = self.apply(agent_id, ag.Release(call_id, rang_out=True))
        self._auto_pause(after, call)
        if call is not None and not ringing and not self._index.is_waiting(call_id):
            self._offering.pop(call_id, None)
            self._index.call_waiting(call)
            self._serve_call(call)

    def _auto_pause(self, agent: Agent, call: WaitingCall | None) -> None:
        limit = self.queues[call.queue].auto_pause_after if call else 0
        if limit and agent.rna_streak >= limit and agent.state is AgentState.AVAILABLE:
            self.apply(agent.agent_id, ag.Pause(AUTO_PAUSE_REASON))

    def answered(self, call_id: str, agent_id: str, queue: str | None, wait: float) -> None:
        call = self._calls.get(call_id)
        others = self._offering.pop(call_id, set()) - {agent_id}
        if call is not None:
            self._finish(call_id)
            self.stats.answered(call.queue, wait)
            self._listener.queue_changed(call.queue)
        for other in sorted(others):  # ring-all: the first answer wins
            self.apply(other, ag.Release(call_id))
        agent = self._agents.get(agent_id)
        if agent is not None:
            self._follow(
                agent, ag.Connect(call_id), AgentState.ON_CALL, call_id, agent.queue or queue
            )

    def hand_over(self, agent_id: str, from_call: str, to_call: str) -> None:
        """A consultation becomes the call itself: the consulted agent, already talking,
        takes over ``to_call`` without passing through available."""
        agent = self.agent(agent_id)
        if agent.state is AgentState.ON_CALL and agent.call_id == from_call:
            self._agents[agent_id] = replace(agent, call_id=to_call)
            self._listener.agent_changed(self._agents[agent_id])

    def left_queue(self, call_id: str) -> WaitingCall | None:
        """The call left its queue without an answer (transferred elsewhere)."""
        call = self._finish(call_id)
        if call is not None:
            self._listener.queue_changed(call.queue)
        self._release_ringing(call_id)
        return call

    def abandoned(self, call_id: str) -> WaitingCall | None:
        call = self._calls.get(call_id)
        if call is not None and call.callback_number is not None:
            return None  # the caller hung up on purpose: the callback keeps its place
        call = self.left_queue(call_id)
        if call is not None:
            self.stats.abandoned(call.queue, self.clock.now() - call.since)
        return call

    def request_callback(self, call_id: str, number: str) -> WaitingCall:
        """The caller hangs up and is called back when their turn comes."""
        call = self._calls.get(call_id)
        if call is None:
            raise NotWaiting(f"call {call_id!r} is not waiting", details={"call_id": call_id})
        call.callback_number = number
        self._release_ringing(call_id)
        if not self._index.is_waiting(call_id):
            self._index.call_waiting(call)
        self._listener.queue_changed(call.queue)
        return call

    def call_done(self, call_id: str, agent_id: str | None, queue: str | None) -> None:
        agent = self._agents.get(agent_id) if agent_id else None
        if agent is None or agent.call_id != call_id:
            return
        wrap = self.queues[queue].wrapup_seconds if queue in self.queues else 0.0
        after = self.apply(agent.agent_id, ag.CallDone(call_id, wrap))
        if after.state is AgentState.WRAP_UP:
            self._start_wrap_timer(after, wrap)

    def _finish(self, call_id: str) -> WaitingCall | None:
        call = self._calls.pop(call_id, None)
        self._index.call_gone(call_id)
        for timer in self._timers.pop(call_id, ()):
            timer.cancel()
        self._decisions.pop(call_id, None)
        return call

    def _release_ringing(self, call_id: str) -> None:
        for agent_id in sorted(self._offering.pop(call_id, set())):
            self.apply(agent_id, ag.Release(call_id))
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

    # -- timers: escalation, owner window, maximum wait ---------------------------
    def _schedule(self, call: WaitingCall, config: QueueConfig) -> None:
        if not (config.escalation or call.owner_until or config.max_wait_seconds is not None):
            return  # nothing changes by itself while this call waits
        timers = [
            self.clock.call_later(at - self.clock.now(), lambda: self._wake(call.call_id))
            for at in escalation.wake_times(call, config)
        ]
        if config.max_wait_seconds is not None and config.overflow is not None:
            delay = call.since + config.max_wait_seconds - self.clock.now()
            timers.append(self.clock.call_later(delay, lambda: self._overflow(call.call_id)))
        self._timers[call.call_id] = timers

    def _wake(self, call_id: str) -> None:
        call = self._calls.get(call_id)
        if call is None:
            return
        escalation.apply_due_steps(call, self.queues[call.queue], self.clock.now())
        if self._index.is_waiting(call_id):
            self._index.call_waiting(call)
            self._serve_call(call)

    def _overflow(self, call_id: str) -> None:
        call = self._calls.get(call_id)
        config = self.queues[call.queue] if call else None
        if call is None or config is None or config.overflow is None:
            return
        if call.callback_number is not None:
            return
        target = config.overflow
        if target.kind is OverflowKind.CALLBACK:  # stays, keeping its place; see the listener
            self.stats.overflowed(call.queue)
            self._listener.overflowed(Overflowed(call_id, call.queue, target.kind.value, ""))
            return
        self.left_queue(call_id)
        self.stats.overflowed(call.queue)
        self._listener.overflowed(Overflowed(call_id, call.queue, target.kind.value, target.target))

    # -- routing ------------------------------------------------------------------
    def _serve_call(self, call: WaitingCall) -> bool:
        """Offer ``call`` to the agent(s) the router picks; whether it was offered."""
        if not self.routing or call.call_id in self._offering:
            return False
        now = self.clock.now()
        choice = router.choose_agents(
            self._index, call, self._agents, now, rr_last=self._rr_last, rng=self._rng
        )
        if choice is None:
            return False
        self._offer(call, choice.agent_ids, choice.rule, choice.passed_over)
        return True

    def _serve_agent(self, agent: Agent) -> None:
        if not self.routing:
            return
        choice = router.choose_call(self._index, agent, self._calls, self.clock.now())
        if choice is not None:
            self._offer(choice.call, (agent.agent_id,), choice.rule, choice.passed_over)

    def _offer(
        self,
        call: WaitingCall,
        agent_ids: tuple[str, ...],
        rule: str,
        passed: tuple[tuple[str, str], ...],
    ) -> None:
        now = self.clock.now()
        self._index.call_gone(call.call_id)
        self._offering[call.call_id] = set(agent_ids)
        log = self._decisions.setdefault(call.call_id, deque(maxlen=DECISIONS_KEPT))
        log.append(Decision(now, rule, agent_ids, passed))
        config = self.queues[call.queue]
        for agent_id in agent_ids:
            self._rr_last[call.queue] = float(self._positions[agent_id])
            self.apply(agent_id, ag.Reserve(call.call_id, call.queue))
        if call.callback_number is not None:
            due = CallbackDue(call.call_id, agent_ids[0], call.queue, call.callback_number)
            self._listener.callback_due(due)
            return
        for agent_id in agent_ids:
            self._listener.offer(Offer(call.call_id, agent_id, call.queue, config.ring_timeout))

    # -- explanations ---------------------------------------------------------------
    def explain(self, call_id: str) -> Explanation:
        call = self._calls.get(call_id)
        if call is None:
            raise NotWaiting(f"call {call_id!r} is not waiting", details={"call_id": call_id})
        now = self.clock.now()
        members = sorted({a for q in call.queues for a in self._index.members.get(q, ())})
        eligible, blocked = [], []
        for agent_id in members[: explain.MAX_LISTED]:
            reason = explain.blocked_reason(self._agents[agent_id], call, now)
            if reason is None:
                eligible.append(agent_id)
            else:
                blocked.append((agent_id, reason))
        offered = self.offered_to(call_id)
        return Explanation(
            call_id=call_id,
            queue=call.queue,
            queues=call.queues,
            waiting_seconds=now - call.since,
            score=call.score(now),
            priority=call.requirements.priority,
            requirements=dict(call.needs()),
            alternatives=dict(call.alternatives),
            language=call.requirements.language,
            reasons=call.requirements.reasons,
            offered_to=offered,
            decisions=self.decisions(call_id),
            eligible_available=tuple(eligible),
            blocked=tuple(blocked),
            summary=explain.summarise(call, offered, eligible, blocked),
        )

    # -- board --------------------------------------------------------------------
    def snapshot(self, queue: str) -> QueueSnapshot:
        config = self.queue(queue)
        waiting = [c for c in self._calls.values() if c.queue == queue]
        members = [self._agents[a] for a in self._index.members[queue]]
        return self.stats.snapshot(config, waiting, members)

    def snapshots(self) -> list[QueueSnapshot]:
        return [self.snapshot(name) for name in self.queues]


def _cancel(timer: Timer | None) -> None:
    if timer is not None:
        timer.cancel()
