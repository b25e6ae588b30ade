"""Mode (b): an agent transfers the caller from the desktop. To a queue, the caller goes back
to ``switchboard-hold`` and Switchboard's ACD routes it again (app_queue never sees it); to an
agent, the caller is redirected to that agent's phone."""

from __future__ import annotations

import pytest

from tests.live.pbx import Pbx
from tests.live.routing import ROUTED, log_in, serve
from tests.live.scenario import changes, first_pop, logged, near, no_calls_left, state_of
from tests.live.switchboard import Switchboard, eventually

pytestmark = pytest.mark.asterisk


@pytest.mark.parametrize(("kind", "target"), [("queue", "support"), ("agent", "agent03")])
def test_a_transfer_in_route_mode_ends_the_first_leg_and_the_target_talks_to_the_caller(
    pbx: Pbx, routed: Switchboard, kind: str, target: str
) -> None:
    sb = routed
    serve(sb, "sales", "support", ring=4)
    pbx.phone("agent01", "answer-1-60")  # would talk a minute: the transfer ends it
    pbx.phone("agent03", "answer-2-3")  # the target answers after 2 s, hangs up at 3 s
    log_in(sb, {"agent01": ("sales",), "agent03": ("support",)})
    with sb.desktop("agent01") as alice, sb.desktop("agent03") as carol:
        call_id = pbx.call(ROUTED, number="+14155550188", name="Tom", patience=60)
        eventually(lambda: changes(alice, call_id, "answered"), "agent01 answered")
        res = sb.request("POST", f"/api/calls/{call_id}/transfer", "agent01",
                         json={"target": target, "target_kind": kind})  # fmt: skip
        assert res.status_code == 200, res.text
        legs = logged(sb, call_id, legs=2)
        assert [(r.leg, r.queue, r.agent_login, r.outcome) for r in legs] == [
            (0, "sales", "agent01", "transferred"),
            (1, "support" if kind == "queue" else None, "agent03", "answered"),
        ]
        popped_at, _ = first_pop(carol, call_id)
        answered_at = eventually(lambda: changes(carol, call_id, "answered"), "agent03 answered")
        assert near(answered_at[0] - popped_at, 2.0), answered_at[0] - popped_at
        assert near(legs[1].talk_seconds, 3.0), legs[1].talk_seconds
        assert changes(alice, call_id, "transferred")
        no_calls_left(sb, pbx)
    # app_queue never had the caller: route mode's queue is Switchboard's own
    assert [line for line in pbx.queue_log() if line[1] == call_id] == []
    eventually(lambda: state_of(sb, "agent01") == "available", "agent01 free again")
    assert state_of(sb, "agent03") == "available"
