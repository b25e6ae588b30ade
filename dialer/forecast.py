"""Inside the bound: how many lines to dial now, from exact Poisson-binomial distributions.

Over the horizon ``tau`` (the mean time from a dial to a person's verdict), agents free up and
people answer. Supply is the free agents plus each busy agent free within ``tau`` (Bernoulli
``f_i``); demand is the people already waiting, plus each ringing or screening call that turns
out a person (Bernoulli ``r_j``), plus the people among ``n`` new dials (Beta-Binomial). The
shortfall ``demand - supply`` is abandoned. Written as ``Z + c`` with
``Z ~ PoissonBinomial(r and (1 - f))`` and ``c = waiting - free - busy``, its distribution is
one Poisson-binomial; adding the new dials is one more sum.

With ``g(n) = E[(Z + c + Y_n)^+]``, dial the most ``n`` with
``g(n) - g(0) <= alpha_star * n * p`` (extra abandons ≤ alpha* * extra live answers). ``g`` is
convex in ``n`` and the right side linear, so the feasible ``n`` form an interval from 0 and a
search (doubling, then bisection) finds its end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dialer import poisson_binomial
from dialer.rates import beta_binomial_pmf
from dialer.survival import Floats


@dataclass(frozen=True, slots=True)
class Forecast:
    lines: int  # the most new dials the model accepts
    extra_abandons: float  # expected, for those lines
    extra_live: float
    shortfall_now: float  # expected abandons among calls already in flight


@dataclass(frozen=True, slots=True)
class Situation:
    free: int
    waiting: int  # people answered, waiting for an agent
    free_within: Floats  # per busy agent
    person_probs: Floats  # per ringing or screening call
    live_a: float  # Beta posterior of the live-answer rate
    live_b: float


def shortfall_table(situation: Situation, most: int) -> Floats:
    """``h[t] = E[(Z + c + t)^+]`` for ``t = 0..most``, from suffix sums of Z's pmf."""
    probs = np.concatenate((situation.person_probs, 1.0 - situation.free_within))
    pmf = poisson_binomial.pmf(probs)
    c = situation.waiting - situation.free - len(situation.free_within)
    size = len(pmf)
    tail0 = np.concatenate((np.cumsum(pmf[::-1])[::-1], [0.0]))
    tail1 = np.concatenate((np.cumsum((np.arange(size) * pmf)[::-1])[::-1], [0.0]))
    t = np.arange(most + 1)
    first = np.clip(1 - c - t, 0, size)  # the smallest i with c + i + t >= 1
    return np.asarray(tail1[first] + (c + t) * tail0[first], dtype=np.float64)


def lines_to_dial(situation: Situation, alpha_star: float, most: int) -> Forecast:
    h = shortfall_table(situation, most)
    a, b = situation.live_a, situation.live_b
    p = a / (a + b)

    def extra(n: int) -> float:
        return float(beta_binomial_pmf(n, a, b) @ h[: n + 1]) - float(h[0])

    low, high = 0, 1  # extra(low) fits; double high until it does not, then bisect
    while high <= most and extra(high) <= alpha_star * high * p:
        low, high = high, 2 * high
    high = min(high, most + 1)
    while high - low > 1:
        mid = (low + high) // 2
        if extra(mid) <= alpha_star * mid * p:
            low = mid
        else:
            high = mid
    return Forecast(low, extra(low) if low else 0.0, low * p, float(h[0]))
