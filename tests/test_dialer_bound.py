"""The hard bound, A + O <= floor(alpha * L), at every decision and after every event, for
arbitrary sequences of what the world does - including the worst: every uncovered call a
person who is abandoned."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer import events as ev
from dialer import pacer as pacer_module
from dialer.forecast import Forecast, Situation
from dialer.pacer import Pacer, Reason
from dialer.settings import PacingSettings

START = 1_000.0


@dataclass
class World:
    """What really happens, kept apart from the pacer: agents, calls, and the true tally."""

    pacer: Pacer
    now: float = START
    free: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)
    away: list[str] = field(default_factory=list)
    ringing: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    period_of: dict[str, int] = field(default_factory=dict)
    live: dict[int, int] = field(default_factory=dict)
    abandoned: dict[int, int] = field(default_factory=dict)
    seq: int = 0

    def tell(self, event: ev.PacingEvent) -> None:
        self.pacer.apply(event)
        self.check()

    def check(self) -> None:
        alpha = self.pacer.settings.limit
        for period, live in self.live.items():
            assert self.abandoned.get(period, 0) <= math.floor(alpha * live + 1e-9)
        uncovered = self.pacer.uncovered
        for book in self.pacer.bound.books.values():
            assert book.abandoned + uncovered <= math.floor(alpha * book.live + 1e-9)

    def decide(self) -> None:
        decision = self.pacer.decide(self.now)
        assert decision.dial == decision.covered + decision.uncovered
        assert decision.uncovered <= max(0, decision.slack)
        for _ in range(decision.dial):
            self.seq += 1
            call = f"c{self.seq}"
            self.ringing.append(call)
            self.period_of[call] = self.pacer.bound.period(self.now)
            self.tell(ev.Dialled(call, self.now))

    def person(self, call: str) -> None:
        self.ringing.remove(call)
        period = self.period_of[call]
        self.live[period] = self.live.get(period, 0) + 1
        self.tell(ev.Person(call, self.now))
        if self.free:  # the ACD connects at once
            self.connect(call, self.free.pop(0))
        else:
            self.waiting.append(call)

    def connect(self, call: str, agent: str) -> None:
        self.busy.append(agent)
        self.tell(ev.Connected(call, agent, self.now))

    def abandon(self, call: str) -> None:
        assert not self.free  # a free agent would have taken the call
        self.waiting.remove(call)
        period = self.period_of[call]
        self.abandoned[period] = self.abandoned.get(period, 0) + 1
        self.tell(ev.Abandoned(call, self.now))

    def agent_free(self, agent: str) -> None:
        self.tell(ev.AgentFree(agent, self.now))
        if self.waiting:
            self.connect(self.waiting.pop(0), agent)
        else:
            self.free.append(agent)

    def leave(self, agent: str) -> None:
        """Away: a busy agent leaves after the call; a free one only once not reserved."""
        if agent in self.busy:
            self.busy.remove(agent)
        self.tell(ev.AgentAway(agent, self.now))
        if agent in self.free and agent not in self.pacer.held:
            self.free.remove(agent)
        self.away.append(agent)
        self.release_held()

    def release_held(self) -> None:
        for agent in [a for a in self.free if a in self.away and a not in self.pacer.held]:
            self.free.remove(agent)

    def step(self, action: int, pick: int, gap: float) -> None:
        self.now += gap
        kind = action % 8
        if kind == 0:
            self.decide()
        elif kind in (1, 2) and self.ringing:
            call = self.ringing[pick % len(self.ringing)]
            if kind == 1:
                self.person(call)
            else:
                self.ringing.remove(call)
                self.tell(ev.Unanswered(call, self.now))
        elif kind == 3 and self.waiting and not self.free:
            self.abandon(self.waiting[pick % len(self.waiting)])
        elif kind == 4 and self.busy:
            self.agent_free(self.busy.pop(pick % len(self.busy)))
        elif kind == 5 and (self.free or self.busy):
            pool = [a for a in self.free + self.busy if a not in self.away]
            if pool:
                self.leave(pool[pick % len(pool)])
        elif kind == 6 and self.away:
            agent = self.away.pop(pick % len(self.away))
            if agent in self.free:  # still held: they change their mind
                self.tell(ev.AgentFree(agent, self.now))
            else:
                self.agent_free(agent)
        elif kind == 7 and self.ringing:
            call = self.ringing.pop(pick % len(self.ringing))
            self.tell(ev.Answered(call, self.now))
            self.tell(ev.Machine(call, self.now))
        self.release_held()


def world(limit: float, agents: int, window: float, fp: float = 0.0) -> World:
    pacer = Pacer(
        PacingSettings(
            limit=limit,
            window_seconds=window,
            origin=START,
            amd_false_positive=fp,
            handle_seconds=60.0,
            live_rate=0.5,
        )
    )
    w = World(pacer)
    for i in range(agents):
        w.agent_free(f"a{i}")
    return w


def warm(w: World, answers: int) -> None:
    """History: ``answers`` people reached an agent, so the bound has room."""
    for _ in range(answers):
        w.seq += 1
        call = f"c{w.seq}"
        w.period_of[call] = w.pacer.bound.period(w.now)
        w.ringing.append(call)
        w.tell(ev.Dialled(call, w.now))
        w.now += 0.1
        w.person(call)
        if call in w.waiting:
            break
        w.agent_free(w.busy.pop())


def wild_model(situation: Situation, alpha_star: float, most: int) -> Forecast:
    """A model as wrong as can be: it always asks for every line it may."""
    return Forecast(most, 0.0, float(most), 0.0)


steps = st.lists(
    st.tuples(st.integers(0, 63), st.integers(0, 1000), st.floats(0.0, 30.0)),
    min_size=1,
    max_size=200,
)


@settings(max_examples=150, deadline=None)
@given(
    limit=st.floats(0.02, 0.5),
    agents=st.integers(1, 6),
    window=st.sampled_from([60.0, 600.0, 86400.0]),
    fp=st.sampled_from([0.0, 0.01]),
    wild=st.booleans(),
    history=st.integers(0, 120),
    actions=steps,
)
def test_bound_holds_after_every_event_for_any_sequence_whatever_the_model_says(
    limit: float,
    agents: int,
    window: float,
    fp: float,
    wild: bool,
    history: int,
    actions: list[tuple[int, int, float]],
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        if wild:
            patch.setattr(pacer_module, "lines_to_dial", wild_model)
        w = world(limit, agents, window, min(fp, limit / 2))
        warm(w, history)
        for action, pick, gap in actions:
            w.step(action, pick, gap)
        w.decide()


def test_every_uncovered_call_a_person_abandoned_never_breaks_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pacer_module, "lines_to_dial", wild_model)
    w = world(limit=0.1, agents=3, window=86400.0)
    for round_ in range(400):
        w.decide()
        for call in list(w.ringing):  # every call answered by a person...
            w.person(call)
        for call in list(w.waiting):  # ...and abandoned when no agent is free
            w.abandon(call)
        if round_ % 3 == 0:  # agents come free now and then
            for agent in list(w.busy):
                w.busy.remove(agent)
                w.agent_free(agent)
        w.now += 5.0
    live, abandoned = w.live[0], w.abandoned.get(0, 0)
    assert live > 300
    assert abandoned == math.floor(0.1 * live)  # the model spent the whole budget, no more


def test_with_no_live_answers_yet_only_free_agents_are_dialled_for() -> None:
    w = world(limit=0.03, agents=4, window=86400.0)
    decision = w.pacer.decide(w.now)
    assert decision.reason is Reason.BOUND
    assert (decision.dial, decision.covered, decision.uncovered) == (4, 4, 0)


def test_a_campaign_with_no_agents_dials_nothing_and_says_why() -> None:
    pacer = Pacer(PacingSettings())
    decision = pacer.decide(0.0)
    assert (decision.dial, decision.reason) == (0, Reason.NO_AGENTS)
