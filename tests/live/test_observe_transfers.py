"""Mode (a): an agent transfers the caller from the desktop (a ``Redirect`` of the caller's
channel) to another queue, to another agent, or to a number; and a call that rings out on
one agent is answered by the next."""

from __future__ import annotations

import pytest

from tests.live.pbx import Pbx
from tests.live.scenario import (
    changes,
    first_pop,
    logged,
    no_calls_left,
    pops,
    queue_events,
    state_of,
)
from tests.live.switchboard import Switchboard, eventually

pytestmark = pytest.mark.asterisk

SALES, SUPPORT, OUTSIDE = "+14155550100", "+14155550101", "+14155550199"


def answered_in_sales(pbx: Pbx, sb: Switchboard, call_id: str) -> str:
    """Who of agent01 and agent02 answered the call, once Switchboard has it connected."""
    connect = eventually(
        lambda: [a for q, a, e in queue_events(pbx, call_id) if e == "CONNECT"], "a CONNECT"
    )
    agent = connect[0]
    eventually(lambda: state_of(sb, agent) == "on_call", f"{agent} on the call")
    return agent


@pytest.mark.parametrize(
    ("kind", "target"), [("queue", "support"), ("agent", "agent03"), ("number", OUTSIDE)]
)
def test_a_desktop_transfer_ends_the_first_leg_and_the_caller_talks_to_the_target(
    pbx: Pbx, switchboard: Switchboard, kind: str, target: str
) -> None:
    sb = switchboard
    for agent in ("agent01", "agent02"):
        pbx.phone(agent, "answer-1-60")  # would talk a minute: the transfer ends it
    for phone in ("agent03", "agent04", OUTSIDE):
        pbx.phone(phone, "answer-2-4")  # the target answers after 2 s and hangs up at 4 s
    eventually(lambda: all(state_of(sb, a) == "available" for a in ("agent03", "agent04")),
               "support available")  # fmt: skip
    desktops = {agent: sb.desktop(agent) for agent in ("agent01", "agent02", "agent03", "agent04")}

    call_id = pbx.call(SALES, number="+14155550166", name="Tom", patience=60)
    first = answered_in_sales(pbx, sb, call_id)
    res = sb.request("POST", f"/api/calls/{call_id}/transfer", first,
                     json={"target": target, "target_kind": kind})  # fmt: skip
    assert res.status_code == 200, res.text

    legs = logged(sb, call_id, legs=1 if kind == "number" else 2)
    assert [(r.leg, r.queue, r.agent_login, r.outcome) for r in legs[:1]] == [
        (0, "sales", first, "transferred")
    ]
    if kind == "queue":
        second = legs[1]
        events = queue_events(pbx, call_id)
        assert ("support", "NONE", "ENTERQUEUE") in events
        taker = next(a for q, a, e in events if q == "support" and e == "CONNECT")
        assert (second.queue, second.agent_login, second.outcome) == ("support", taker, "answered")
        _, pop = first_pop(desktops[taker], call_id)
        assert pop["call"]["queue"] == "support" and pop["call"]["leg"] == 1
    elif kind == "agent":
        second = legs[1]
        assert (second.agent_login, second.outcome) == ("agent03", "answered")
        first_pop(desktops["agent03"], call_id)
    else:
        # the caller left the centre for the number (which rings 2 s and talks 4 s): one
        # leg, transferred, and no later leg when the outside call ends, well before the
        # caller's patience (no_calls_left waits less than that)
        no_calls_left(sb, pbx)
        assert len(sb.services.call_log.get(call_id)) == 1
    no_calls_left(sb, pbx)
    assert changes(desktops[first], call_id, "transferred")
    assert state_of(sb, first) in ("wrap_up", "available")
    for desktop in desktops.values():
        desktop.close()


def test_a_call_that_rings_out_on_one_agent_is_answered_by_the_next(
    pbx: Pbx, switchboard: Switchboard
) -> None:
    sb = switchboard
    pbx.phone("agent03", "noanswer")
    pbx.phone("agent04", "answer-2-3")
    eventually(lambda: all(state_of(sb, a) == "available" for a in ("agent03", "agent04")),
               "support available")  # fmt: skip
    with sb.desktop("agent03") as carol, sb.desktop("agent04") as dave:
        # rrmemory starts with the first member, agent03, who rings 15 s without answering
        call_id = pbx.call(SUPPORT, number="+14155550155", name="Rita", patience=60)
        (row,) = logged(sb, call_id)
        assert (row.queue, row.agent_login, row.outcome) == ("support", "agent04", "answered")
        assert row.rang_agents == ("agent03",)
        assert pops(carol, call_id) and pops(dave, call_id)
        assert not changes(carol, call_id, "answered")
    assert queue_events(pbx, call_id) == [
        ("support", "NONE", "ENTERQUEUE"),
        ("support", "agent03", "RINGNOANSWER"),
        ("support", "agent04", "CONNECT"),
        ("support", "agent04", "COMPLETEAGENT"),
    ]
    no_calls_left(sb, pbx)
    # app_queue's autopause took agent03 out of support, but agent03 still takes billing
    # calls (queues.conf), so Switchboard shows agent03 available, as Asterisk would ring them
    line = next(li for li in pbx.cli("queue show support").splitlines() if "agent03" in li)
    assert "paused:Auto-Pause" in line
    assert "paused" not in next(
        li for li in pbx.cli("queue show billing").splitlines() if "agent03" in li
    )
    assert state_of(sb, "agent03") == "available"
