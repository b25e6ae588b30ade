"""One replication: callers arrive, the real ``Acd`` routes them, agents talk and wrap up.

Callers enter with ``Acd.enqueue``; each ``Offer`` the ACD returns is answered at once (no
ring time) by ``Acd.answered``; the talk ends with ``Acd.call_done``, whose wrap-up ``Wake``
becomes a SimPy timeout handed back to ``Acd.wake``. A caller whose patience runs out first
is ``Acd.abandoned``. Whatever an ACD call returns is carried out in order (``_carry_out``)
after it has returned, so the ACD is never re-entered. The ACD runs without its decision log
and without agent and queue change reports: nobody here reads them.

Staffing changes at interval boundaries: agents go off duty with ``Pause`` (taken after the
current call, as live) and come back with ``MakeAvailable``; new agents ``Login``.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial

import simpy

from acd import agents as ag
from acd.agents import AgentState
from acd.commands import Commands, Offer, Overflowed, Wake
from acd.engine import Acd
from acd.model import OverflowKind
from simulations.clock import SimClock
from simulations.scenario import Arrival, Group, Scenario, generate

OFF_DUTY = "off duty"


@dataclass(slots=True)
class Tally:
    offered: int = 0
    answered: int = 0
    in_sl: int = 0
    abandoned: int = 0
    overflowed: int = 0
    wait_sum: float = 0.0

    @property
    def service_level(self) -> float:
        done = self.answered + self.abandoned + self.overflowed
        return self.in_sl / done if done else math.nan

    @property
    def asa(self) -> float:
        return self.wait_sum / self.answered if self.answered else math.nan

    @property
    def abandon_rate(self) -> float:
        done = self.answered + self.abandoned + self.overflowed
        return self.abandoned / done if done else math.nan


@dataclass(slots=True)
class RunResult:
    queues: dict[str, Tally]
    intervals: dict[tuple[str, int], Tally]
    occupancy: dict[str, float]
    calls: int = 0


@dataclass(slots=True)
class _Caller:
    arrival: Arrival
    since: float
    counted: bool
    tally_keys: tuple[Tally, Tally]
    done: bool = False


@dataclass(slots=True)
class _Roster:
    group: Group
    on: list[str] = field(default_factory=list)
    off: list[str] = field(default_factory=list)


class Model:
    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.scenario = scenario
        self.env = simpy.Environment()
        self.clock = SimClock(self.env, scenario.epoch)
        self.acd = Acd(
            self.clock,
            scenario.queues,
            rng=random.Random(seed),
            decision_log=False,
            report_changes=False,
        )
        self.callers: dict[str, _Caller] = {}
        self.result = RunResult({q.name: Tally() for q in scenario.queues}, {}, {})
        self._targets = {q.name: q.service_level_seconds for q in scenario.queues}
        self._rosters = [_Roster(g) for g in scenario.groups]
        self._shrink = random.Random(seed + 7)
        self._seq = 0
        self._arrivals = self._arrival_stream(seed)

    def _arrival_stream(self, seed: int) -> Iterator[Arrival]:
        if self.scenario.arrivals is not None:
            return iter(sorted(self.scenario.arrivals, key=lambda a: a.at))
        streams = [
            generate(d, self.scenario.interval, seed * 1009 + 17 * i)
            for i, d in enumerate(self.scenario.demand)
        ]
        return heapq.merge(*streams, key=lambda a: a.at)

    def _after(self, delay: float, callback: Callable[[simpy.Event], None]) -> None:
        """``callback(event)`` in ``delay`` seconds: a bare timeout, as ``SimClock.call_later``
        but without its cancellable timer (nothing here is ever cancelled)."""
        self.env.timeout(delay if delay > 0 else 0.0).callbacks.append(callback)  # type: ignore[union-attr,unused-ignore]

    def run(self) -> RunResult:
        for k in range(self.scenario.intervals):
            self._after(k * self.scenario.interval, partial(self._staff, k))
        self._next_arrival()
        self.env.run()
        self.result.occupancy = {
            q: occ for q, c in self.acd.stats.day.items() if (occ := c.occupancy()) is not None
        }
        return self.result

    # -- callers --------------------------------------------------------------------
    def _next_arrival(self) -> None:
        arrival = next(self._arrivals, None)
        if arrival is not None:
            self._after(arrival.at - self.env.now, partial(self._arrive, arrival))

    def _arrive(self, arrival: Arrival, _timeout: simpy.Event) -> None:
        self._seq += 1
        call_id = f"c{self._seq}"
        counted = arrival.at >= self.scenario.warmup
        k = int(arrival.at // self.scenario.interval)
        key = (arrival.queue, k)
        interval = self.result.intervals.get(key) or self.result.intervals.setdefault(key, Tally())
        tallies = (self.result.queues[arrival.queue], interval)
        caller = _Caller(arrival, self.clock.now(), counted, tallies)
        self.callers[call_id] = caller
        self.result.calls += 1
        if counted:
            for t in tallies:
                t.offered += 1
        self._carry_out(self.acd.enqueue(call_id, arrival.queue))
        if not caller.done and arrival.patience != math.inf:  # answered at once: no timer
            self._after(arrival.patience, partial(self._give_up, call_id))
        self._next_arrival()

    def _give_up(self, call_id: str, _timeout: simpy.Event) -> None:
        caller = self.callers.get(call_id)
        if caller is None or caller.done:
            return
        caller.done = True
        waiting = self.acd.waiting_call(call_id) is not None
        self._carry_out(self.acd.abandoned(call_id))
        if waiting and caller.counted:
            for t in caller.tally_keys:
                t.abandoned += 1
        del self.callers[call_id]

    # -- carrying out what the ACD decided ------------------------------------------
    def _carry_out(self, commands: Commands) -> None:
        for command in commands:
            if isinstance(command, Offer):
                self._answer(command)
            elif isinstance(command, Wake):
                self._after(command.at - self.clock.now(), partial(self._wake, command))
            elif isinstance(command, Overflowed):
                self._overflowed(command)

    def _wake(self, wake: Wake, _timeout: simpy.Event) -> None:
        self._carry_out(self.acd.wake(wake))

    def _overflowed(self, overflow: Overflowed) -> None:
        caller = self.callers.pop(overflow.call_id, None)
        if caller is None or overflow.kind is OverflowKind.CALLBACK:
            return
        caller.done = True
        if caller.counted:
            for t in caller.tally_keys:
                t.overflowed += 1

    def _answer(self, offer: Offer) -> None:
        caller = self.callers.pop(offer.call_id, None)
        if caller is None:  # ring-all: another agent's answer won
            return
        wait = self.clock.now() - caller.since
        caller.done = True
        if caller.counted:
            within = wait <= self._targets[offer.queue]
            for t in caller.tally_keys:
                t.answered += 1
                t.in_sl += within
                t.wait_sum += wait
        call_id, agent_id, queue = offer.call_id, offer.agent_id, offer.queue
        then = self.acd.answered(call_id, agent_id, queue, wait)
        self._after(caller.arrival.handle, partial(self._end, call_id, agent_id, queue))
        self._carry_out(then)

    def _end(self, call_id: str, agent_id: str, queue: str, _timeout: simpy.Event) -> None:
        self._carry_out(self.acd.call_done(call_id, agent_id, queue))

    # -- staffing -------------------------------------------------------------------
    def _staff(self, k: int, _timeout: simpy.Event) -> None:
        for roster in self._rosters:
            agents = roster.group.agents
            scheduled = agents[k] if k < len(agents) else 0
            self._set_on_duty(roster, self._on_phones(scheduled))

    def _on_phones(self, scheduled: int) -> int:
        keep = 1.0 - self.scenario.shrinkage
        if keep >= 1.0:
            return scheduled
        return sum(self._shrink.random() < keep for _ in range(scheduled))

    def _set_on_duty(self, roster: _Roster, wanted: int) -> None:
        while len(roster.on) > wanted:
            roster.on.sort(key=lambda a: self.acd.agent(a).state is not AgentState.AVAILABLE)
            agent_id = roster.on.pop(0)
            self._carry_out(self.acd.apply(agent_id, ag.Pause(OFF_DUTY)))
            roster.off.append(agent_id)
        while len(roster.on) < wanted:
            roster.on.append(self._return_or_hire(roster))

    def _return_or_hire(self, roster: _Roster) -> str:
        for i, agent_id in enumerate(roster.off):
            agent = self.acd.agent(agent_id)
            if agent.state is AgentState.PAUSED:  # not one still finishing a call
                roster.off.pop(i)
                self._carry_out(self.acd.apply(agent_id, ag.MakeAvailable()))
                return agent_id
        agent_id = f"{roster.group.name}-{len(roster.on) + len(roster.off) + 1:04d}"
        self.acd.add_agent(agent_id, agent_id, roster.group.skills)
        self._carry_out(self.acd.apply(agent_id, ag.Login()))
        return agent_id


def run(scenario: Scenario, seed: int) -> RunResult:
    return Model(scenario, seed).run()


def total_calls(results: Iterable[RunResult]) -> int:
    return sum(r.calls for r in results)
