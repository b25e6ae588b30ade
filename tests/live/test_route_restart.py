"""Mode (b): Switchboard restarts while one caller talks to an agent and another waits in
``switchboard-hold``. The new Switchboard finds both from Asterisk's channels: the talking
call stays with its agent (not missed), the waiting caller is queued and offered to the next
free agent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.live.pbx import Pbx
from tests.live.routing import ROUTED, log_in, route_mode, serve
from tests.live.scenario import logged, near, no_calls_left, state_of
from tests.live.switchboard import eventually

pytestmark = pytest.mark.asterisk


def test_a_restarted_switchboard_recovers_the_waiting_and_the_talking_callers(
    pbx: Pbx, run_dir: Path
) -> None:
    pbx.phone("agent01", "answer-1-14")  # talks 14 s, through the restart
    pbx.phone("agent02", "answer-1-2")
    first = route_mode(run_dir / "switchboard", pbx)
    try:
        serve(first, "sales", ring=4)
        log_in(first, {"agent01": ("sales",)})
        talking = pbx.call(ROUTED, number="+14155550191", name="Talker", patience=60)
        eventually(lambda: state_of(first, "agent01") == "on_call", "agent01 on the call")
        waiting = pbx.call(ROUTED, number="+14155550192", name="Waiter", patience=60)
        eventually(lambda: first.get("/api/calls/waiting"), "the second caller waits")
    finally:
        first.stop()

    second = route_mode(run_dir / "switchboard", pbx)
    try:
        calls = eventually(lambda: {c["call_id"]: c for c in second.get("/api/calls")}
                           if len(second.get("/api/calls")) == 2 else None,
                           "both calls found again")  # fmt: skip
        assert calls[talking]["agent_id"] == "agent01"
        assert [c["call_id"] for c in second.get("/api/calls/waiting")] == [waiting]
        assert state_of(second, "agent01") == "on_call"
        log_in(second, {"agent02": ("sales",)})
        (row,) = logged(second, waiting)
        assert (row.queue, row.agent_login, row.outcome) == ("sales", "agent02", "answered")
        assert near(row.talk_seconds, 2.0), row.talk_seconds
        (row,) = logged(second, talking)
        assert (row.queue, row.agent_login, row.outcome) == ("sales", "agent01", "answered")
        assert near(row.talk_seconds, 14.0, slack=2.5), row.talk_seconds
        no_calls_left(second, pbx)
        # found talking, agent01 was at the desk: free again after the call, as before
        eventually(lambda: state_of(second, "agent01") == "available", "agent01 off the call")
    finally:
        second.stop()
