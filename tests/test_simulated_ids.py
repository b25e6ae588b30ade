"""Simulated call ids are unique across processes: two servers starting in the same second
(same demo seed, same clock) must not log each other's calls under one id."""

from __future__ import annotations

import subprocess
import sys

#: What ``switchboard serve`` builds on the simulated PBX, in a process of its own, on a
#: clock stopped at one second; prints the ids of the first calls.
BUILD_AND_CALL = """
from cti.clock import ManualClock
from cti.server.app import simulated_factory
from cti.server.bus import InProcessBus
from cti.server.hub import Hub
from cti.settings import Settings

clock = ManualClock(1_800_000_000.0)
pbx = simulated_factory(Settings(demo=False))(clock, Hub(InProcessBus(), clock), ["sales"], [])
print(" ".join(pbx.place_call("sales", "+13125550142") for _ in range(50)))
"""


def call_ids_of_a_new_process() -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", BUILD_AND_CALL], stdout=subprocess.PIPE, text=True
    )


def test_two_processes_starting_in_the_same_second_never_share_a_call_id() -> None:
    first, second = call_ids_of_a_new_process(), call_ids_of_a_new_process()
    outputs = [process.communicate(timeout=120)[0] for process in (first, second)]
    assert [process.returncode for process in (first, second)] == [0, 0]
    mine, theirs = (set(output.split()) for output in outputs)
    assert len(mine) == len(theirs) == 50
    assert mine.isdisjoint(theirs)
    assert all(call_id.startswith("sim-1800000000") for call_id in mine | theirs)
