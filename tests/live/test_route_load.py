"""Mode (b): 20 callers on 5 agents. Every call is logged once, answered by one of the five,
and no agent is left ringing or talking once Asterisk has no channel."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.live.pbx import Pbx
from tests.live.routing import ROUTED, log_in, route_mode, serve
from tests.live.scenario import logged, no_calls_left, state_of

pytestmark = pytest.mark.asterisk

AGENTS = ("agent01", "agent02", "agent03", "agent04", "agent05")


def test_twenty_callers_on_five_agents_are_each_answered_and_logged_once(
    pbx: Pbx, run_dir: Path
) -> None:
    for agent in AGENTS:
        pbx.phone(agent, "answer-1-2")
    sb = route_mode(run_dir / "switchboard", pbx, demo_agents=len(AGENTS))
    try:
        serve(sb, "sales", ring=4)
        log_in(sb, dict.fromkeys(AGENTS, ("sales",)))
        calls = []
        for n in range(20):
            calls.append(pbx.call(ROUTED, number=f"+1415555{n:04d}", patience=90))
            time.sleep(0.2)
        taken: dict[str, int] = {}
        for call_id in calls:
            (row,) = logged(sb, call_id, legs=1)
            assert row.outcome == "answered" and row.agent_login in AGENTS, row
            assert row.queue == "sales" and row.talk_seconds is not None
            taken[row.agent_login] = taken.get(row.agent_login, 0) + 1
        assert sum(taken.values()) == 20 and len(taken) == len(AGENTS), taken
        no_calls_left(sb, pbx)
        for call_id in calls:
            assert len(sb.services.call_log.get(call_id)) == 1
        assert {state_of(sb, a) for a in AGENTS} == {"available"}
    finally:
        sb.stop()
