"""Mode (b): the shipped IVR flow on Switchboard's FastAGI server, then Switchboard's own
routing: the flow sends the caller to ``switchboard-hold`` and the ACD picks the agent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.live.pbx import Pbx
from tests.live.routing import log_in, route_mode, serve
from tests.live.scenario import first_pop, logged, no_calls_left, state_of

pytestmark = pytest.mark.asterisk

IVR = "+14155550102"


def test_the_ivr_hands_the_caller_to_switchboards_routing_with_its_data_on_the_pop(
    pbx: Pbx, run_dir: Path
) -> None:
    pbx.phone("agent02", "answer-2-3")
    sb = route_mode(run_dir / "switchboard", pbx)
    try:
        serve(sb, "sales", "billing", "support", ring=4)
        log_in(sb, {"agent02": ("billing",)})
        with sb.desktop("agent02") as desktop:
            call_id = pbx.call(IVR, number="+14155550177", name="Ivy", patience=40,
                               keys="2w1w2w3w4w#", keys_after=3.5)  # fmt: skip
            _, pop = first_pop(desktop, call_id, timeout=40)
            assert pop["call"]["queue"] == "billing"
            assert pop["ivr"]["IVR_MENU"] == "2" and pop["ivr"]["IVR_ACCOUNT"] == "1234"
            (row,) = logged(sb, call_id)
            assert (row.queue, row.agent_login, row.outcome) == ("billing", "agent02", "answered")
            assert dict(row.ivr_data)["IVR_MENU"] == "2"
            no_calls_left(sb, pbx)
        assert [line for line in pbx.queue_log() if line[1] == call_id] == []  # no app_queue
        assert state_of(sb, "agent02") == "available"
    finally:
        sb.stop()
