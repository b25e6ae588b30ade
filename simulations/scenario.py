"""What a simulation is asked: queues (real routing configuration), demand, agent groups.

Demand per queue is the expected number of calls per interval (a forecast), a mean handle
time with a lognormal (or exponential) spread, and a patience distribution; ``None`` patience
means callers never hang up. Agent groups hold skills and the number *scheduled* per
interval; shrinkage takes a binomial share of them off the phones each interval.
``arrivals`` replaces generated demand with given callers (a replayed day).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from acd.model import QueueConfig, Skills

Spread = Literal["lognormal", "exponential", "fixed"]


@dataclass(frozen=True, slots=True)
class Demand:
    queue: str
    calls: tuple[float, ...]  # expected calls in each interval
    aht: float  # mean talk seconds (wrap-up comes from the queue's configuration)
    handle: Spread = "lognormal"
    handle_cv: float = 1.0
    patience: float | None = None  # mean seconds before hanging up; None: never
    patience_spread: Spread = "exponential"
    patience_cv: float = 1.0


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    skills: Skills
    agents: tuple[int, ...]  # scheduled in each interval


@dataclass(frozen=True, slots=True)
class Arrival:
    at: float  # seconds from the start
    queue: str
    handle: float  # seconds of talk
    patience: float  # seconds; math.inf never hangs up


@dataclass(frozen=True, slots=True)
class Scenario:
    queues: tuple[QueueConfig, ...]
    demand: tuple[Demand, ...]
    groups: tuple[Group, ...]
    interval: float = 1800.0
    shrinkage: float = 0.0
    warmup: float = 0.0  # calls arriving earlier are not counted
    epoch: float = 0.0  # what the ACD's clock reads at the start
    arrivals: tuple[Arrival, ...] | None = None

    @property
    def intervals(self) -> int:
        sizes = [len(d.calls) for d in self.demand] + [len(g.agents) for g in self.groups]
        return max(sizes, default=0)

    @property
    def horizon(self) -> float:
        return self.intervals * self.interval


def draw(rng: random.Random, mean: float, spread: Spread, cv: float) -> float:
    """One draw with the given mean: lognormal with coefficient of variation ``cv``."""
    if spread == "fixed" or mean <= 0:
        return mean
    if spread == "exponential":
        return rng.expovariate(1.0 / mean)
    sigma2 = math.log1p(cv * cv)
    return rng.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))


def generate(demand: Demand, interval: float, seed: int) -> Iterator[Arrival]:
    """Poisson arrivals, piecewise constant over intervals, in time order."""
    times, sizes, patience = random.Random(seed), random.Random(seed + 1), random.Random(seed + 2)
    for k, expected in enumerate(demand.calls):
        if expected <= 0:
            continue
        start, rate = k * interval, expected / interval
        t = start + times.expovariate(rate)
        while t < start + interval:
            handle = draw(sizes, demand.aht, demand.handle, demand.handle_cv)
            wait = (
                math.inf
                if demand.patience is None
                else draw(patience, demand.patience, demand.patience_spread, demand.patience_cv)
            )
            yield Arrival(t, demand.queue, handle, wait)
            t += times.expovariate(rate)
