"""The simulator runs the real ACD on SimPy time; single-skill results agree with Erlang A."""

from __future__ import annotations

import simpy

from acd.model import QueueConfig
from simulations.bare import run_bare
from simulations.clock import SimClock
from simulations.model import run
from simulations.replicate import estimate, replicate
from simulations.scenario import Demand, Group, Scenario
from wfm.erlang import Load, erlang_a_metrics

SUPPORT = QueueConfig("support", skills=(("support", 1),), service_level_seconds=20)


def test_sim_clock_fires_timers_in_simpy_time_and_honours_cancel() -> None:
    env = simpy.Environment()
    clock, fired = SimClock(env, epoch=1000.0), []
    clock.call_later(5, lambda: fired.append(clock.now()))
    clock.call_later(3, lambda: fired.append(clock.now()))
    clock.call_later(4, lambda: fired.append(-1.0)).cancel()
    env.run()
    assert fired == [1003.0, 1005.0]


def _single_skill(agents: int, erlangs: float, aht: float, patience: float, hours: int) -> Scenario:
    calls = erlangs * 1800 / aht
    return Scenario(
        (SUPPORT,),
        (Demand("support", (calls,) * (2 * hours), aht, handle="exponential", patience=patience),),
        (Group("team", (("support", 1),), (agents,) * (2 * hours)),),
        warmup=1800,
    )


def test_single_skill_simulation_agrees_with_erlang_a_within_its_95_percent_ci() -> None:
    # M/M/10+M at 9 Erlangs, AHT 180 s, mean patience 120 s: 16 replications of 8 hours.
    scenario = _single_skill(10, 9.0, 180.0, 120.0, hours=8)
    result = replicate(scenario, 16, seed=11).queues["support"]
    exact = erlang_a_metrics(10, Load.of(9.0, 180.0), 120.0, 20.0)
    assert result.service_level.covers(exact.service_level)
    assert result.abandon_rate.covers(exact.p_abandon)
    assert result.asa.covers(exact.asa)
    assert result.service_level.half_width < 0.03  # tight enough to mean something


def test_bare_simpy_model_sees_the_same_system() -> None:
    exact = erlang_a_metrics(10, Load.of(9.0, 180.0), 120.0, 20.0)
    runs = [run_bare(10, 9.0, 180.0, 120.0, 6 * 3600, seed=s) for s in range(1, 9)]
    rate = estimate([r.abandoned / r.calls for r in runs])
    assert rate.covers(exact.p_abandon, slack=0.005)


def test_a_blended_agent_serves_both_queues_and_lifts_the_short_one() -> None:
    sales = QueueConfig("sales", skills=(("sales", 1),))
    demand = (
        Demand("sales", (60.0,) * 4, 180.0, patience=90.0),
        Demand("support", (20.0,) * 4, 180.0, patience=90.0),
    )
    alone = (Group("s", (("sales", 1),), (5,) * 4), Group("t", (("support", 1),), (5,) * 4))
    blended = (*alone, Group("b", (("sales", 1), ("support", 1)), (2,) * 4))
    before = replicate(Scenario((sales, SUPPORT), demand, alone), 4, seed=3)
    after = replicate(Scenario((sales, SUPPORT), demand, blended), 4, seed=3)
    assert (
        after.queues["sales"].service_level.mean > before.queues["sales"].service_level.mean + 0.1
    )
    assert after.queues["support"].offered == before.queues["support"].offered  # same callers


def test_time_varying_arrivals_follow_the_forecast_per_interval() -> None:
    demand = Demand("support", (10.0, 80.0, 10.0), 120.0, patience=60.0)
    scenario = Scenario((SUPPORT,), (demand,), (Group("g", (("support", 1),), (8, 8, 8)),))
    runs = replicate(scenario, 6, seed=5)
    offered = [runs.intervals[("support", k)].offered for k in range(3)]
    assert offered[1] > 4 * offered[0] and offered[1] > 4 * offered[2]
    assert abs(offered[1] - 80) < 15


def test_shrinkage_takes_agents_off_the_phones() -> None:
    base = _single_skill(12, 10.0, 180.0, 120.0, hours=2)
    full = replicate(base, 4, seed=2).queues["support"].service_level.mean
    shrunk = (
        replicate(
            Scenario(base.queues, base.demand, base.groups, shrinkage=0.3, warmup=1800), 4, seed=2
        )
        .queues["support"]
        .service_level.mean
    )
    assert shrunk < full - 0.1


def test_a_seed_gives_the_same_replication_twice() -> None:
    scenario = _single_skill(10, 9.0, 180.0, 120.0, hours=1)
    first, second = run(scenario, 42), run(scenario, 42)
    assert first.queues == second.queues
    assert first.calls > 0
