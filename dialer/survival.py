"""Kaplan-Meier survival of talk + wrap time, and when a busy agent becomes free.

``kaplan_meier`` is the product-limit estimator with right censoring: at each distinct time
with at least one observed end, S drops by the factor ``1 - ended / at_risk``, where
``at_risk`` counts every duration (ended or censored) at least that long. A censored duration
(an agent who left mid-call, a call still running) leaves the risk set without a drop.

``HandleTimes`` keeps the campaign's recent handle times and answers the pacer's question: an
agent ``a`` seconds into a call is free within ``tau`` with probability
``[S(a) - S(a + tau)] / S(a)``. With fewer than ``min_events`` observed ends it uses its
prior (exponential with the campaign's expected handle time), and past the last observed
time (where the estimate says S = 0) it uses an exponential tail with the observed mean.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Survival:
    """A right-continuous step function: ``S(t) = values[i]`` for ``times[i] <= t < times[i+1]``,
    1 before ``times[0]``."""

    times: Floats
    values: Floats
    _steps: Floats = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_steps", np.concatenate(([1.0], self.values)))

    def __call__(self, t: npt.ArrayLike) -> Floats:
        return np.asarray(self._steps[np.searchsorted(self.times, t, side="right")])

    def mean(self) -> float:
        """The area under S up to the last time (the restricted mean)."""
        if not len(self.times):
            return 0.0
        edges = np.concatenate(([0.0], self.times))
        heights = np.concatenate(([1.0], self.values[:-1]))
        return float(np.sum(np.diff(edges) * heights))


def kaplan_meier(durations: Sequence[float], ended: Sequence[bool]) -> Survival:
    d = np.asarray(durations, dtype=np.float64)
    e = np.asarray(ended, dtype=bool)
    if d.shape != e.shape:
        raise ValueError("durations and ended differ in length")
    if not len(d):
        return Survival(np.empty(0), np.empty(0))
    order = np.argsort(d, kind="stable")
    d, e = d[order], e[order]
    times, first = np.unique(d, return_index=True)
    deaths = np.add.reduceat(e.astype(np.float64), first)
    at_risk = len(d) - first
    values = np.asarray(np.cumprod(1.0 - deaths / at_risk), dtype=np.float64)
    keep = deaths > 0
    return Survival(times[keep], values[keep])


class HandleTimes:
    """Recent talk + wrap durations of one campaign, refitted every ``refit_every`` additions."""

    def __init__(
        self,
        prior_mean: float,
        *,
        keep: int = 2000,
        min_events: int = 30,
        refit_every: int = 25,
    ) -> None:
        self.prior_mean = prior_mean
        self.min_events = min_events
        self._refit_every = refit_every
        self._obs: deque[tuple[float, bool]] = deque(maxlen=keep)
        self._since_fit = 0
        self._curve: Survival | None = None
        self._tail_mean = prior_mean

    def add(self, seconds: float, ended: bool = True) -> None:
        self._obs.append((max(0.0, seconds), ended))
        self._since_fit += 1
        due = max(self._refit_every, len(self._obs) // 20)  # refits cost O(n log n)
        if self._curve is None or self._since_fit >= due:
            self._fit()

    @property
    def events(self) -> int:
        return sum(1 for _, ended in self._obs if ended)

    def curve(self) -> Survival | None:
        """The fitted curve, or None while the prior is in use."""
        return self._curve

    def _fit(self) -> None:
        self._since_fit = 0
        if self.events < self.min_events:
            self._curve = None
            return
        durations = [d for d, _ in self._obs]
        self._curve = kaplan_meier(durations, [e for _, e in self._obs])
        self._tail_mean = max(1.0, self._curve.mean())

    def free_within(self, elapsed: Floats, tau: float) -> Floats:
        """For each busy agent, the probability of being free within ``tau`` seconds."""
        if self._curve is None:
            return np.full(elapsed.shape, 1.0 - np.exp(-tau / self.prior_mean))
        s_now = self._curve(elapsed)
        s_later = self._curve(elapsed + tau)
        tail = 1.0 - np.exp(-tau / self._tail_mean)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(s_now > 1e-12, (s_now - s_later) / s_now, tail)
        return np.asarray(np.clip(p, 0.0, 1.0), dtype=np.float64)
