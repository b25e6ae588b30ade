"""Routing decisions per second and their latency, with a naive scan as the peer.

Set-up (issue 4): N agents holding 1-4 of 100 skills (levels 1-5), 200 queues each needing
one or two skills, and 2,000 calls waiting. All agents are busy; one at a time an agent
comes free, and the ACD picks the best call across that agent's queues (*agent-side*
decision). Separately, with agents free and no queue, a call arrives and the ACD picks the
agent (*call-side* decision). Both are timed one by one, around the pure router call.

The peer does what Asterisk's app_queue does per decision: scan every member of the queue
(call side), or every waiting call of every queue the agent is in (agent side), checking
state and skills and keeping the best; measured on the same state in the same run.
"""

from __future__ import annotations

import gc
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from acd import agents as ag
from acd import choose
from acd.agents import Agent, AgentState
from acd.eligibility import why_not
from acd.engine import Acd
from acd.model import QueueConfig, Requirements, WaitingCall
from cti.clock import ManualClock

SKILLS = [f"s{i:03d}" for i in range(100)]
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Timing:
    decisions: int
    per_second: float
    p50_us: float
    p99_us: float


def summarise(samples_ns: list[int]) -> Timing:
    ordered = sorted(samples_ns)
    total = sum(ordered) / 1e9
    return Timing(
        len(ordered),
        len(ordered) / total if total else float("inf"),
        statistics.median(ordered) / 1000,
        ordered[int(0.99 * (len(ordered) - 1))] / 1000,
    )


def build(agents: int, queues: int = 200, waiting: int = 2000, seed: int = 1) -> Acd:
    rng = random.Random(seed)
    configs = [
        QueueConfig(
            f"q{i:03d}",
            skills=tuple(
                sorted((s, rng.randint(1, 2)) for s in rng.sample(SKILLS, rng.choice((1, 1, 2))))
            ),
            wrapup_seconds=5,
        )
        for i in range(queues)
    ]
    clock = ManualClock()
    acd = Acd(clock, configs)
    for n in range(agents):
        skills = {s: rng.randint(1, 5) for s in rng.sample(SKILLS, rng.randint(1, 4))}
        acd.add_agent(f"a{n}", f"Agent {n}", tuple(skills.items()))
    for n in range(waiting):
        q = configs[rng.randrange(queues)]
        acd.enqueue(
            f"c{n}", q.name, requirements=Requirements(q.skills, priority=rng.choice((0, 0, 0, 50)))
        )
        clock.advance(0.01)
    return acd


def agent_side(acd: Acd, rounds: int, seed: int = 2) -> tuple[Timing, Timing]:
    """An agent comes free: ours (router) and the naive scan, on the same sequence of agents."""
    rng = random.Random(seed)
    index, calls, now = acd._index, acd._calls, acd.clock.now()  # the ACD's own structures
    candidates = [a for a in acd.agents() if index.served.get(a.agent_id)]
    freed = [
        replace_state(rng.choice(candidates), AgentState.AVAILABLE, now) for _ in range(rounds)
    ]
    sample = freed[: _peer_rounds(len(acd.agents()), rounds)]
    (ours, picks), (naive, peer_picks) = _turn_about(
        (lambda agent: choose.choose_call(index, agent, calls, now), freed),
        (lambda agent: naive_call_for(acd, agent), sample),
    )
    ours_ids = [c.call.call_id if c else None for c in picks[: len(sample)]]
    assert ours_ids == peer_picks, "the peer disagrees with the router"
    return summarise(ours), summarise(naive)


def call_side(agents: int, rounds: int, seed: int = 3) -> tuple[Timing, Timing]:
    """A call arrives with agents free: ours and the naive member scan."""
    acd = build(agents, waiting=0, seed=seed)
    rng = random.Random(seed)
    for agent in acd.agents():
        acd.apply(agent.agent_id, ag.Login())
        acd.clock.advance(0.0001)
    now, queues = acd.clock.now(), list(acd.queues.values())
    arrivals = []
    for n in range(rounds):
        q = rng.choice(queues)
        arrivals.append(
            (q, WaitingCall(f"x{n}", q.name, now, n, Requirements(q.skills), queues=(q.name,)))
        )
    sample = arrivals[: _peer_rounds(agents, rounds)]
    (ours, picks), (naive, peer_picks) = _turn_about(
        (
            lambda qc: choose.choose_agents(
                acd._index, qc[1], acd._agents, now, rr_last={}, rng=rng
            ),
            arrivals,
        ),
        (lambda qc: naive_agent_for(acd, qc[0], qc[1]), sample),
    )
    ours_ids = [c.agent_ids[0] if c else None for c in picks[: len(sample)]]
    assert ours_ids == peer_picks, "the peer disagrees"
    return summarise(ours), summarise(naive)


def _peer_rounds(agents: int, rounds: int) -> int:
    """The naive scan is slow at scale: time it on a prefix of the same decisions."""
    return max(200, min(rounds, 2_000_000 // agents))


TURNS = 10


def _turn_about(
    ours: tuple[Callable[[T], R], list[T]], peer: tuple[Callable[[T], R], list[T]]
) -> tuple[tuple[list[int], list[R]], tuple[list[int], list[R]]]:
    """Both sides timed turn about, a tenth of each at a time, so that a slow spell of this
    shared machine weighs on both and their ratio holds; each side's results in order."""
    done: list[tuple[list[int], list[R]]] = [([], []), ([], [])]
    for turn in range(TURNS):
        for side, (decide, inputs) in enumerate((ours, peer)):
            size = -(-len(inputs) // TURNS)
            samples, results = _timed(decide, inputs[turn * size : (turn + 1) * size])
            done[side][0].extend(samples)
            done[side][1].extend(results)
    return done[0], done[1]


def _timed(decide: Callable[[T], R], inputs: list[T]) -> tuple[list[int], list[R]]:
    """Each decision's time, with the garbage collector held off (as ``timeit`` does): one
    collection landing in a few-microsecond decision would otherwise weigh more than the
    thousands of decisions around it, on ours or the peer's side by chance."""
    samples, results = [], []
    clock = time.perf_counter_ns
    gc.collect()
    gc.disable()
    try:
        for item in inputs:
            t0 = clock()
            result = decide(item)
            samples.append(clock() - t0)
            results.append(result)
    finally:
        gc.enable()
    return samples, results


def replace_state(agent: Agent, state: AgentState, now: float) -> Agent:
    return replace(agent, state=state, idle_since=now)


def naive_call_for(acd: Acd, agent: Agent) -> str | None:
    now, best = acd.clock.now(), None
    served = acd._index.served.get(agent.agent_id, ())
    for call in acd._calls.values():
        if call.queue in served and why_not(agent, call, now) is None:
            rank = (-call.score(now), call.since, call.seq)
            if best is None or rank < best[0]:
                best = (rank, call.call_id)
    return best[1] if best else None


def naive_agent_for(acd: Acd, queue: QueueConfig, call: WaitingCall) -> str | None:
    now, best = acd.clock.now(), None
    for agent in acd._agents.values():
        member = all(agent.level(s) >= 1 for s, _ in queue.skills)
        if agent.state is AgentState.AVAILABLE and member and why_not(agent, call, now) is None:
            key = (agent.idle_since, agent.agent_id)
            if best is None or key < best[0]:
                best = (key, agent.agent_id)
    return best[1] if best else None
