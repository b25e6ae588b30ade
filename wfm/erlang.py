"""Erlang B, Erlang C and Erlang A (Palm's M/M/N+M), exact and stable at any size.

No factorials and no Decimal. Everything rests on one sum,

    1 / B(n, a) = sum_{j=0..n} t_j,   t_j = prod_{i<j} (n - i) / a,

whose terms rise while ``(n - i) / a >= 1`` and then fall faster than a Gaussian of width
``sqrt(a)``. Only a window of about ``10 sqrt(a)`` terms on either side of the largest one
matters (the rest is below ``e**-40`` of it), so ``log B`` is a log-sum-exp of a few thousand
cumulative sums of logs even at 20,000 Erlangs. Forward steps use the stable recursion
``B(n) = a B(n-1) / (n + a B(n-1))``.

Erlang A (exponential patience, mean ``patience``) is solved from its birth-death chain: an
arrival finds ``n + q`` calls with probability ``p_q`` (PASTA) and waits in position
``j = q + 1``. Its offered wait is a sum of exponentials of rates ``n mu + i theta``, which is
the time for ``x + j - 1`` exponential lives to fall to ``x - 1`` (``x = n mu / theta``), so
``1 - exp(-theta V)`` is Beta(j, x). Hence, per position: served with probability
``x / (x + j)``, served within ``T`` with ``x / (x + j) * I_u(j, x + 1)`` where
``u = 1 - exp(-theta T)``, and the mean wait of the served is
``(psi(x + j + 1) - psi(x + 1)) / theta``.

Service level everywhere is *answered within T over offered* (abandons count against it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from wfm.errors import InvalidInput

_WINDOW_SIGMAS = 10.0  # e**-50 of the peak term at the window's edge
_MAX_TERMS = 5_000_000


@dataclass(frozen=True, slots=True)
class Load:
    """Traffic offered in one interval."""

    calls: float
    aht: float  # seconds of handling (talk + wrap-up) per call
    interval: float = 1800.0  # seconds

    @property
    def erlangs(self) -> float:
        return self.calls * self.aht / self.interval

    @staticmethod
    def of(erlangs: float, aht: float, interval: float = 1800.0) -> Load:
        return Load(erlangs * interval / aht, aht, interval)


@dataclass(frozen=True, slots=True)
class Metrics:
    model: str  # "erlang-c" or "erlang-a"
    agents: int
    erlangs: float
    p_wait: float
    service_level: float  # answered within T / offered
    asa: float  # mean wait of answered calls, seconds (inf when unstable)
    occupancy: float
    p_abandon: float


# -- Erlang B --------------------------------------------------------------------------
def log_erlang_b(n: int, a: float) -> float:
    """``log B(n, a)``, the blocking probability of ``n`` servers offered ``a`` Erlangs."""
    _check(n, a)
    if n == 0:
        return 0.0
    if a == 0:
        return -math.inf
    peak = min(n, max(0, math.floor(n - a) + 1))  # the largest term t_j
    width = int(_WINDOW_SIGMAS * math.sqrt(a)) + 30
    lo, hi = max(0, peak - width), min(n, peak + width)
    ratios = np.log1p((n - a - np.arange(lo, hi, dtype=np.float64)) / a)  # log t_{i+1}/t_i
    up = np.cumsum(ratios[peak - lo :])  # log t_j / t_peak for j = peak+1 .. hi
    down = -np.cumsum(ratios[: peak - lo][::-1])  # for j = peak-1 .. lo
    rel = np.concatenate(([0.0], up, down))
    log_peak = _log_t(n, a, peak)
    return -(log_peak + float(special.logsumexp(rel)))


def _log_t(n: int, a: float, j: int) -> float:
    """``log t_j = sum_{k=n-j+1..n} log(k / a)``."""
    if j == 0:
        return 0.0
    if j > _MAX_TERMS:
        return math.lgamma(n + 1) - math.lgamma(n - j + 1) - j * math.log(a)
    k = np.arange(n - j + 1, n + 1, dtype=np.float64)
    return float(np.log1p((k - a) / a).sum())


def erlang_b(n: int, a: float) -> float:
    return math.exp(log_erlang_b(n, a))


def erlang_b_next(b: float, n: int, a: float) -> float:
    """``B(n, a)`` from ``B(n - 1, a)``: the stable forward step."""
    return a * b / (n + a * b)


# -- Erlang C --------------------------------------------------------------------------
def erlang_c_from_b(b: float, n: int, a: float) -> float:
    if n <= a:
        return 1.0
    return n * b / (n - a * (1.0 - b))


def erlang_c(n: int, a: float) -> float:
    """Probability that a call waits (M/M/n, infinite patience); 1 when ``n <= a``."""
    return erlang_c_from_b(erlang_b(n, a), n, a)


def erlang_c_metrics(n: int, load: Load, target_seconds: float) -> Metrics:
    a = load.erlangs
    return _c_metrics(erlang_b(n, a), n, a, load.aht, target_seconds)


def _c_metrics(b: float, n: int, a: float, aht: float, target: float) -> Metrics:
    if n <= a:
        return Metrics("erlang-c", n, a, 1.0, 0.0, math.inf, 1.0, 0.0)
    c = erlang_c_from_b(b, n, a)
    sl = 1.0 - c * math.exp(-(n - a) * target / aht)
    return Metrics("erlang-c", n, a, c, sl, c * aht / (n - a), a / n, 0.0)


# -- Erlang A --------------------------------------------------------------------------
def erlang_a_metrics(n: int, load: Load, patience: float, target_seconds: float) -> Metrics:
    """M/M/n+M with exponential patience of mean ``patience`` seconds."""
    a = load.erlangs
    _check(n, a)
    if not (0 < patience < math.inf):
        raise InvalidInput("must be a positive finite number of seconds", field="patience")
    if n == 0:
        return Metrics("erlang-a", 0, a, 1.0, 0.0, math.inf, 0.0, 1.0 if a > 0 else 0.0)
    if a == 0:
        return Metrics("erlang-a", n, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0)
    x, y = n * patience / load.aht, a * patience / load.aht
    p_q, p_wait = _queue_positions(n, a, x, y)
    j = np.arange(1, p_q.size + 1, dtype=np.float64)
    served = x / (x + j)
    u = -math.expm1(-target_seconds / patience)
    in_sl = float(np.dot(p_q, served * special.betainc(j, x + 1.0, u))) if u > 0 else 0.0
    p_ab = float(np.dot(p_q, j / (x + j)))
    waits = (special.digamma(x + j + 1.0) - special.digamma(x + 1.0)) * patience
    served_total = 1.0 - p_ab
    asa = float(np.dot(p_q, served * waits)) / served_total if served_total > 0 else math.inf
    occupancy = min(1.0, a * served_total / n)
    return Metrics("erlang-a", n, a, p_wait, (1.0 - p_wait) + in_sl, asa, occupancy, p_ab)


def _queue_positions(n: int, a: float, x: float, y: float) -> tuple[np.ndarray, float]:
    """``p_q``: probability an arrival finds ``n + q`` in the system; and their sum."""
    peak = max(0.0, y - x)
    size = int(peak + _WINDOW_SIGMAS * math.sqrt(y + 1.0)) + 30
    if size > _MAX_TERMS:
        raise InvalidInput(
            "patience too long for Erlang A at this load; use Erlang C", field="patience"
        )
    i = np.arange(1, size, dtype=np.float64)
    log_w = np.concatenate(([0.0], np.cumsum(math.log(y) - np.log(x + i))))  # p_{n+q}/p_n
    log_inv_b = -log_erlang_b(n, a)
    log_idle = log_inv_b + math.log(-math.expm1(-log_inv_b)) if log_inv_b > 0 else -math.inf
    log_waiting = float(special.logsumexp(log_w))
    log_z = float(np.logaddexp(log_idle, log_waiting))
    return np.exp(log_w - log_z), math.exp(log_waiting - log_z)


def _check(n: int, a: float) -> None:
    if n < 0:
        raise InvalidInput("must be >= 0", field="agents", details={"value": n})
    if not (a >= 0 and math.isfinite(a)):
        raise InvalidInput("must be a finite number >= 0", field="erlangs", details={"value": a})
