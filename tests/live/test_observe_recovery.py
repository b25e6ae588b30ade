"""The AMI link is cut while one call talks and another arrives, then restored: Switchboard
resyncs from Asterisk, and each call is logged once, with the right outcome and agent, and no
agent is left in a wrong state. Mode (a) first, then mode (b), where calls that end while the
link is down keep the end the dialplan noted."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live.pbx import Pbx
from tests.live.relay import Relay
from tests.live.routing import ROUTED, log_in, route_mode, serve
from tests.live.scenario import SLACK, logged, near, no_calls_left, queue_log_of, state_of
from tests.live.switchboard import Switchboard, eventually

pytestmark = pytest.mark.asterisk


@pytest.fixture
def cut_able(pbx: Pbx, run_dir: Path) -> Iterator[tuple[Relay, Switchboard]]:
    relay = Relay(pbx.ami_port)
    sb = Switchboard(run_dir / "switchboard", pbx, ami_port=relay.port).start()
    try:
        yield relay, sb
    finally:
        sb.stop()
        relay.close()


def line(pbx: Pbx, call_id: str, event: str) -> list[str]:
    return next(li for li in queue_log_of(pbx, call_id) if li[4] == event)


def test_calls_talking_and_arriving_while_the_ami_link_is_down_are_each_logged_once(
    pbx: Pbx, cut_able: tuple[Relay, Switchboard]
) -> None:
    relay, sb = cut_able
    for agent in ("agent01", "agent02"):
        pbx.phone(agent, "answer-2-9")
    for agent in ("agent03", "agent04"):
        pbx.phone(agent, "answer-2-6")
    eventually(lambda: all(state_of(sb, a) == "available" for a in ("agent01", "agent04")),
               "agents available")  # fmt: skip
    jane = pbx.call("+14155550100", number="+14155550123", name="Jane Roe", patience=40)
    eventually(lambda: sb.get(f"/api/agents/{_agent_of(pbx, jane)}")["state"] == "on_call"
               if _agent_of(pbx, jane) else None, "Jane talking")  # fmt: skip

    relay.cut()
    eventually(lambda: not sb.services.telephony.connected, "Switchboard saw the link go")
    ivan = pbx.call("+14155550101", number="+442071234567", name="Ivan", patience=40)
    eventually(lambda: _agent_of(pbx, ivan), "Ivan answered while the link was down")
    time.sleep(1)
    relay.restore()
    eventually(lambda: sb.services.telephony.connected, "Switchboard reconnected", timeout=40)

    no_calls_left(sb, pbx)
    for call_id in (jane, ivan):
        (row,) = logged(sb, call_id)
        connect, complete = line(pbx, call_id, "CONNECT"), line(pbx, call_id, "COMPLETEAGENT")
        assert (row.outcome, row.agent_login) == ("answered", connect[3]), row
        if call_id == jane:  # heard answering and ending live
            assert near(row.talk_seconds, float(complete[6])), row
        else:  # answered unheard: the resync places the answer no later than it was
            assert row.talk_seconds is not None
            assert float(complete[6]) - SLACK <= row.talk_seconds <= float(complete[6]) + 4
    for agent in ("agent01", "agent02", "agent03", "agent04"):
        assert state_of(sb, agent) in ("available", "wrap_up"), agent


def _agent_of(pbx: Pbx, call_id: str) -> str | None:
    found = [li for li in queue_log_of(pbx, call_id) if li[4] == "CONNECT"]
    return found[0][3] if found else None


def _pause(pbx: Pbx, agent: str, queue: str, paused: bool) -> None:
    pbx.action("QueuePause", Interface=f"Local/{agent}@switchboard-agents/n", Queue=queue,
               Paused="true" if paused else "false", Reason="Coaching")  # fmt: skip


def test_callers_ringing_and_waiting_through_an_ami_cut_are_each_logged_once(
    pbx: Pbx, cut_able: tuple[Relay, Switchboard]
) -> None:
    """Rita rings agent02 at the cut and is answered during it; Abby, waiting in support
    with nobody there, gives up during it; Wendy waits through it and is answered after."""
    relay, sb = cut_able
    pbx.phone("agent01", "answer-1-3")
    pbx.phone("agent02", "answer-5-4")
    eventually(lambda: all(state_of(sb, a) == "available" for a in ("agent01", "agent04")),
               "agents available")  # fmt: skip
    _pause(pbx, "agent01", "sales", True)
    for agent in ("agent03", "agent04"):
        _pause(pbx, agent, "support", True)
    rita = pbx.call("+14155550100", number="+14155550123", name="Rita", patience=40)
    eventually(lambda: state_of(sb, "agent02") == "reserved", "agent02 ringing for Rita")
    wendy = pbx.call("+14155550100", number="+14155550177", name="Wendy", patience=40)
    abby = pbx.call("+14155550101", number="+442071234567", name="Abby", patience=3)
    eventually(lambda: {c["call_id"] for c in sb.get("/api/calls")} >= {rita, wendy, abby},
               "Switchboard follows the three calls")  # fmt: skip

    relay.cut()
    eventually(lambda: not sb.services.telephony.connected, "Switchboard saw the link go")
    eventually(lambda: _agent_of(pbx, rita), "Rita answered while the link was down")
    eventually(lambda: [li for li in queue_log_of(pbx, abby) if li[4] == "ABANDON"],
               "Abby gave up while the link was down")  # fmt: skip
    relay.restore()
    eventually(lambda: sb.services.telephony.connected, "Switchboard reconnected", timeout=40)
    _pause(pbx, "agent01", "sales", False)  # Wendy's turn

    no_calls_left(sb, pbx)
    for call_id in (rita, wendy):
        (row,) = logged(sb, call_id)
        complete = next(li for li in queue_log_of(pbx, call_id) if li[4].startswith("COMPLETE"))
        assert (row.outcome, row.agent_login) == ("answered", complete[3]), row
        assert row.talk_seconds is not None
        assert float(complete[6]) - SLACK <= row.talk_seconds <= float(complete[6]) + 6, row
    (row,) = logged(sb, abby)
    abandon = line(pbx, abby, "ABANDON")
    assert (row.outcome, row.agent_login, row.queue) == ("abandoned", None, "support"), row
    assert row.wait_seconds is not None and row.wait_seconds >= float(abandon[7]) - SLACK
    for agent in ("agent01", "agent02", "agent03", "agent04"):
        assert state_of(sb, agent) in ("available", "wrap_up", "paused"), agent


def test_in_route_mode_a_cut_ami_link_keeps_the_talking_and_the_waiting_caller_each_logged_once(
    pbx: Pbx, run_dir: Path
) -> None:
    """Mode (b): the link goes for a few seconds while Jane talks to agent01 and Wendy waits
    in ``switchboard-hold``; back, the resync finds Jane still bridged with her agent and Wendy
    still waiting, whom agent02 takes when logging in."""
    relay = Relay(pbx.ami_port)
    sb = route_mode(run_dir / "switchboard", pbx, ami_port=relay.port)
    try:
        serve(sb, "sales", ring=4)
        pbx.phone("agent01", "answer-1-20")  # talks through the cut, however slow the machine
        pbx.phone("agent02", "answer-1-2")
        log_in(sb, {"agent01": ("sales",)})
        jane = pbx.call(ROUTED, number="+14155550123", name="Jane Roe", patience=60)
        eventually(lambda: state_of(sb, "agent01") == "on_call", "Jane talking to agent01")
        wendy = pbx.call(ROUTED, number="+14155550177", name="Wendy", patience=60)
        eventually(lambda: sb.get("/api/calls/waiting"), "Wendy waiting")

        relay.cut()
        eventually(lambda: not sb.services.telephony.connected, "Switchboard saw the link go")
        time.sleep(2)
        relay.restore()
        eventually(lambda: sb.services.telephony.connected, "Switchboard reconnected", timeout=40)
        calls = eventually(lambda: {c["call_id"]: c for c in sb.get("/api/calls")}
                           if len(sb.get("/api/calls")) == 2 else None,
                           "both calls found again")  # fmt: skip
        assert calls[jane]["agent_id"] == "agent01" and calls[jane]["phase"] == "connected"
        assert [c["call_id"] for c in sb.get("/api/calls/waiting")] == [wendy]
        log_in(sb, {"agent02": ("sales",)})

        no_calls_left(sb, pbx)
        (row,) = logged(sb, jane)
        assert (row.outcome, row.agent_login) == ("answered", "agent01"), row
        assert near(row.talk_seconds, 20.0, slack=2.5), row
        (row,) = logged(sb, wendy)
        assert (row.outcome, row.agent_login) == ("answered", "agent02"), row
        assert near(row.talk_seconds, 2.0), row
        for agent in ("agent01", "agent02"):
            assert state_of(sb, agent) == "available", agent
    finally:
        sb.stop()
        relay.close()


def test_in_route_mode_calls_that_end_or_arrive_while_the_ami_link_is_cut_keep_their_own_times(
    pbx: Pbx, run_dir: Path
) -> None:
    """Mode (b): while the link is down, agent01 hangs up on Jane, Wendy gives up waiting in
    ``switchboard-hold`` and Nina calls. Back, the resync logs Jane's talk and Wendy's wait as
    they were (the dialplan noted when each ended), not as long as the cut, and Nina, found
    waiting, is routed to agent01, free again."""
    relay = Relay(pbx.ami_port)
    sb = route_mode(run_dir / "switchboard", pbx, ami_port=relay.port)
    try:
        serve(sb, "sales", ring=4)
        pbx.phone("agent01", "answer-1-5")  # hangs up 5 s into each call
        log_in(sb, {"agent01": ("sales",)})
        jane = pbx.call(ROUTED, number="+14155550123", name="Jane Roe", patience=60)
        eventually(lambda: state_of(sb, "agent01") == "on_call", "Jane talking to agent01")
        wendy = pbx.call(ROUTED, number="+14155550177", name="Wendy", patience=4)
        eventually(lambda: sb.get("/api/calls/waiting"), "Wendy waiting")

        relay.cut()
        eventually(lambda: not sb.services.telephony.connected, "Switchboard saw the link go")
        nina = pbx.call(ROUTED, number="+14155550188", name="Nina", patience=60)
        time.sleep(9)  # Jane's call (5 s) and Wendy's patience (4 s) end meanwhile
        relay.restore()
        eventually(lambda: sb.services.telephony.connected, "Switchboard reconnected", timeout=40)

        (row,) = logged(sb, jane)
        assert (row.outcome, row.agent_login) == ("answered", "agent01"), row
        assert near(row.talk_seconds, 5.0), row  # the cut's 9 s are not Jane's talk
        (row,) = logged(sb, wendy)
        assert (row.outcome, row.agent_login, row.queue) == ("abandoned", None, "sales"), row
        assert near(row.wait_seconds, 4.0), row
        (row,) = logged(sb, nina)
        assert (row.outcome, row.agent_login, row.queue) == ("answered", "agent01", "sales"), row
        assert near(row.talk_seconds, 5.0), row
        no_calls_left(sb, pbx)
        assert state_of(sb, "agent01") == "available"
    finally:
        sb.stop()
        relay.close()
