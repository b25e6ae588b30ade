"""How many agents one interval needs: Erlang C or Erlang A, with occupancy and shrinkage.

``Target`` says what must hold: service level ``service_level`` within ``answer_seconds``
(answered within T over offered), and optionally a maximum ASA, a maximum abandon rate and a
maximum occupancy. The answer counts agents *on the phones*; ``scheduled`` adds shrinkage
(breaks, training, absence): ``ceil(agents / (1 - shrinkage))``.

Erlang C walks forward from ``floor(a) + 1`` with the stable Erlang B recursion (a few hundred
steps at 20,000 Erlangs). Erlang A bisects, since abandonment may let fewer agents than the
offered load meet the target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from wfm.erlang import Load, Metrics, _c_metrics, erlang_a_metrics, erlang_b, erlang_b_next
from wfm.errors import Infeasible, InvalidInput

MAX_AGENTS = 1_000_000
SERVICE_LEVEL = 0.8  # the default target: 80% of calls answered ...
ANSWER_SECONDS = 20.0  # ... within 20 seconds


@dataclass(frozen=True, slots=True)
class Target:
    service_level: float = SERVICE_LEVEL
    answer_seconds: float = ANSWER_SECONDS
    max_occupancy: float | None = None
    max_asa: float | None = None
    max_abandon: float | None = None

    def __post_init__(self) -> None:
        _within("service_level", self.service_level, 0.0, 1.0)
        _within("answer_seconds", self.answer_seconds, 0.0, 86400.0)
        if self.max_occupancy is not None:
            _within("max_occupancy", self.max_occupancy, 0.01, 1.0)
        if self.max_abandon is not None:
            _within("max_abandon", self.max_abandon, 0.0, 1.0)
        if self.max_asa is not None:
            _within("max_asa", self.max_asa, 0.0, 86400.0)

    def met_by(self, m: Metrics) -> bool:
        return (
            m.service_level >= self.service_level - 1e-12
            and (self.max_occupancy is None or m.occupancy <= self.max_occupancy + 1e-12)
            and (self.max_asa is None or m.asa <= self.max_asa)
            and (self.max_abandon is None or m.p_abandon <= self.max_abandon)
        )


@dataclass(frozen=True, slots=True)
class Requirement:
    agents: int  # on the phones
    scheduled: int  # to schedule, shrinkage included
    metrics: Metrics


def required_agents(
    load: Load,
    target: Target,
    *,
    patience: float | None = None,
    shrinkage: float = 0.0,
) -> Requirement:
    """Erlang A when ``patience`` (mean seconds, exponential) is given, else Erlang C."""
    _check_load(load)
    _within("shrinkage", shrinkage, 0.0, 0.95)
    if load.calls == 0:
        metrics = Metrics("erlang-c", 0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0)
        return Requirement(0, 0, metrics)
    metrics = _search_c(load, target) if patience is None else _search_a(load, target, patience)
    return Requirement(metrics.agents, with_shrinkage(metrics.agents, shrinkage), metrics)


def with_shrinkage(agents: int, shrinkage: float) -> int:
    """Agents to schedule so that ``agents`` are on the phones after ``shrinkage``."""
    return math.ceil(agents / (1.0 - shrinkage) - 1e-9)


def _search_c(load: Load, target: Target) -> Metrics:
    a = load.erlangs
    n = math.floor(a) + 1
    if target.max_occupancy is not None:
        n = max(n, math.ceil(a / target.max_occupancy - 1e-9))
    b = erlang_b(n, a)
    while n <= MAX_AGENTS:
        metrics = _c_metrics(b, n, a, load.aht, target.answer_seconds)
        if target.met_by(metrics):
            return metrics
        n += 1
        b = erlang_b_next(b, n, a)
    raise Infeasible(f"no staffing up to {MAX_AGENTS} agents meets the target")


def _search_a(load: Load, target: Target, patience: float) -> Metrics:
    def evaluate(n: int) -> Metrics:
        return erlang_a_metrics(n, load, patience, target.answer_seconds)

    lo, hi = 0, max(1, math.ceil(load.erlangs))
    while not target.met_by(best := evaluate(hi)):  # gallop up to a staffing that works
        lo, hi = hi, hi * 2
        if hi > MAX_AGENTS:
            raise Infeasible(f"no staffing up to {MAX_AGENTS} agents meets the target")
    while hi - lo > 1:  # invariant: hi works, lo does not (or is 0)
        mid = (lo + hi) // 2
        metrics = evaluate(mid)
        if target.met_by(metrics):
            hi, best = mid, metrics
        else:
            lo = mid
    return best


def service_level_curve(
    load: Load, answer_seconds: float, agents: range, patience: float | None = None
) -> list[Metrics]:
    """Metrics for each staffing in ``agents`` (for the SL-vs-agents chart)."""
    if patience is None:
        a = load.erlangs
        return [_c_metrics(erlang_b(n, a), n, a, load.aht, answer_seconds) for n in agents]
    return [erlang_a_metrics(n, load, patience, answer_seconds) for n in agents]


def _check_load(load: Load) -> None:
    _within("calls", load.calls, 0.0, 1e9)
    _within("aht", load.aht, 1e-3, 86400.0)
    _within("interval", load.interval, 1.0, 86400.0)


def _within(field: str, value: float, lo: float, hi: float) -> None:
    if not (isinstance(value, int | float) and lo <= value <= hi):
        raise InvalidInput(f"must be between {lo:g} and {hi:g}", field=field)
