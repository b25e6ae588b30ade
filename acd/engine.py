"""The ACD: agents, queues and waiting calls; every event in, its decisions out.

It is synchronous and driven by an injected clock, so the same code runs live, in replays
and inside SimPy. Each event method (``enqueue``, ``answered``, ``apply``, ``wake``, …)
changes the ACD's state and returns what it decided, as ``acd.commands``: offers, callbacks
due, overflows, agent and queue changes, and wakes to hand back later. It never calls out
while deciding, so nothing re-enters it; the driver carries the commands out in order. In
*routing* mode it picks agents (``Offer``); in *observe* mode (Asterisk's app_queue
distributes) it only tracks.

Every change that could pair a waiting call with an available agent triggers exactly the
decision it needs: a call starts waiting → ``choose_agents`` for it; an agent becomes
available → ``choose_call`` for them; a configuration change → every available agent again.
"""

from __future__ import annotations

import itertools
import random
from collections import deque
from collections.abc import Iterable
from dataclasses import replace

from acd import agents as ag
from acd import choose, escalation, explain, failures
from acd.agents import Agent, AgentState
from acd.commands import (
    AgentChanged,
    CallbackDue,
    Commands,
    Offer,
    Overflowed,
    PhoneFailed,
    QueueChanged,
    Wake,
    WakeKind,
)
from acd.errors import IllegalStateChange, NoSuchAcdAgent, NoSuchQueue, NotWaiting, QueueInUse
from acd.explain import Decision, Explanation
from acd.index import Index
from acd.model import OverflowKind, QueueConfig, Requirements, WaitingCall
from acd.stats import QueueSnapshot, StatsBook
from cti.clock import Clock

AUTO_PAUSE_REASON = "auto: ring-no-answer"
DECISIONS_KEPT = 10


class Acd:
    def __init__(
        self,
        clock: Clock,
        queues: Iterable[QueueConfig],
        *,
        routing: bool = True,
        rng: random.Random | None = None,
        decision_log: bool = True,
        report_changes: bool = True,
    ) -> None:
        """``decision_log`` keeps each call's last decisions for ``explain`` (the live server
        does; a simulation that never asks turns it off). ``report_changes`` returns
        ``AgentChanged`` and ``QueueChanged`` for desktops and the board."""
        self.clock = clock
        self.queues: dict[str, QueueConfig] = {q.name: q for q in queues}
        self.routing = routing
        self.stats = StatsBook(clock, self.queues)
        self._rng = rng or random.Random(0)
        self._log = decision_log
        self._report = report_changes
        self._out: Commands = []
        self._agents: dict[str, Agent] = {}
        self._positions: dict[str, int] = {}
        self._calls: dict[str, WaitingCall] = {}
        self._offering: dict[str, set[str]] = {}
        self._decisions: dict[str, deque[Decision]] = {}
        self._wrap_tokens: dict[str, int] = {}
        self._rr_last: dict[str, float] = {}
        self._index = Index(self.queues)
        self._index.on_place = self.stats.serving
        self._seq = itertools.count()
        self._tokens = itertools.count()
        self._plain_requirements: dict[str, tuple[QueueConfig, Requirements]] = {}
        self._failures = failures.FailureBook()
        self._phone_tokens: dict[str, int] = {}  # agent -> their pending PHONE_RETRY

    def _take(self) -> Commands:
        out, self._out = self._out, []
        return out

    def take(self) -> Commands:
        """Decisions made by an event that was then refused (``IllegalStateChange``) part
        way: what changed before the refusal stands, and these carry it out."""
        return self._take()

    # -- agents -----------------------------------------------------------------
    def add_agent(self, agent_id: str, name: str, skills: tuple[tuple[str, int], ...]) -> Agent:
        """A new agent, logged out (so nothing is decided)."""
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

    def apply(self, agent_id: str, event: ag.AgentEvent) -> Commands:
        """Apply an agent event; raises ``IllegalStateChange`` and changes nothing if refused."""
        self._apply(agent_id, event)
        if isinstance(event, ag.MakeAvailable | ag.Login):  # a person vouches for the phone
            self._failures.agent_ok(agent_id)
            self._phone_tokens.pop(agent_id, None)
        return self._take()

    def _apply(self, agent_id: str, event: ag.AgentEvent) -> Agent:
        before = self._agents.get(agent_id) or self.agent(agent_id)
        now = self.clock.now()
        after = ag.transition(before, event, now)
        if after is not before:
            self._store(before, after, now)
        return after

    def _store(self, before: Agent, after: Agent, now: float | None = None) -> None:
        self._agents[after.agent_id] = after
        self.stats.agent_changed(before, after, now)
        if before.state is AgentState.WRAP_UP and after.state is not AgentState.WRAP_UP:
            self._wrap_tokens.pop(after.agent_id, None)
        if self._report:
            self._out.append(AgentChanged(after))
        if after.state is AgentState.AVAILABLE:
            # offered a call at once, the agent never enters the available index
            if not self._serve_agent(after):
                self._index_available(after)
        else:
            self._index.agent_busy(after.agent_id)

    def set_skills(self, agent_id: str, skills: tuple[tuple[str, int], ...]) -> Commands:
        agent = replace(self.agent(agent_id), skills=tuple(sorted(skills)))
        self._agents[agent_id] = agent
        self._index.place(agent)
        if agent.state is AgentState.AVAILABLE:
            self._index_available(agent)
            self._serve_agent(agent)
        if self._report:
            self._out.append(AgentChanged(self._agents[agent_id]))
        return self._take()

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

    def configure_queue(self, config: QueueConfig) -> Commands:
        """Create or change a queue; the next decision uses it."""
        self.queues[config.name] = config
        self.stats.add_queue(config)
        self._reindex()
        for agent_id in list(self._agents):
            agent = self._agents[agent_id]
            if agent.state is AgentState.AVAILABLE:
                self._serve_agent(agent)
        if self._report:
            self._out.append(QueueChanged(config.name))
        return self._take()

    def delete_queue(self, name: str) -> Commands:
        self.queue(name)
        if any(c.queue == name for c in self._calls.values()):
            raise QueueInUse(f"queue {name!r} has waiting calls", details={"queue": name})
        del self.queues[name]
        self._reindex()
        return self._take()

    # -- calls --------------------------------------------------------------------
    def enqueue(
        self,
        call_id: str,
        queue: str,
        since: float | None = None,
        requirements: Requirements | None = None,
    ) -> Commands:
        config = self.queue(queue)
        at = self.clock.now() if since is None else since
        wanted = requirements or self._plain(config)
        owner_until = 0.0
        if wanted.owner is not None and config.owner_first_seconds > 0:
            owner_until = at + config.owner_first_seconds
        call = WaitingCall(
            call_id,
            queue,
            at,
            next(self._seq),
            wanted,
            config.weight,
            queues=(queue,),
            owner_until=owner_until,
        )
        self._calls[call_id] = call
        self.stats.offered(queue)
        if config.escalation or owner_until or config.max_wait_seconds is not None:
            self._schedule(call, config)
        if not self._serve_call(call):  # an agent was free: it never waits in the index
            self._index.call_waiting(call)
        if self._report:
            self._out.append(QueueChanged(queue))
        return self._take()

    def _plain(self, config: QueueConfig) -> Requirements:
        """What a call needs when nothing is known about it: its queue's skills and priority.

        Kept per configuration (``Requirements`` is immutable), so a busy queue does not
        build the same object for every call."""
        plain = self._plain_requirements.get(config.name)
        if plain is None or plain[0] is not config:
            plain = (config, Requirements(skills=config.skills, priority=config.priority))
            self._plain_requirements[config.name] = plain
        return plain[1]

    def update_requirements(self, call_id: str, requirements: Requirements) -> Commands:
        """New facts about the caller (the CRM answered, the IVR set skills)."""
        call = self._calls.get(call_id)
        if call is None:
            return self._take()
        owner_until = call.owner_until
        if requirements.owner is not None and not owner_until:
            owner_until = call.since + self.queues[call.queue].owner_first_seconds
        call = self._calls[call_id] = replace(
            call, requirements=requirements, owner_until=owner_until
        )
        if self._index.is_waiting(call_id):
            self._index.call_waiting(call)
            self._serve_call(call)
        return self._take()

    def waiting(self, queue: str | None = None) -> list[WaitingCall]:
        calls = sorted(self._calls.values(), key=lambda c: c.key)
        return [c for c in calls if queue is None or queue in c.queues]

    def waiting_call(self, call_id: str) -> WaitingCall | None:
        return self._calls.get(call_id)

    def offered_to(self, call_id: str) -> tuple[str, ...]:
        return tuple(sorted(self._offering.get(call_id, ())))

    def decisions(self, call_id: str) -> tuple[Decision, ...]:
        return tuple(self._decisions.get(call_id, ()))

    def ringing(self, call_id: str, agent_id: str, queue: str | None) -> Commands:
        """The PBX rings an agent (observe mode, a callback's leg, or our own offer)."""
        agent = self._agents.get(agent_id)
        if agent is None or agent.call_id == call_id:
            return self._take()
        if agent.state is AgentState.RESERVED and agent.call_id in self._calls:
            callback = self._calls[agent.call_id]
            if callback.callback_number is not None:  # the callback's outbound leg
                self._finish(callback.call_id)
                agent = self._apply(agent_id, ag.Release(callback.call_id))
        self._follow(agent, ag.Reserve(call_id, queue), AgentState.RESERVED, call_id, queue)
        return self._take()

    def _follow(
        self, agent: Agent, event: ag.AgentEvent, state: AgentState, call_id: str, queue: str | None
    ) -> None:
        """Apply a PBX fact. Observing, the PBX is the truth: if our state forbids the step
        (a missed hang-up, a wrap-up Asterisk counts differently), we take its word for it."""
        try:
            self._apply(agent.agent_id, event)
        except IllegalStateChange:
            if self.routing and agent.state is not AgentState.LOGGED_OUT:
                raise  # a logged-out agent on a call: found talking at a restart
            forced = replace(
                agent, state=state, since=self.clock.now(), call_id=call_id, queue=queue
            )
            self._store(agent, forced)

    def ring_no_answer(self, call_id: str, agent_id: str, *, failed: bool = False) -> Commands:
        """The agent's phone rang out; or (``failed``) the offer failed before it could ring,
        and agent and call are held back for a while (``acd.failures``)."""
        call = self._calls.get(call_id)
        ringing = self._offering.get(call_id, set())
        ringing.discard(agent_id)
        if call is not None:
            call = self._calls[call_id] = replace(call, declined_by=call.declined_by | {agent_id})
        if agent_id not in self._agents:
            return self._take()
        retry_call = self._phone_failed(agent_id, call_id) if failed else None
        after = self._apply(agent_id, ag.Release(call_id, rang_out=True))
        self._auto_pause(after, call)
        if call is not None and not ringing and not self._index.is_waiting(call_id):
            self._offering.pop(call_id, None)
            if retry_call is not None:
                self._out.append(Wake(retry_call, WakeKind.OFFER_RETRY, call_id, call.seq))
            else:
                self._index.call_waiting(call)
                self._serve_call(call)
        return self._take()

    def _phone_failed(self, agent_id: str, call_id: str) -> float:
        """Pause the agent whose phone failed (their release then takes the pause), alert,
        and say when the call may be offered again."""
        agent_failures, call_failures = self._failures.failed(agent_id, call_id)
        now = self.clock.now()
        delay = failures.agent_delay(agent_failures)
        if self._agents[agent_id].state is AgentState.RESERVED:
            self._apply(agent_id, ag.Pause(failures.PHONE_FAILED_REASON))
        retry_at = None if delay is None else now + delay
        if retry_at is not None:
            token = self._phone_tokens[agent_id] = next(self._tokens)
            self._out.append(Wake(retry_at, WakeKind.PHONE_RETRY, agent_id, token))
        self._out.append(PhoneFailed(agent_id, call_id, now, agent_failures, retry_at))
        return now + failures.call_delay(call_failures)

    def _auto_pause(self, agent: Agent, call: WaitingCall | None) -> None:
        limit = self.queues[call.queue].auto_pause_after if call else 0
        if limit and agent.rna_streak >= limit and agent.state is AgentState.AVAILABLE:
            self._apply(agent.agent_id, ag.Pause(AUTO_PAUSE_REASON))

    def answered(self, call_id: str, agent_id: str, queue: str | None, wait: float) -> Commands:
        call = self._calls.get(call_id)
        offered = self._offering.pop(call_id, None)
        if call is not None:
            self._finish(call_id)
            self.stats.answered(call.queue, wait)
            if self._report:
                self._out.append(QueueChanged(call.queue))
        self._failures.agent_ok(agent_id)
        if offered is not None and len(offered) > 1:  # ring-all: the first answer wins
            for other in sorted(offered - {agent_id}):
                self._apply(other, ag.Release(call_id))
        agent = self._agents.get(agent_id)
        if agent is not None:
            self._follow(
                agent, ag.Connect(call_id), AgentState.ON_CALL, call_id, agent.queue or queue
            )
        return self._take()

    def hand_over(self, agent_id: str, from_call: str, to_call: str) -> Commands:
        """A consultation becomes the call itself: the consulted agent, already talking,
        takes over ``to_call`` without passing through available."""
        agent = self.agent(agent_id)
        if agent.state is AgentState.ON_CALL and agent.call_id == from_call:
            self._agents[agent_id] = replace(agent, call_id=to_call)
            if self._report:
                self._out.append(AgentChanged(self._agents[agent_id]))
        return self._take()

    def left_queue(self, call_id: str) -> Commands:
        """The call left its queue without an answer (transferred elsewhere)."""
        self._leave(call_id)
        return self._take()

    def _leave(self, call_id: str) -> WaitingCall | None:
        call = self._finish(call_id)
        if call is not None and self._report:
            self._out.append(QueueChanged(call.queue))
        self._release_ringing(call_id)
        return call

    def abandoned(self, call_id: str) -> Commands:
        """The caller hung up; a call that asked for a callback keeps its place."""
        call = self._calls.get(call_id)
        if call is not None and call.callback_number is not None:
            return self._take()  # the caller hung up on purpose
        call = self._leave(call_id)
        if call is not None:
            self.stats.abandoned(call.queue, self.clock.now() - call.since)
        return self._take()

    def request_callback(self, call_id: str, number: str) -> Commands:
        """The caller hangs up and is called back when their turn comes."""
        call = self._calls.get(call_id)
        if call is None:
            raise NotWaiting(f"call {call_id!r} is not waiting", details={"call_id": call_id})
        call = self._calls[call_id] = replace(call, callback_number=number)
        self._release_ringing(call_id)
        if not self._index.is_waiting(call_id):
            self._index.call_waiting(call)
        if self._report:
            self._out.append(QueueChanged(call.queue))
        return self._take()

    def call_done(self, call_id: str, agent_id: str | None, queue: str | None) -> Commands:
        agent = self._agents.get(agent_id) if agent_id else None
        if agent is None or agent.call_id != call_id:
            return self._take()
        wrap = self.queues[queue].wrapup_seconds if queue in self.queues else 0.0
        after = self._apply(agent.agent_id, ag.CallDone(call_id, wrap))
        if after.state is AgentState.WRAP_UP:
            token = self._wrap_tokens[after.agent_id] = next(self._tokens)
            now = self.clock.now()
            self._out.append(Wake(now + wrap, WakeKind.WRAP_UP, after.agent_id, token))
        return self._take()

    def _finish(self, call_id: str) -> WaitingCall | None:
        call = self._calls.pop(call_id, None)
        self._failures.call_gone(call_id)
        self._index.call_gone(call_id)
        if self._log:
            self._decisions.pop(call_id, None)
        return call

    def _release_ringing(self, call_id: str) -> None:
        for agent_id in sorted(self._offering.pop(call_id, set())):
            self._apply(agent_id, ag.Release(call_id))
        for agent in list(self._agents.values()):
            if agent.call_id == call_id and agent.state is AgentState.RESERVED:
                self._apply(agent.agent_id, ag.Release(call_id))

    # -- wakes: escalation, owner window, maximum wait, wrap-up -----------------------
    def _schedule(self, call: WaitingCall, config: QueueConfig) -> None:
        """Wakes for what changes by itself while the call waits."""
        out, call_id, seq = self._out, call.call_id, call.seq
        for at in escalation.wake_times(call, config):
            out.append(Wake(at, WakeKind.ESCALATE, call_id, seq))
        if config.max_wait_seconds is not None and config.overflow is not None:
            out.append(Wake(call.since + config.max_wait_seconds, WakeKind.OVERFLOW, call_id, seq))

    def wake(self, wake: Wake) -> Commands:
        """A ``Wake`` the ACD asked for is due."""
        if wake.kind is WakeKind.WRAP_UP:
            self._end_wrap_up(wake)
            return self._take()
        if wake.kind is WakeKind.PHONE_RETRY:
            self._phone_retry(wake)
            return self._take()
        call = self._calls.get(wake.subject)
        if call is None or call.seq != wake.token:
            return self._take()  # answered, abandoned or gone since; or another call now
        if wake.kind is WakeKind.OFFER_RETRY:
            if call.call_id not in self._offering and not self._index.is_waiting(call.call_id):
                self._index.call_waiting(call)
                self._serve_call(call)
        elif wake.kind is WakeKind.ESCALATE:
            self._escalate(call)
        else:
            self._overflow(call)
        return self._take()

    def _end_wrap_up(self, wake: Wake) -> None:
        if self._wrap_tokens.get(wake.subject) != wake.token:
            return  # the wrap-up ended early, or this is an earlier one
        del self._wrap_tokens[wake.subject]
        current = self._agents.get(wake.subject)
        if current is not None and current.state is AgentState.WRAP_UP:
            self._apply(wake.subject, ag.EndWrapUp())

    def _phone_retry(self, wake: Wake) -> None:
        if self._phone_tokens.get(wake.subject) != wake.token:
            return  # made available meanwhile, or a later failure set another wake
        del self._phone_tokens[wake.subject]
        agent = self._agents.get(wake.subject)
        paused = agent is not None and agent.state is AgentState.PAUSED
        if paused and agent is not None and agent.pause_reason == failures.PHONE_FAILED_REASON:
            self._apply(wake.subject, ag.MakeAvailable())

    def _escalate(self, call: WaitingCall) -> None:
        call = escalation.apply_due_steps(call, self.queues[call.queue], self.clock.now())
        self._calls[call.call_id] = call
        if self._index.is_waiting(call.call_id):
            self._index.call_waiting(call)
            self._serve_call(call)

    def _overflow(self, call: WaitingCall) -> None:
        config = self.queues.get(call.queue)
        if config is None or config.overflow is None or call.callback_number is not None:
            return
        target = config.overflow
        if target.kind is OverflowKind.CALLBACK:  # stays, keeping its place; see Overflowed
            self.stats.overflowed(call.queue)
            self._out.append(Overflowed(call.call_id, call.queue, target.kind, ""))
            return
        self._leave(call.call_id)
        self.stats.overflowed(call.queue)
        self._out.append(Overflowed(call.call_id, call.queue, target.kind, target.target))

    # -- routing ------------------------------------------------------------------
    def _serve_call(self, call: WaitingCall) -> bool:
        """Offer ``call`` to the agent(s) the chooser picks; whether it was offered."""
        if not self.routing or call.call_id in self._offering:
            return False
        now = self.clock.now()
        choice = choose.choose_agents(
            self._index, call, self._agents, now, rr_last=self._rr_last, rng=self._rng
        )
        if choice is None:
            return False
        self._offer(call, choice.agent_ids, choice.rule, choice.passed_over)
        return True

    def _serve_agent(self, agent: Agent) -> bool:
        """Offer ``agent`` the best call they may take; whether there was one."""
        if not self.routing or not self._calls:
            return False
        choice = choose.choose_call(self._index, agent, self._calls, self.clock.now())
        if choice is None:
            return False
        self._offer(choice.call, (agent.agent_id,), choice.rule, choice.passed_over)
        return True

    def _offer(
        self,
        call: WaitingCall,
        agent_ids: tuple[str, ...],
        rule: str,
        passed: tuple[tuple[str, str], ...],
    ) -> None:
        self._index.call_gone(call.call_id)
        self._offering[call.call_id] = set(agent_ids)
        if self._log:
            log = self._decisions.get(call.call_id)
            if log is None:
                log = self._decisions[call.call_id] = deque(maxlen=DECISIONS_KEPT)
            log.append(Decision(self.clock.now(), rule, agent_ids, passed))
        config = self.queues[call.queue]
        reserve = ag.Reserve(call.call_id, call.queue)
        for agent_id in agent_ids:
            self._apply(agent_id, reserve)
        self._rr_last[call.queue] = float(self._positions[agent_ids[-1]])
        if call.callback_number is not None:
            due = CallbackDue(call.call_id, agent_ids[0], call.queue, call.callback_number)
            self._out.append(due)
            return
        for agent_id in agent_ids:
            self._out.append(Offer(call.call_id, agent_id, call.queue, config.ring_timeout))

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
