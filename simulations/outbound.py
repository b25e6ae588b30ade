"""One outbound replication: the real pacer (or a baseline) dials, the real ACD connects.

Every ``tick_seconds`` the dialler decides on the SimPy clock and that many calls are placed.
Each call's outcome is drawn at the dial (``OutboundScenario``) and unfolds on timers; what
the pacer would hear live it hears here as ``dialer.events``. A person AMD lets through is
queued in the ACD (``outbound_acd``); if no agent has taken them ``abandon_seconds`` later,
they are abandoned. The tally is the truth, which the pacer never sees: people AMD took for
machines count as answered and abandoned, machines AMD let through count as neither.

A call counts in the regulatory window in which it was dialled; talk counts where it falls.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from functools import partial

import simpy

from dialer import events as ev
from dialer.baselines import Progressive, VicidialAdaptHardLimit
from dialer.pacer import Pacer, PacingDecision
from dialer.settings import PacingSettings
from simulations.clock import SimClock
from simulations.outbound_acd import CampaignSeats
from simulations.outbound_scenario import Mode, OutboundScenario
from simulations.scenario import draw


@dataclass(slots=True)
class WindowTally:
    dials: int = 0
    live: int = 0  # people who answered (whatever AMD said)
    abandoned: int = 0
    connects: int = 0  # people who reached an agent
    talk_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class WindowResult:
    index: int
    start_hours: float
    hours: float  # of this window inside the run
    dials: int
    live_answers: int
    abandoned: int
    abandonment_rate: float
    talk_share: float
    calls_per_agent_hour: float
    over_limit: bool


@dataclass(slots=True)
class OutboundResult:
    scenario: OutboundScenario
    seed: int
    windows: list[WindowResult] = field(default_factory=list)
    decisions: int = 0

    @property
    def worst_rate(self) -> float:
        return max((w.abandonment_rate for w in self.windows), default=0.0)

    @property
    def windows_over(self) -> int:
        return sum(w.over_limit for w in self.windows)

    @property
    def talk_share(self) -> float:
        hours = sum(w.hours for w in self.windows)
        return sum(w.talk_share * w.hours for w in self.windows) / hours if hours else 0.0

    @property
    def calls_per_agent_hour(self) -> float:
        hours = sum(w.hours for w in self.windows)
        return sum(w.calls_per_agent_hour * w.hours for w in self.windows) / hours if hours else 0


Dialler = Pacer | Progressive | VicidialAdaptHardLimit


def dialler_for(scenario: OutboundScenario) -> Dialler:
    if scenario.mode is Mode.PROGRESSIVE:
        return Progressive()
    if scenario.mode is Mode.VICIDIAL:
        return VicidialAdaptHardLimit(scenario.limit, scenario.window_seconds)
    settings = PacingSettings(
        limit=scenario.limit,
        window_seconds=scenario.window_seconds,
        amd_false_positive=scenario.amd_false_positive,
        handle_seconds=scenario.aht + scenario.wrap,
    )
    return Pacer(settings)


class OutboundModel:
    def __init__(self, scenario: OutboundScenario, seed: int) -> None:
        self.s = scenario
        self.seed = seed
        self.env = simpy.Environment()
        self.clock = SimClock(self.env)
        self.dialler = dialler_for(scenario)
        self.seats = CampaignSeats(self.clock, scenario.wrap, self._free, self._connect, seed)
        self.rng = random.Random(seed)
        self.tallies: dict[int, WindowTally] = {}
        self.people: set[str] = set()  # calls that are really a person
        self._seq = 0
        self.decisions = 0

    def run(self) -> OutboundResult:
        for i in range(self.s.agents):
            self.seats.sign_in(f"agent-{i + 1:03d}")
        self.clock.call_later(0.0, self._tick)
        self.env.run()
        return OutboundResult(self.s, self.seed, self._windows(), self.decisions)

    # -- dialling -------------------------------------------------------------------
    def _tick(self) -> None:
        now = self.clock.now()
        if now >= self.s.horizon:
            return
        decision: PacingDecision = self.dialler.decide(now)
        self.decisions += 1
        for _ in range(decision.dial):
            self._dial(now)
        self.clock.call_later(self.s.tick_seconds, self._tick)

    def _tally(self, at: float) -> WindowTally:
        k = math.floor(at / self.s.window_seconds)
        tally = self.tallies.get(k)
        if tally is None:
            tally = self.tallies[k] = WindowTally()
        return tally

    def _dial(self, now: float) -> None:
        self._seq += 1
        call_id = f"o{self._seq}"
        tally = self._tally(now)
        tally.dials += 1
        self.dialler.apply(ev.Dialled(call_id, now))
        u, s = self.rng.random(), self.s
        if u < s.live_rate:
            ring = self._ring(s.person_ring_seconds)
            self.clock.call_later(ring, partial(self._answered, call_id, tally, True))
        elif u < s.live_rate + s.machine_rate:
            ring = self._ring(s.machine_ring_seconds)
            self.clock.call_later(ring, partial(self._answered, call_id, tally, False))
        else:
            rest = (u - s.live_rate - s.machine_rate) / (1.0 - s.live_rate - s.machine_rate)
            kind, after = self._no_answer(rest)
            self.clock.call_later(after, partial(self._unanswered, call_id, kind))

    def _ring(self, mean: float) -> float:
        return min(draw(self.rng, mean, "lognormal", 0.6), self.s.ring_timeout - 0.5)

    def _no_answer(self, u: float) -> tuple[ev.NoAnswerKind, float]:
        if u < self.s.busy_share:
            return ev.NoAnswerKind.BUSY, 3.0
        if u < self.s.busy_share + self.s.failed_share:
            return ev.NoAnswerKind.FAILED, 1.0
        return ev.NoAnswerKind.NO_ANSWER, self.s.ring_timeout

    def _unanswered(self, call_id: str, kind: ev.NoAnswerKind) -> None:
        self.dialler.apply(ev.Unanswered(call_id, self.clock.now(), kind))

    # -- answered: AMD, then an agent or the safe-harbour message ---------------------
    def _answered(self, call_id: str, tally: WindowTally, person: bool) -> None:
        self.dialler.apply(ev.Answered(call_id, self.clock.now()))
        self.clock.call_later(self.s.amd_seconds, partial(self._verdict, call_id, tally, person))

    def _verdict(self, call_id: str, tally: WindowTally, person: bool) -> None:
        now = self.clock.now()
        if person:
            tally.live += 1
        says_person = (
            (self.rng.random() >= self.s.amd_false_positive)
            if person
            else (self.rng.random() < self.s.amd_false_negative)
        )
        if not says_person:
            tally.abandoned += person  # a person hung up on by AMD is abandoned
            self.dialler.apply(ev.Machine(call_id, now))
            return
        if person:
            self.people.add(call_id)
        self.dialler.apply(ev.Person(call_id, now))
        self.seats.person(call_id)
        self.clock.call_later(self.s.abandon_seconds, partial(self._deadline, call_id, tally))

    def _deadline(self, call_id: str, tally: WindowTally) -> None:
        if not self.seats.still_waiting(call_id):
            return
        self.seats.abandon(call_id)
        if call_id in self.people:
            self.people.discard(call_id)
            tally.abandoned += 1
        self.dialler.apply(ev.Abandoned(call_id, self.clock.now()))

    def _connect(self, call_id: str, agent_id: str) -> None:
        now = self.clock.now()
        self.dialler.apply(ev.Connected(call_id, agent_id, now))
        if call_id in self.people:
            self.people.discard(call_id)
            talk = draw(self.rng, self.s.aht, "lognormal", self.s.talk_cv)
            self._count_talk(now, talk)
        else:
            talk = self.s.machine_talk_seconds
        self.clock.call_later(talk, partial(self.seats.hang_up, call_id, agent_id))

    def _count_talk(self, start: float, seconds: float) -> None:
        self._tally(start).connects += 1
        end, w = min(start + seconds, self.s.horizon), self.s.window_seconds
        while start < end:
            edge = (math.floor(start / w) + 1) * w
            self._tally(start).talk_seconds += min(end, edge) - start
            start = edge

    def _free(self, agent_id: str) -> None:
        self.dialler.apply(ev.AgentFree(agent_id, self.clock.now()))

    # -- results --------------------------------------------------------------------
    def _windows(self) -> list[WindowResult]:
        w, horizon = self.s.window_seconds, self.s.horizon
        out = []
        for k in range(math.ceil(horizon / w)):
            t = self.tallies.get(k, WindowTally())
            hours = (min(horizon, (k + 1) * w) - k * w) / 3600.0
            agent_hours = hours * self.s.agents
            rate = t.abandoned / t.live if t.live else 0.0
            out.append(
                WindowResult(
                    index=k,
                    start_hours=k * w / 3600.0,
                    hours=hours,
                    dials=t.dials,
                    live_answers=t.live,
                    abandoned=t.abandoned,
                    abandonment_rate=rate,
                    talk_share=t.talk_seconds / (agent_hours * 3600.0),
                    calls_per_agent_hour=t.connects / agent_hours,
                    over_limit=t.abandoned > self.s.limit * t.live,
                )
            )
        return out


def run_outbound(scenario: OutboundScenario, seed: int) -> OutboundResult:
    return OutboundModel(scenario, seed).run()
