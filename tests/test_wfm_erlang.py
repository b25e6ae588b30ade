"""Erlang B, C and A against published figures and an independent high-precision evaluation."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from scipy.linalg import expm

from wfm.erlang import Load, erlang_a_metrics, erlang_b, erlang_c, erlang_c_metrics, log_erlang_b
from wfm.errors import InvalidInput
from wfm.required import Target, required_agents


def test_cran_erlangc_example_100_calls_in_30_minutes_aht_180_with_14_agents() -> None:
    # CRAN package ErlangC, example: 100 calls / 30 min, AHT 180 s, 14 agents, target 20 s.
    m = erlang_c_metrics(14, Load(100, 180, 1800), 20)
    assert m.erlangs == pytest.approx(10.0)
    assert round(m.p_wait, 4) == 0.1741
    assert round(m.service_level, 4) == 0.8884
    assert round(m.asa, 2) == 7.84
    assert m.occupancy == pytest.approx(10 / 14)


# Erlang B table (Iversen, "Teletraffic Engineering and Network Planning", DTU/ITU-D, table
# of Erlang's B-formula; the same figures are in every published Erlang B table): the
# traffic n lines carry at a blocking of 0.1 %, 1 % and 5 %.
@pytest.mark.parametrize(
    ("lines", "erlangs", "blocking"),
    [
        (10, 4.461, 0.01),
        (20, 12.031, 0.01),
        (50, 37.901, 0.01),
        (100, 84.064, 0.01),
        (10, 3.092, 0.001),
        (100, 75.24, 0.001),
        (10, 6.216, 0.05),
        (100, 95.24, 0.05),
    ],
)
def test_erlang_b_matches_the_published_table(lines: int, erlangs: float, blocking: float) -> None:
    assert erlang_b(lines, erlangs) == pytest.approx(blocking, rel=2e-3)


def test_erlang_b_small_cases_by_hand() -> None:
    assert erlang_b(0, 3.0) == 1.0
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)  # (1/2) / (1 + 1 + 1/2)
    assert erlang_b(5, 0.0) == 0.0


def _mp_erlang_b(n: int, a: float) -> mp.mpf:
    a_mp, total, term = mp.mpf(a), mp.mpf(0), mp.mpf(1)
    for j in range(n + 1):  # 1/B = sum_j prod_{i<j} (n - i) / a
        total += term
        term *= (n - j) / a_mp
    return 1 / total


@pytest.mark.parametrize("agents", [4800, 5000, 5050, 5150, 5400])
def test_erlang_b_and_c_agree_with_mpmath_to_1e_9_at_5000_erlangs(agents: int) -> None:
    mp.mp.dps = 40
    b = _mp_erlang_b(agents, 5000.0)
    assert erlang_b(agents, 5000.0) == pytest.approx(float(b), rel=1e-9)
    if agents > 5000:
        c = agents * b / (agents - 5000 * (1 - b))
        assert erlang_c(agents, 5000.0) == pytest.approx(float(c), rel=1e-9)


def _mp_erlang_a(n: int, a: float, aht: float, patience: float) -> tuple[float, float]:
    """P(wait) and P(abandon) of M/M/n+M by brute force over its birth-death chain."""
    mp.mp.dps = 40
    x, y = mp.mpf(n) * patience / aht, mp.mpf(a) * patience / aht
    below = 1 / _mp_erlang_b(n, a) - 1  # sum_{k<n} pi_k / pi_n
    waiting, abandon, w, q = mp.mpf(0), mp.mpf(0), mp.mpf(1), 0
    while w > mp.mpf(10) ** -30 or q < y - x:
        waiting += w
        abandon += w * (q + 1) / (x + q + 1)
        q += 1
        w *= y / (x + q)
    return float(waiting / (below + waiting)), float(abandon / (below + waiting))


@pytest.mark.parametrize("agents", [4700, 5000, 5080])
def test_erlang_a_agrees_with_mpmath_to_1e_9_at_5000_erlangs(agents: int) -> None:
    m = erlang_a_metrics(agents, Load.of(5000, 180), 90, 20)
    p_wait, p_abandon = _mp_erlang_a(agents, 5000.0, 180, 90)
    assert m.p_wait == pytest.approx(p_wait, rel=1e-9)
    assert m.p_abandon == pytest.approx(p_abandon, rel=1e-9)


def test_erlang_a_service_level_and_asa_agree_with_a_tagged_caller_markov_chain() -> None:
    # Independent route: follow one caller through queue positions as a Markov chain
    # (moves up at n mu + (i - 1) theta, hangs up at theta), solved by a matrix exponential
    # and the fundamental matrix instead of the Beta-distribution identities.
    n, a, aht, patience, t = 12, 11.0, 200.0, 60.0, 20.0
    m = erlang_a_metrics(n, Load.of(a, aht), patience, t)
    mu, theta, lam, depth = 1 / aht, 1 / patience, a / aht, 400
    w = np.cumprod([1.0] + [lam / (n * mu + q * theta) for q in range(1, depth)])
    z = (1 / erlang_b(n, a) - 1) + w.sum()
    p = w / z  # an arrival finds n + q
    # states 0..depth-1 = positions 1..depth; then served, abandoned
    gen = np.zeros((depth + 2, depth + 2))
    for i in range(depth):
        up = n * mu + i * theta
        gen[i, i - 1 if i else depth] = up
        gen[i, depth + 1] = theta
        gen[i, i] = -(up + theta)
    served_by_t = expm(gen * t)[:depth, depth]
    transient = -gen[:depth, :depth]
    eventually = np.linalg.solve(transient, gen[:depth, depth])
    time_served = np.linalg.solve(transient, eventually)  # E[V 1{served}] per position
    assert m.service_level == pytest.approx(1 - p.sum() + p @ served_by_t, abs=1e-9)
    assert m.p_abandon == pytest.approx(p @ (1 - eventually), rel=1e-9)
    assert m.asa * (1 - m.p_abandon) == pytest.approx(p @ time_served, rel=1e-8)


def test_erlang_a_with_endless_patience_becomes_erlang_c() -> None:
    load = Load(100, 180, 1800)
    c, a = erlang_c_metrics(14, load, 20), erlang_a_metrics(14, load, 1e8, 20)
    assert a.p_wait == pytest.approx(c.p_wait, rel=1e-5)
    assert a.service_level == pytest.approx(c.service_level, rel=1e-5)
    assert a.asa == pytest.approx(c.asa, rel=1e-4)


def test_erlang_a_may_staff_below_the_offered_load_when_callers_abandon() -> None:
    need = required_agents(Load.of(100, 300), Target(0.5, 20, max_abandon=0.3), patience=30)
    assert need.agents < 100
    assert need.metrics.p_abandon <= 0.3
    assert need.metrics.service_level >= 0.5


def test_erlang_c_never_staffs_at_or_below_the_load() -> None:
    assert required_agents(Load.of(100, 300), Target(0.01, 20)).agents > 100


def test_required_agents_is_the_fewest_that_meet_the_target() -> None:
    load, target = Load(100, 180, 1800), Target(0.8, 20)
    need = required_agents(load, target)
    assert need.agents == 14
    assert erlang_c_metrics(13, load, 20).service_level < 0.8


def test_max_occupancy_and_shrinkage_raise_the_requirement() -> None:
    load = Load.of(100, 180)
    plain = required_agents(load, Target(0.8, 20))
    capped = required_agents(load, Target(0.8, 20, max_occupancy=0.85), shrinkage=0.3)
    assert capped.agents >= math.ceil(100 / 0.85) > plain.agents
    assert capped.scheduled == math.ceil(capped.agents / 0.7)


@pytest.mark.parametrize("erlangs", [20_000.0, 50_000.0])
def test_tens_of_thousands_of_erlangs_stay_finite_and_monotone(erlangs: float) -> None:
    need = required_agents(Load.of(erlangs, 180), Target(0.8, 20))
    assert erlangs < need.agents < erlangs * 1.01
    levels = [
        erlang_c_metrics(n, Load.of(erlangs, 180), 20).service_level
        for n in range(need.agents - 3, need.agents + 3)
    ]
    assert levels == sorted(levels)
    assert math.isfinite(log_erlang_b(int(erlangs * 2), erlangs))
    a = required_agents(Load.of(erlangs, 180), Target(0.8, 20), patience=120)
    assert a.agents <= need.agents


def test_bad_inputs_name_the_field() -> None:
    with pytest.raises(InvalidInput, match="agents"):
        erlang_b(-1, 3.0)
    with pytest.raises(InvalidInput, match="patience"):
        erlang_a_metrics(3, Load(10, 100), 0, 20)
    with pytest.raises(InvalidInput, match="service_level"):
        Target(1.5, 20)
    with pytest.raises(InvalidInput, match="shrinkage"):
        required_agents(Load(10, 100), Target(), shrinkage=1.0)
