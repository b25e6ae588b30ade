"""Mode (b), Switchboard routes, on a live Asterisk: callers wait in ``switchboard-hold`` and
Switchboard's ACD rings an agent's leg, which the dialplan bridges to the caller."""

from __future__ import annotations

import time

import pytest

from tests.live.pbx import Pbx
from tests.live.routing import ROUTED, connected, log_in, ringing_legs, serve
from tests.live.scenario import (
    SLACK,
    changes,
    first_pop,
    logged,
    near,
    no_calls_left,
    state_of,
)
from tests.live.switchboard import Switchboard, eventually

pytestmark = pytest.mark.asterisk


def test_an_agent_who_hangs_up_ends_the_conversation_and_the_talk_time_is_theirs(
    pbx: Pbx, routed: Switchboard
) -> None:
    sb = routed
    serve(sb, "sales")
    pbx.phone("agent01", "answer-2-3")  # rings 2 s, talks 3 s, hangs up
    log_in(sb, {"agent01": ("sales",)})
    with sb.desktop("agent01") as desktop:
        call_id = pbx.call(ROUTED, number="+14155550123", name="Jane Roe", patience=30)
        popped_at, pop = first_pop(desktop, call_id)
        assert pop["call"]["queue"] == "sales"
        assert pop["customer"]["number"] == "+14155550123"
        answered_at = eventually(lambda: changes(desktop, call_id, "answered"), "answered")[0]
        assert near(answered_at - popped_at, 2.0), answered_at - popped_at
        ended_at = eventually(lambda: changes(desktop, call_id, "ended"), "ended", timeout=15)[0]
        assert near(ended_at - answered_at, 3.0), ended_at - answered_at
        (row,) = logged(sb, call_id)
        assert (row.leg, row.queue, row.agent_login, row.outcome) == (0, "sales", "agent01",
                                                                    "answered")  # fmt: skip
        assert near(row.talk_seconds, 3.0), row.talk_seconds
        # the caller is not sent back to hold music: Asterisk hangs it up with the agent
        eventually(
            lambda: not pbx.channels(), "the caller hung up with the agent", timeout=SLACK * 2
        )
        no_calls_left(sb, pbx)
    assert state_of(sb, "agent01") == "available"


def test_a_caller_who_hangs_up_while_the_agent_rings_is_abandoned_and_the_leg_stops_at_once(
    pbx: Pbx, routed: Switchboard
) -> None:
    sb = routed
    serve(sb, "sales", ring=30)  # without a hang-up, the leg would ring 30 s
    pbx.phone("agent01", "noanswer")
    log_in(sb, {"agent01": ("sales",)})
    with sb.desktop("agent01") as desktop:
        call_id = pbx.call(ROUTED, number="+442071234567", name="Ivan", patience=3)
        first_pop(desktop, call_id)
        eventually(lambda: ringing_legs(pbx, "agent01"), "agent01's phone rings")
        (row,) = logged(sb, call_id)
        hung_up = time.monotonic()
        assert (row.queue, row.agent_login, row.outcome) == ("sales", None, "abandoned")
        assert near(row.wait_seconds, 3.0), row.wait_seconds
        eventually(lambda: not ringing_legs(pbx, "agent01"), "agent01's leg hung up", timeout=5)
        assert time.monotonic() - hung_up < 5
        assert changes(desktop, call_id, "answered") == []
        no_calls_left(sb, pbx)
    assert state_of(sb, "agent01") == "available"


def test_one_phone_never_rings_for_two_callers(pbx: Pbx, routed: Switchboard) -> None:
    """Callers who give up one after another while the same agent's phone rings."""
    sb = routed
    serve(sb, "sales", ring=30)
    pbx.phone("agent01", "noanswer")
    log_in(sb, {"agent01": ("sales",)})
    most = 0
    calls = []
    for n in range(4):
        calls.append(pbx.call(ROUTED, number=f"+4420712345{n:02d}", patience=2 + n))
        time.sleep(0.3)
    deadline = time.monotonic() + 12
    while time.monotonic() < deadline:
        most = max(most, len(ringing_legs(pbx, "agent01")))
        time.sleep(0.1)
    assert most == 1, f"agent01's phone rang {most} legs at once"
    for call_id in calls:
        (row,) = logged(sb, call_id)
        assert (row.outcome, row.agent_login) == ("abandoned", None)
    no_calls_left(sb, pbx)
    assert state_of(sb, "agent01") == "available"


def test_an_agent_who_does_not_answer_is_passed_over_and_the_caller_keeps_waiting(
    pbx: Pbx, routed: Switchboard
) -> None:
    sb = routed
    serve(sb, "sales", ring=3)
    pbx.phone("agent01", "noanswer")
    pbx.phone("agent02", "answer-1-2")
    log_in(sb, {"agent01": ("sales",)})
    with sb.desktop("agent01") as alice, sb.desktop("agent02") as bob:
        call_id = pbx.call(ROUTED, number="+14155550166", name="Tom", patience=30)
        first_pop(alice, call_id)
        log_in(sb, {"agent02": ("sales",)})
        missed = eventually(lambda: changes(alice, call_id, "missed"), "agent01 rang out")[0]
        popped_at, _ = first_pop(bob, call_id)
        assert popped_at >= missed - SLACK
        answered_at = eventually(lambda: changes(bob, call_id, "answered"), "agent02 answered")[0]
        assert near(answered_at - popped_at, 1.0), answered_at - popped_at
        (row,) = logged(sb, call_id)
        assert (row.queue, row.agent_login, row.outcome) == ("sales", "agent02", "answered")
        assert row.rang_agents == ("agent01",)  # who rang and did not answer
        assert near(row.wait_seconds, 4.0, slack=2.5), row.wait_seconds
        assert near(row.talk_seconds, 2.0), row.talk_seconds
        assert changes(alice, call_id, "answered") == []
        no_calls_left(sb, pbx)
    assert state_of(sb, "agent01") == state_of(sb, "agent02") == "available"


def test_queues_conf_members_never_become_agents_in_route_mode(
    pbx: Pbx, routed: Switchboard
) -> None:
    sb = routed
    connected(sb)
    assert "agent01" in pbx.cli("queue show sales")  # the example's static members are there
    time.sleep(1.0)  # the QueueStatus of the connection has been read by now
    assert {state_of(sb, a) for a in ("agent01", "agent02", "agent03", "agent04")} == {"logged_out"}
    serve(sb, "sales", ring=3)
    pbx.phone("agent03", "answer-1-1")
    call_id = pbx.call(ROUTED, number="+14155550177", patience=20)
    eventually(lambda: sb.get("/api/calls/waiting"), "the caller waits")
    time.sleep(1.0)
    assert not any(ringing_legs(pbx, a) for a in ("agent01", "agent02"))
    log_in(sb, {"agent03": ("sales",)})
    (row,) = logged(sb, call_id)
    assert (row.agent_login, row.outcome) == ("agent03", "answered")
    no_calls_left(sb, pbx)


def test_phones_that_fail_at_once_are_backed_off_paused_and_shown_to_supervisors(
    pbx: Pbx, routed: Switchboard
) -> None:
    """Busy phones fail every Originate at once: no retry storm, an alert, callers kept."""
    sb = routed
    serve(sb, "sales", ring=5)
    for agent in ("agent01", "agent02"):
        pbx.phone(agent, "busy")
    pbx.phone("agent03", "answer-1-1")
    log_in(sb, {"agent01": ("sales",), "agent02": ("sales",)})
    with sb.board() as board, sb.desktop("agent01") as alice, sb.desktop("agent02") as bob:
        calls = [pbx.call(ROUTED, number=f"+1415555017{n}", patience=40) for n in range(2)]
        for agent in ("agent01", "agent02"):
            eventually(lambda a=agent: sb.agent(a)["pause_reason"] == "auto: phone unreachable"
                       and [x for x in sb.get("/api/alerts") if x["agent_id"] == a
                            and x["retry_at"] is None],
                       f"{agent} paused for good after repeated failures", timeout=30)  # fmt: skip
        time.sleep(2.0)
        missed = [m for d in (alice, bob) for _, m in d.of("call") if m["change"] == "missed"]
        assert 2 <= len(missed) <= 6, f"{len(missed)} failed offers"  # 3 per phone at most
        alerts = {a["agent_id"]: a for a in sb.get("/api/alerts")}
        assert alerts["agent01"]["failures"] == 3 and "phone failed" in alerts["agent01"]["message"]
        assert [m for _, m in board.of("alert") if m["alert"]["agent_id"] == "agent02"]
        assert {c["call_id"] for c in sb.get("/api/calls/waiting")} == set(calls)
        log_in(sb, {"agent03": ("sales",)})
        for call_id in calls:
            (row,) = logged(sb, call_id)
            assert (row.agent_login, row.outcome) == ("agent03", "answered")
        no_calls_left(sb, pbx)
    assert state_of(sb, "agent01") == "paused"
    assert state_of(sb, "agent03") == "available"
