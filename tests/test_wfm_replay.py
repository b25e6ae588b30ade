"""Replaying a recorded day (AMI capture or queue_log) against another staffing."""

from __future__ import annotations

from pathlib import Path

import pytest

from acd.model import QueueConfig
from simulations.scenario import Group
from wfm.errors import InvalidInput
from wfm.replay import load_day, mean_patience, replay_day

FIXTURES = Path(__file__).parent / "fixtures" / "asterisk"
LOADQ = QueueConfig("loadq", skills=(("loadq", 1),))


def test_capture_and_queue_log_give_the_same_day() -> None:
    capture, log = (
        load_day(FIXTURES / "load_seed7.jsonl"),
        load_day(FIXTURES / "load_seed7.queue_log"),
    )
    assert sum(not c.answered for c in capture) == sum(not c.answered for c in log) == 43
    assert abs(len(capture) - len(log)) <= 10  # the capture also sees callers queued before the log


def test_the_report_sets_what_happened_beside_the_simulation() -> None:
    calls = load_day(FIXTURES / "load_seed7.queue_log")
    short = replay_day(calls, [LOADQ], [Group("g", (("loadq", 1),), (5,))], replications=3)
    ample = replay_day(calls, [LOADQ], [Group("g", (("loadq", 1),), (40,))], replications=3)
    actual = short.actual["loadq"]
    assert (actual.offered, actual.abandoned) == (100, 43)
    assert short.mean_patience["loadq"] == pytest.approx(mean_patience(calls))
    assert ample.simulated["loadq"].abandon_rate.mean == 0.0
    assert ample.simulated["loadq"].service_level.mean == 1.0
    assert short.simulated["loadq"].abandon_rate.mean > 0.2


def test_a_queue_missing_from_the_proposed_routing_is_named() -> None:
    calls = load_day(FIXTURES / "load_seed7.queue_log")
    with pytest.raises(InvalidInput, match="loadq"):
        replay_day(calls, [QueueConfig("other")], [Group("g", (("x", 1),), (1,))])
