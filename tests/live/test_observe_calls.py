"""Mode (a), observe and steer, on a live Asterisk: app_queue distributes the example's queues;
Switchboard pops, logs and follows the agents. The callers dial the example's DIDs
(``from-trunk``): +14155550100 is sales, +14155550101 support, +14155550102 the IVR."""

from __future__ import annotations

import pytest

from tests.live.pbx import Pbx
from tests.live.scenario import (
    SLACK,
    changes,
    first_pop,
    logged,
    near,
    no_calls_left,
    pops,
    queue_events,
    queue_log_of,
    state_of,
)
from tests.live.switchboard import Switchboard, eventually

pytestmark = pytest.mark.asterisk

SALES, SUPPORT = "+14155550100", "+14155550101"


def logged_in(sb: Switchboard, *agents: str) -> None:
    """The PBX's static members are logged in and available in Switchboard."""
    eventually(
        lambda: all(state_of(sb, a) == "available" for a in agents),
        f"{', '.join(agents)} available (from queues.conf)",
    )


def line_of(pbx: Pbx, call_id: str, event: str) -> list[str]:
    found = eventually(
        lambda: [line for line in queue_log_of(pbx, call_id) if line[4] == event],
        f"queue_log {event} of {call_id}",
        timeout=40,
    )
    return found[0]


def test_an_answered_call_pops_before_the_answer_and_is_logged_as_queue_log_has_it(
    pbx: Pbx, switchboard: Switchboard
) -> None:
    sb = switchboard
    for agent in ("agent01", "agent02"):
        pbx.phone(agent, "answer-3-4")
    logged_in(sb, "agent01", "agent02")
    desktops = {agent: sb.desktop(agent) for agent in ("agent01", "agent02")}

    call_id = pbx.call(SALES, number="+14155550123", name="Jane Roe", patience=30)
    agent = line_of(pbx, call_id, "CONNECT")[3]
    other = next(a for a in desktops if a != agent)
    popped_at, pop = first_pop(desktops[agent], call_id)
    assert pop["call"]["queue"] == "sales"
    assert pop["customer"]["number"] == "+14155550123"
    answered_at = eventually(lambda: changes(desktops[agent], call_id, "answered"), "answered")[0]
    assert answered_at - popped_at >= 3 - SLACK  # the phone rang 3 s, the pop came at once
    assert not pops(desktops[other], call_id)

    complete = line_of(pbx, call_id, "COMPLETEAGENT")
    connect = line_of(pbx, call_id, "CONNECT")
    (row,) = logged(sb, call_id)
    assert (row.leg, row.queue, row.agent_login, row.outcome) == (0, "sales", agent, "answered")
    assert row.caller_number == "+14155550123"
    assert near(row.wait_seconds, float(connect[5])), (row.wait_seconds, connect)
    assert near(row.talk_seconds, float(complete[6])), (row.talk_seconds, complete)
    assert queue_events(pbx, call_id) == [
        ("sales", "NONE", "ENTERQUEUE"),
        ("sales", agent, "CONNECT"),
        ("sales", agent, "COMPLETEAGENT"),
    ]
    no_calls_left(sb, pbx)
    assert state_of(sb, agent) in ("wrap_up", "available")
    for desktop in desktops.values():
        desktop.close()


def test_a_caller_who_gives_up_before_anyone_answers_is_logged_abandoned(
    pbx: Pbx, switchboard: Switchboard
) -> None:
    sb = switchboard
    for agent in ("agent03", "agent04"):
        pbx.phone(agent, "noanswer")
    logged_in(sb, "agent03", "agent04")
    with sb.desktop("agent03") as carol, sb.desktop("agent04") as dave:
        call_id = pbx.call(SUPPORT, number="+442071234567", name="Ivan", patience=4)
        abandon = line_of(pbx, call_id, "ABANDON")
        (row,) = logged(sb, call_id)
        assert (row.queue, row.agent_login, row.outcome) == ("support", None, "abandoned")
        assert near(row.wait_seconds, float(abandon[7])), (row.wait_seconds, abandon)
        rung = [d for d in (carol, dave) if pops(d, call_id)]
        assert rung, "the ringing agent saw the pop"
        assert all(changes(d, call_id, "answered") == [] for d in (carol, dave))
        no_calls_left(sb, pbx)
    assert state_of(sb, "agent03") == state_of(sb, "agent04") == "available"
