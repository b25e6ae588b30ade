"""Seeded replications and 95% confidence intervals (Student's t across replications)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from scipy import stats

from simulations.model import RunResult, Tally, run
from simulations.scenario import Scenario


@dataclass(frozen=True, slots=True)
class Estimate:
    mean: float
    half_width: float  # of the 95% confidence interval
    n: int

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width

    def covers(self, value: float, slack: float = 0.0) -> bool:
        return self.low - slack <= value <= self.high + slack

    def __str__(self) -> str:
        return f"{self.mean:.4g} ± {self.half_width:.2g}"


@dataclass(frozen=True, slots=True)
class QueueEstimate:
    queue: str
    offered: float  # mean per replication
    service_level: Estimate
    asa: Estimate
    abandon_rate: Estimate
    occupancy: Estimate


@dataclass(frozen=True, slots=True)
class Replicated:
    runs: tuple[RunResult, ...]
    queues: dict[str, QueueEstimate]
    intervals: dict[tuple[str, int], QueueEstimate]

    @property
    def calls(self) -> int:
        return sum(r.calls for r in self.runs)


def estimate(values: Sequence[float], confidence: float = 0.95) -> Estimate:
    clean = [v for v in values if not math.isnan(v)]
    n = len(clean)
    if n == 0:
        return Estimate(math.nan, math.nan, 0)
    mean = sum(clean) / n
    if n == 1:
        return Estimate(mean, math.inf, 1)
    var = sum((v - mean) ** 2 for v in clean) / (n - 1)
    t = float(stats.t.ppf(0.5 + confidence / 2, n - 1))
    return Estimate(mean, t * math.sqrt(var / n), n)


def replicate(
    scenario: Scenario,
    replications: int,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Replicated:
    """Run ``replications`` independent replications with seeds ``seed, seed + 1, ...``."""
    runs: list[RunResult] = []
    for r in range(replications):
        runs.append(run(scenario, seed + r))
        if progress is not None:
            progress(r + 1)
    return summarise(tuple(runs))


def summarise(runs: tuple[RunResult, ...]) -> Replicated:
    queues = {q: _estimate(q, [r.queues[q] for r in runs], runs, q) for q in runs[0].queues}
    keys = sorted({k for r in runs for k in r.intervals})
    intervals = {
        k: _estimate(k[0], [r.intervals.get(k, Tally()) for r in runs], runs, None) for k in keys
    }
    return Replicated(runs, queues, intervals)


def _estimate(
    queue: str, tallies: list[Tally], runs: tuple[RunResult, ...], occupancy_of: str | None
) -> QueueEstimate:
    occupancy = [r.occupancy.get(occupancy_of, math.nan) for r in runs] if occupancy_of else []
    return QueueEstimate(
        queue,
        sum(t.offered for t in tallies) / len(tallies),
        estimate([t.service_level for t in tallies]),
        estimate([t.asa for t in tallies]),
        estimate([t.abandon_rate for t in tallies]),
        estimate(occupancy),
    )
