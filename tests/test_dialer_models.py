"""The pacer's statistics against reference computations: Kaplan-Meier by hand and by a
direct product-limit loop, Poisson-binomial by brute force, Beta-Binomial by scipy."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import betabinom

from dialer import poisson_binomial
from dialer.forecast import Situation, lines_to_dial, shortfall_table
from dialer.rates import LiveRate, amd_reserve, beta_binomial_pmf
from dialer.survival import HandleTimes, kaplan_meier


def product_limit(durations: list[float], ended: list[bool], t: float) -> float:
    """S(t) straight from the definition, one distinct end time at a time."""
    s = 1.0
    for u in sorted({d for d, e in zip(durations, ended, strict=True) if e}):
        if u > t:
            break
        at_risk = sum(d >= u for d in durations)
        deaths = sum(d == u and e for d, e in zip(durations, ended, strict=True))
        s *= 1.0 - deaths / at_risk
    return s


def test_kaplan_meier_matches_the_hand_worked_example_with_censoring() -> None:
    # ends at 3, 5, 5, 8; censored at 4 and 9: S = 5/6, then 5/6 * 2/4, then * 1/2
    curve = kaplan_meier([3, 4, 5, 5, 8, 9], [True, False, True, True, True, False])
    assert curve([0, 3, 4.9, 5, 7.9, 8, 100]).tolist() == pytest.approx(
        [1.0, 5 / 6, 5 / 6, 5 / 12, 5 / 12, 5 / 24, 5 / 24]
    )


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 30).map(float), st.booleans()), min_size=1, max_size=40),
    st.floats(0, 35),
)
def test_kaplan_meier_matches_the_product_limit_definition(
    data: list[tuple[float, bool]], t: float
) -> None:
    durations, ended = [d for d, _ in data], [e for _, e in data]
    assert float(kaplan_meier(durations, ended)(t)) == pytest.approx(
        product_limit(durations, ended, t), abs=1e-12
    )


def brute_force(probs: list[float]) -> list[float]:
    out = [0.0] * (len(probs) + 1)
    for outcome in itertools.product((0, 1), repeat=len(probs)):
        weight = math.prod(p if o else 1 - p for p, o in zip(probs, outcome, strict=True))
        out[sum(outcome)] += weight
    return out


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=0, max_size=11))
def test_poisson_binomial_matches_brute_force_enumeration(probs: list[float]) -> None:
    assert poisson_binomial.pmf(probs).tolist() == pytest.approx(brute_force(probs), abs=1e-12)


@pytest.mark.parametrize("n", [17, 100, 333, 1000])
def test_poisson_binomial_fast_path_matches_the_recursion(n: int) -> None:
    rng = np.random.default_rng(n)
    probs = rng.random(n)
    probs[::9], probs[::13] = 0.0, 1.0
    fast, slow = poisson_binomial.pmf(probs), poisson_binomial.pmf_dp(probs)
    assert np.abs(fast - slow).max() < 1e-12
    assert fast.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(("n", "a", "b"), [(0, 2.0, 3.0), (1, 0.5, 0.5), (30, 7.2, 21.1)])
def test_beta_binomial_matches_scipy(n: int, a: float, b: float) -> None:
    expected = betabinom.pmf(np.arange(n + 1), n, a, b)
    assert beta_binomial_pmf(n, a, b) == pytest.approx(expected, rel=1e-10)


def test_live_rate_starts_at_its_prior_and_follows_recent_dials() -> None:
    rate = LiveRate(prior=0.25, prior_weight=20, decay=0.99)
    assert rate.mean == pytest.approx(0.25)
    for _ in range(500):
        rate.add(live=True)
    for _ in range(500):
        rate.add(live=False)
    assert rate.mean < 0.05  # the last 500 dials weigh most


def test_busy_agent_frees_with_the_conditional_survival_formula() -> None:
    times = HandleTimes(prior_mean=100.0, min_events=5, refit_every=1)
    for d in (10.0, 20.0, 30.0, 40.0, 50.0):
        times.add(d)
    # S: 1, .8, .6, .4, .2, 0 at 10..50. From a = 25 within 10 s: [S(25) - S(35)] / S(25)
    p = times.free_within(np.array([0.0, 25.0, 60.0]), 10.0)
    assert p[0] == pytest.approx((1.0 - 0.8) / 1.0)
    assert p[1] == pytest.approx((0.6 - 0.4) / 0.6)
    assert 0 < p[2] < 1  # past every observation: the exponential tail, not 0/0


def test_handle_times_use_the_prior_until_enough_calls_ended() -> None:
    times = HandleTimes(prior_mean=100.0, min_events=30)
    for _ in range(29):
        times.add(5.0)
    assert times.curve() is None
    p = times.free_within(np.array([0.0, 500.0]), 10.0)
    assert p.tolist() == pytest.approx([1 - math.exp(-0.1)] * 2)
    times.add(5.0)
    assert times.curve() is not None


def test_censored_handle_times_do_not_count_as_ends() -> None:
    times = HandleTimes(prior_mean=100.0, min_events=2, refit_every=1)
    for d, ended in ((10.0, True), (20.0, False), (30.0, True)):
        times.add(d, ended)
    curve = times.curve()
    assert curve is not None
    assert curve([15.0, 35.0]).tolist() == pytest.approx([2 / 3, 0.0])


def test_shortfall_table_is_the_expected_positive_part() -> None:
    situation = Situation(
        free=1,
        waiting=1,
        free_within=np.array([0.5]),
        person_probs=np.array([0.3, 0.6]),
        live_a=1.0,
        live_b=1.0,
    )
    # demand = 1 + B(.3) + B(.6), supply = 1 + B(.5): brute force E[(demand - supply + t)^+]
    expected = []
    for t in range(4):
        total = 0.0
        for r1, r2, f in itertools.product((0, 1), repeat=3):
            w = (0.3 if r1 else 0.7) * (0.6 if r2 else 0.4) * 0.5
            total += w * max(0, 1 + r1 + r2 - 1 - f + t)
        expected.append(total)
    assert shortfall_table(situation, 3).tolist() == pytest.approx(expected)


def test_model_dials_more_when_agents_are_about_to_free_up() -> None:
    def situation(free_within: float) -> Situation:
        return Situation(0, 0, np.full(20, free_within), np.zeros(0), 30.0, 70.0)

    soon, late = (lines_to_dial(situation(p), 0.02, 200).lines for p in (0.9, 0.1))
    assert soon > late >= 0
    assert soon <= 200


def test_amd_reserve_holds_back_the_people_taken_for_machines() -> None:
    assert amd_reserve(0, 0.01) == 0
    assert amd_reserve(1000, 0.0) == 0
    assert amd_reserve(990, 0.01) == 10
