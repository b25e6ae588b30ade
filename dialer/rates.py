"""How dialled calls turn out: the live-answer rate and the ring-time distributions.

``LiveRate`` is a Beta posterior on the share of dials a person answers, from counts that
decay by ``decay`` per dial (recent dials weigh more, so drift is followed), starting from a
prior worth ``prior_weight`` dials. The number of people among ``n`` new dials is then
Beta-Binomial(n, a, b) (``beta_binomial_pmf``), wider than a binomial while data is thin.

``RingTimes`` keeps two Kaplan-Meier curves: seconds from dial to a person's verdict, and
seconds from dial to the end of every other outcome (machine verdict, no answer, busy,
failed). A call still ringing after ``e`` seconds turns out a person within the next ``tau``
seconds with probability
``p·[S_person(e) - S_person(e + tau)] / (p·S_person(e) + (1 - p)·S_other(e))``.
"""

from __future__ import annotations

import math

import numpy as np

from dialer.survival import Floats, HandleTimes


class LiveRate:
    def __init__(self, prior: float, prior_weight: float = 20.0, decay: float = 0.999) -> None:
        self._a0 = prior * prior_weight
        self._b0 = (1.0 - prior) * prior_weight
        self._decay = decay
        self._live = 0.0
        self._other = 0.0

    def add(self, live: bool) -> None:
        self._live *= self._decay
        self._other *= self._decay
        if live:
            self._live += 1.0
        else:
            self._other += 1.0

    @property
    def alpha(self) -> float:
        return self._a0 + self._live

    @property
    def beta(self) -> float:
        return self._b0 + self._other

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)


def beta_binomial_pmf(n: int, a: float, b: float) -> Floats:
    """P(k of n), from P(0) = B(a, n + b) / B(a, b) and the ratio of successive terms
    ``P(k + 1) / P(k) = (n - k)(k + a) / ((k + 1)(n - k - 1 + b))``."""
    first = math.exp(_betaln(a, n + b) - _betaln(a, b))
    if n == 0:
        return np.array([first])
    k = np.arange(n, dtype=np.float64)
    ratios = (n - k) * (k + a) / ((k + 1.0) * (n - k - 1.0 + b))
    return np.concatenate(([first], first * np.cumprod(ratios)))


def _betaln(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


class RingTimes:
    def __init__(self, prior_person_seconds: float, prior_other_seconds: float) -> None:
        self.person = HandleTimes(prior_person_seconds, min_events=20)
        self.other = HandleTimes(prior_other_seconds, min_events=20)
        self._person_mean = prior_person_seconds
        self._n = 0

    def add_person(self, seconds: float) -> None:
        self.person.add(seconds)
        self._n += 1
        weight = max(0.01, 1.0 / self._n)
        self._person_mean += weight * (seconds - self._person_mean)

    def add_other(self, seconds: float) -> None:
        self.other.add(seconds)

    @property
    def seconds_to_person(self) -> float:
        """The mean time from dial to a person's verdict: the pacer's horizon."""
        return self._person_mean

    def person_given_ringing(self, elapsed: Floats, p: float, within: float) -> Floats:
        """For calls ringing ``elapsed`` seconds: a person's verdict within ``within`` more."""
        s_person = _survival(self.person, elapsed)
        s_other = _survival(self.other, elapsed)
        num = p * (s_person - _survival(self.person, elapsed + within))
        den = p * s_person + (1.0 - p) * s_other
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(den > 1e-12, num / den, 0.0)
        return np.asarray(out, dtype=np.float64)


def _survival(times: HandleTimes, elapsed: Floats) -> Floats:
    curve = times.curve()
    if curve is None:
        return np.asarray(np.exp(-elapsed / times.prior_mean), dtype=np.float64)
    return curve(elapsed)


def amd_reserve(persons: int, false_positive: float) -> int:
    """People AMD took for machines, expected alongside ``persons`` it got right: they were
    hung up on, so they count as abandoned. Charged against the limit in advance."""
    if false_positive <= 0.0 or persons <= 0:
        return 0
    return math.ceil(persons * false_positive / (1.0 - false_positive))
