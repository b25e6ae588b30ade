"""Stateful property test: random arrivals, hang-ups, state and configuration changes.

After every step the ACD must hold: no call offered to an agent lacking a required skill or
level; no agent holding two calls; the best score first and FIFO within equal scores; no call
waiting while an agent who could take it sits available; every call ending exactly once.
"""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from acd import agents as ag
from acd.agents import Agent, AgentState
from acd.commands import CallbackDue, Offer, Overflowed
from acd.eligibility import serves, why_not
from acd.engine import Acd
from acd.errors import IllegalStateChange
from acd.model import EscalationStep, QueueConfig, Requirements, Strategy, WaitingCall
from cti.clock import ManualClock
from tests.rig import DrivenAcd, Recorder

SKILLS = ("a", "b", "c")
AGENTS = ("x1", "x2", "x3", "x4", "x5")
STRATEGIES = (
    Strategy.LONGEST_IDLE,
    Strategy.MOST_SKILLED,
    Strategy.FEWEST_CALLS,
    Strategy.ROUND_ROBIN,
)


def can_take(acd: Acd, agent: Agent, call: WaitingCall, now: float) -> bool:
    if why_not(agent, call, now) is None:
        return True
    return any(
        q in acd.queues
        and serves(agent, acd.queues[q])
        and why_not(agent, call, now, acd.queues[q]) is None
        for q in call.queues[1:]
    )


class Checker(Recorder):
    """Checks each offer as the ACD's decisions are carried out, after the event that made
    them has returned."""

    def __init__(self) -> None:
        super().__init__()
        self.acd: Acd | None = None
        self.violations: list[str] = []
        self.offers: list[Offer] = []
        self.overflowed_calls: list[str] = []

    def offer(self, offer: Offer) -> None:
        self._check(offer.call_id, offer.agent_id)
        self.offers.append(offer)

    def callback_due(self, due: CallbackDue) -> None:
        self._check(due.call_id, due.agent_id)

    def overflowed(self, overflow: Overflowed) -> None:
        self.overflowed_calls.append(overflow.call_id)

    def _check(self, call_id: str, agent_id: str) -> None:
        assert self.acd is not None
        acd, now = self.acd, self.acd.clock.now()
        agent, call = acd.agent(agent_id), acd.waiting_call(call_id)
        if call is None:
            self.violations.append(f"{call_id} offered but not waiting")
            return
        if not can_take(acd, agent, call, now):
            self.violations.append(f"{call_id} offered to {agent_id} who cannot take it")
        if agent.state is not AgentState.RESERVED or agent.call_id != call_id:
            self.violations.append(f"{agent_id} not reserved for {call_id}")
        if agent_id in call.declined_by:
            return
        rank = (-call.score(now), call.seq)
        for other in acd.waiting():
            if other.call_id == call_id or acd.offered_to(other.call_id):
                continue
            if agent_id in other.declined_by or not can_take(acd, agent, other, now):
                continue
            if (-other.score(now), other.seq) < rank:
                self.violations.append(f"{agent_id} took {call_id} before better {other.call_id}")


class AcdMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock()
        self.checker = Checker()
        queues = [
            QueueConfig(
                "qa", skills=(("a", 1),), escalation=(EscalationStep(30, add_queues=("qb",)),)
            ),
            QueueConfig("qb", skills=(("b", 2),), escalation=(EscalationStep(20, min_level=1),)),
            QueueConfig("qc", skills=(("a", 1), ("c", 1)), strategy=Strategy.MOST_SKILLED),
        ]
        self.acd = DrivenAcd(self.clock, queues, self.checker)
        self.checker.acd = self.acd
        self.next_call = 0
        self.outcomes: dict[str, list[str]] = {}
        self.calls: set[str] = set()

    @initialize(
        staff=st.lists(
            st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), min_size=1),
            min_size=len(AGENTS),
            max_size=len(AGENTS),
        )
    )
    def staff_the_centre(self, staff: list[dict[str, int]]) -> None:
        for agent, skills in zip(AGENTS, staff, strict=True):
            self.acd.add_agent(agent, agent, tuple(skills.items()))
            self.acd.apply(agent, ag.Login())

    @rule(
        agent=st.sampled_from(AGENTS),
        skills=st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), min_size=1),
    )
    def add_or_reskill_agent(self, agent: str, skills: dict[str, int]) -> None:
        if agent in {a.agent_id for a in self.acd.agents()}:
            self.acd.set_skills(agent, tuple(skills.items()))
        else:
            self.acd.add_agent(agent, agent, tuple(skills.items()))

    @rule(
        agent=st.sampled_from(AGENTS),
        change=st.sampled_from(["login", "pause", "available", "logout", "end-wrap"]),
    )
    def agent_asks(self, agent: str, change: str) -> None:
        event = {
            "login": ag.Login(),
            "pause": ag.Pause("break"),
            "available": ag.MakeAvailable(),
            "logout": ag.Logout(),
            "end-wrap": ag.EndWrapUp(),
        }[change]
        try:
            self.acd.apply(agent, event)
        except (IllegalStateChange, Exception) as exc:  # unknown agent or refused
            assert isinstance(exc, IllegalStateChange) or "no agent" in str(exc)

    @rule(
        queue=st.sampled_from(["qa", "qb", "qc"]),
        priority=st.sampled_from([0, 0, 50]),
        level=st.integers(1, 4),
    )
    def call_arrives(self, queue: str, priority: int, level: int) -> None:
        call_id = f"c{self.next_call}"
        self.next_call += 1
        config = self.acd.queue(queue)
        skills = tuple(
            (s, max(lvl, level if s == config.skills[0][0] else lvl)) for s, lvl in config.skills
        )
        self.calls.add(call_id)
        self.outcomes[call_id] = []
        self.acd.enqueue(
            call_id, queue, requirements=Requirements(skills=skills, priority=priority)
        )

    @precondition(lambda self: any(a.state is AgentState.RESERVED for a in self.acd.agents()))
    @rule(data=st.data(), what=st.sampled_from(["answer", "ring-out", "caller-hangs-up"]))
    def ringing_phone(self, data: st.DataObject, what: str) -> None:
        ringing = [a for a in self.acd.agents() if a.state is AgentState.RESERVED]
        agent = data.draw(st.sampled_from(ringing))
        call_id = agent.call_id
        assert call_id is not None
        if what == "answer" and self.acd.waiting_call(call_id) is not None:
            self.acd.answered(call_id, agent.agent_id, None, wait=0.0)
            self.outcomes[call_id].append("answered")
        elif what == "ring-out":
            self.acd.ring_no_answer(call_id, agent.agent_id)
        elif self.hang_up(call_id):
            self.outcomes[call_id].append("abandoned")

    @precondition(lambda self: bool(self.acd.waiting()))
    @rule(data=st.data())
    def waiting_caller_hangs_up(self, data: st.DataObject) -> None:
        call = data.draw(st.sampled_from(self.acd.waiting()))
        if self.hang_up(call.call_id):
            self.outcomes[call.call_id].append("abandoned")

    def hang_up(self, call_id: str) -> bool:
        """The caller hangs up; whether that ended a waiting call."""
        waiting = self.acd.waiting_call(call_id) is not None
        self.acd.abandoned(call_id)
        return waiting and self.acd.waiting_call(call_id) is None

    @precondition(lambda self: any(a.state is AgentState.ON_CALL for a in self.acd.agents()))
    @rule(data=st.data())
    def call_ends(self, data: st.DataObject) -> None:
        agent = data.draw(
            st.sampled_from([a for a in self.acd.agents() if a.state is AgentState.ON_CALL])
        )
        self.acd.call_done(agent.call_id or "", agent.agent_id, "qa")

    @rule(seconds=st.sampled_from([1, 5, 25]))
    def time_passes(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @rule(
        queue=st.sampled_from(["qa", "qb", "qc"]),
        level=st.integers(1, 3),
        strategy=st.sampled_from(STRATEGIES),
    )
    def supervisor_reconfigures(self, queue: str, level: int, strategy: Strategy) -> None:
        old = self.acd.queue(queue)
        skills = tuple((s, level) for s, _ in old.skills)
        self.acd.configure_queue(
            QueueConfig(queue, skills=skills, strategy=strategy, escalation=old.escalation)
        )

    @invariant()
    def offers_were_all_legal_and_in_order(self) -> None:
        assert self.checker.violations == []

    @invariant()
    def no_agent_holds_two_calls(self) -> None:
        connected = [a.call_id for a in self.acd.agents() if a.state is AgentState.ON_CALL]
        assert len(connected) == len(set(connected))

    @invariant()
    def no_call_starves_while_an_eligible_agent_is_idle(self) -> None:
        now = self.clock.now()
        idle = [a for a in self.acd.agents() if a.state is AgentState.AVAILABLE]
        for call in self.acd.waiting():
            if self.acd.offered_to(call.call_id):
                continue
            takers = [a.agent_id for a in idle if can_take(self.acd, a, call, now)]
            assert takers == [], f"{call.call_id} waits while {takers} are idle"

    @invariant()
    def every_call_ends_at_most_once_and_ended_calls_do_not_wait(self) -> None:
        waiting = {c.call_id for c in self.acd.waiting()}
        for call_id, outcomes in self.outcomes.items():
            assert len(outcomes) <= 1
            if outcomes:
                assert call_id not in waiting
            elif call_id not in waiting and call_id not in self.checker.overflowed_calls:
                # neither ended nor waiting: it must be ringing someone
                assert self.acd.offered_to(call_id) or any(
                    a.call_id == call_id for a in self.acd.agents()
                )


AcdMachine.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestAcdInvariants = AcdMachine.TestCase
