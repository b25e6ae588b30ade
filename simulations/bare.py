"""The textbook SimPy M/M/N+M: one ``Resource`` of N agents, a process per caller.

The benchmark's floor: what SimPy itself costs per call, with no routing at all.
"""

from __future__ import annotations

import random
from collections.abc import Generator
from dataclasses import dataclass

import simpy


@dataclass(slots=True)
class BareResult:
    calls: int = 0
    answered: int = 0
    abandoned: int = 0
    in_sl: int = 0


def run_bare(
    agents: int,
    erlangs: float,
    aht: float,
    patience: float,
    horizon: float,
    seed: int = 1,
    answer_seconds: float = 20.0,
) -> BareResult:
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=agents)
    rng = random.Random(seed)
    result = BareResult()
    rate = erlangs / aht

    def caller() -> Generator[simpy.Event, object, None]:
        arrived = env.now
        with desk.request() as request:
            fired = yield request | env.timeout(rng.expovariate(1.0 / patience))
            if request not in fired:  # type: ignore[operator]
                result.abandoned += 1
                return
            result.answered += 1
            result.in_sl += env.now - arrived <= answer_seconds
            yield env.timeout(rng.expovariate(1.0 / aht))

    def source() -> Generator[simpy.Event, object, None]:
        while True:
            yield env.timeout(rng.expovariate(rate))
            if env.now >= horizon:
                return
            result.calls += 1
            env.process(caller())

    env.process(source())
    env.run()
    return result
