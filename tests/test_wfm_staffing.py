"""Multi-skill staffing by simulation search, starting from the Erlang answer."""

from __future__ import annotations

from acd.model import QueueConfig
from wfm.required import Target
from wfm.staffing import QueueDemand, SkillGroup, erlang_start, simulate_staffing

SALES = QueueConfig("sales", skills=(("sales", 1),))
SUPPORT = QueueConfig("support", skills=(("support", 1),))
DEMAND = [QueueDemand(SALES, 60, 180, 120), QueueDemand(SUPPORT, 40, 240, 120)]
GROUPS = [
    SkillGroup("sales", (("sales", 1),)),
    SkillGroup("support", (("support", 1),)),
    SkillGroup("blend", (("sales", 1), ("support", 1))),
]


def test_the_search_starts_from_erlang_and_ends_meeting_every_target() -> None:
    target = Target(0.8, 20)
    start = erlang_start(DEMAND, GROUPS, 1800, target)
    assert start["sales"] + start["blend"] >= 1 and start["support"] >= 1
    result = simulate_staffing(DEMAND, GROUPS, target, replications=3, intervals=2, seed=4)
    assert result.erlang_start == start
    assert result.steps[0][0] == start
    for estimate in result.estimates.queues.values():
        assert estimate.service_level.mean >= 0.8
    assert sum(result.agents.values()) <= sum(start.values()) + 2
