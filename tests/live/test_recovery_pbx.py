"""Asterisk goes away under calls, and comes back: killed (``kill -9``), or stopped or
restarted gracefully. Each call is logged once, with an outcome that says what happened, and
no agent is left on a call that is gone.

After a ``kill -9`` the wire says nothing: the calls die with the PBX at the moment the link
drops, and Switchboard learns it only when it reconnects (a new start-up time in
``CoreStatus``). They are logged ``pbx-lost``, ended when the link was lost: a waiting caller
is not an abandon, and the outage is nobody's talk time. A graceful stop or restart lets the
calls finish first, and they are logged as they ended.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.live.pbx import Pbx
from tests.live.routing import ROUTED, log_in, serve
from tests.live.scenario import SLACK, logged, near, no_calls_left, queue_log_of, state_of
from tests.live.switchboard import AGENTS, Switchboard, eventually

pytestmark = pytest.mark.asterisk
ENDS = ("COMPLETEAGENT", "COMPLETECALLER", "ABANDON")


def phones(pbx: Pbx, plan: str) -> None:
    """Every agent's phone does ``plan``: the phones' plans are Asterisk globals, which a
    restart forgets."""
    for agent in AGENTS:
        pbx.phone(agent, plan)


def available(sb: Switchboard, *agents: str) -> None:
    eventually(lambda: all(state_of(sb, a) == "available" for a in agents), "agents available")


def connected_agent(pbx: Pbx, call_id: str) -> str | None:
    found = [li for li in queue_log_of(pbx, call_id) if li[4] == "CONNECT"]
    return found[0][3] if found else None


def talking_and_waiting(pbx: Pbx, sb: Switchboard, patience: float = 60) -> tuple[list[str], str]:
    """Two sales callers talk (agent01, agent02), a third waits: sales has no one left."""
    talking = [
        pbx.call("+14155550100", number="+14155550123", name="Jane Roe", patience=60),
        pbx.call("+14155550100", number="+442071234567", name="Ivan", patience=60),
    ]
    for call_id in talking:
        eventually(lambda c=call_id: connected_agent(pbx, c), f"{call_id} answered")  # type: ignore[misc]
    waiting = pbx.call("+14155550100", number="+14155550177", name="Wendy", patience=patience)
    eventually(lambda: any(c["call_id"] == waiting for c in sb.get("/api/calls")),
               "Switchboard shows Wendy waiting")  # fmt: skip
    for call_id in talking:
        eventually(lambda c=call_id: state_of(sb, connected_agent(pbx, c) or "") == "on_call",
                   f"{call_id}'s agent on the call")  # type: ignore[misc]  # fmt: skip
    return talking, waiting


def test_calls_killed_with_asterisk_end_when_the_link_dropped_logged_pbx_lost(
    pbx: Pbx, switchboard: Switchboard
) -> None:
    sb = switchboard
    phones(pbx, "answer-1-60")
    available(sb, *AGENTS)
    talking, waiting = talking_and_waiting(pbx, sb)
    answered = {c: connected_agent(pbx, c) for c in talking}
    time.sleep(2)  # some talk time

    killed = time.time()
    pbx.kill()
    eventually(lambda: not sb.services.telephony.connected, "Switchboard saw the link go")
    time.sleep(3)  # the outage: nobody talks through it
    pbx.start()
    eventually(lambda: sb.services.telephony.connected, "Switchboard reconnected", timeout=40)

    no_calls_left(sb, pbx)
    for call_id in talking:
        (row,) = logged(sb, call_id)
        assert (row.outcome, row.agent_login) == ("pbx-lost", answered[call_id]), row
        assert row.ended_at is not None and near(row.ended_at.timestamp(), killed), row
        assert row.answered_at is not None and row.talk_seconds is not None
        assert near(row.talk_seconds, killed - row.answered_at.timestamp()), row
    (row,) = logged(sb, waiting)
    assert (row.outcome, row.agent_login, row.talk_seconds) == ("pbx-lost", None, None), row
    assert row.ended_at is not None and near(row.ended_at.timestamp(), killed), row
    for agent in AGENTS:
        assert state_of(sb, agent) in ("available", "wrap_up"), agent
    assert not sb.services.centre.calls


@pytest.mark.parametrize("command", ["core restart gracefully", "core stop gracefully"])
def test_a_graceful_stop_lets_the_calls_finish_and_each_is_logged_once_as_it_ended(
    pbx: Pbx, switchboard: Switchboard, command: str
) -> None:
    sb = switchboard
    phones(pbx, "answer-1-5")
    available(sb, *AGENTS)
    talking, waiting = talking_and_waiting(pbx, sb, patience=12)

    stopping = threading.Thread(target=pbx.cli, args=(command,), kwargs={"check": False})
    stopping.start()  # the CLI may wait for the PBX to go
    eventually(lambda: not sb.services.telephony.connected, "Asterisk went away", timeout=40)
    stopping.join(timeout=30)
    if command == "core stop gracefully":
        pbx.start()
    eventually(lambda: sb.services.telephony.connected, "Switchboard reconnected", timeout=40)
    phones(pbx, "answer-1-5")

    no_calls_left(sb, pbx)
    for call_id in [*talking, waiting]:
        (row,) = logged(sb, call_id)
        (last,) = [li for li in queue_log_of(pbx, call_id) if li[4] in ENDS]
        if last[4] == "ABANDON":  # no new channel while shutting down: nobody could ring
            assert (row.outcome, row.agent_login) == ("abandoned", None), row
            assert near(row.wait_seconds, float(last[7]), SLACK), row
        else:
            assert (row.outcome, row.agent_login) == ("answered", last[3]), row
            assert near(row.talk_seconds, float(last[6]), SLACK), row
    for agent in AGENTS:
        assert state_of(sb, agent) in ("available", "wrap_up"), agent


def test_in_route_mode_calls_killed_with_asterisk_are_logged_pbx_lost_when_the_link_dropped(
    pbx: Pbx, run_dir: Path
) -> None:
    sb = Switchboard(run_dir / "switchboard", pbx, asterisk_mode="route").start()
    try:
        phones(pbx, "answer-1-60")
        serve(sb, "sales")
        log_in(sb, {"agent01": ("sales",), "agent02": ("sales",)})
        talking = [
            pbx.call("+14155550103", number="+14155550123", name="Jane Roe", patience=60),
            pbx.call("+14155550103", number="+442071234567", name="Ivan", patience=60),
        ]
        eventually(lambda: all(state_of(sb, a) == "on_call" for a in ("agent01", "agent02")),
                   "both agents talking")  # fmt: skip
        waiting = pbx.call("+14155550103", number="+14155550177", name="Wendy", patience=60)
        eventually(lambda: any(c["call_id"] == waiting for c in sb.get("/api/calls")),
                   "Switchboard shows Wendy waiting")  # fmt: skip
        answered = {c["call_id"]: c.get("agent_id") for c in sb.get("/api/calls")}
        time.sleep(2)

        killed = time.time()
        pbx.kill()
        eventually(lambda: not sb.services.telephony.connected, "Switchboard saw the link go")
        time.sleep(3)
        pbx.start()
        eventually(lambda: sb.services.telephony.connected, "Switchboard reconnected", timeout=40)

        no_calls_left(sb, pbx)
        for call_id in [*talking, waiting]:
            (row,) = logged(sb, call_id)
            assert row.outcome == "pbx-lost", row
            assert row.ended_at is not None and near(row.ended_at.timestamp(), killed), row
            if call_id in talking:
                assert answered[call_id] in ("agent01", "agent02"), answered
                assert row.agent_login == answered[call_id], row
        for agent in ("agent01", "agent02"):
            assert state_of(sb, agent) in ("available", "wrap_up"), agent
    finally:
        sb.stop()


def routed_talking_and_waiting(sb: Switchboard, pbx: Pbx, patience: float) -> tuple[list[str], str]:
    """Route mode: two callers talk to agent01 and agent02 (Switchboard's ACD rang them), a
    third waits in ``switchboard-hold`` with no agent left."""
    serve(sb, "sales", ring=4)
    log_in(sb, {"agent01": ("sales",), "agent02": ("sales",)})
    talking = [
        pbx.call(ROUTED, number="+14155550123", name="Jane Roe", patience=60),
        pbx.call(ROUTED, number="+442071234567", name="Ivan", patience=60),
    ]
    eventually(lambda: all(state_of(sb, a) == "on_call" for a in ("agent01", "agent02")),
               "both agents talking")  # fmt: skip
    waiting = pbx.call(ROUTED, number="+14155550177", name="Wendy", patience=patience)
    eventually(lambda: [c["call_id"] for c in sb.get("/api/calls/waiting")] == [waiting],
               "Switchboard shows Wendy waiting")  # fmt: skip
    return talking, waiting


@pytest.mark.parametrize("command", ["core restart gracefully", "core stop gracefully"])
def test_in_route_mode_a_graceful_stop_lets_the_calls_finish_and_each_is_logged_once(
    pbx: Pbx, routed: Switchboard, command: str
) -> None:
    sb = routed
    phones(pbx, "answer-1-5")
    talking, waiting = routed_talking_and_waiting(sb, pbx, patience=12)
    answered = {c["call_id"]: c.get("agent_id") for c in sb.get("/api/calls")}

    stopping = threading.Thread(target=pbx.cli, args=(command,), kwargs={"check": False})
    stopping.start()  # the CLI may wait for the PBX to go
    eventually(lambda: not sb.services.telephony.connected, "Asterisk went away", timeout=40)
    stopping.join(timeout=30)
    if command == "core stop gracefully":
        pbx.start()
    eventually(lambda: sb.services.telephony.connected, "Switchboard reconnected", timeout=40)

    no_calls_left(sb, pbx)
    for call_id in talking:
        (row,) = logged(sb, call_id)
        assert answered[call_id] in ("agent01", "agent02"), answered
        assert (row.outcome, row.agent_login) == ("answered", answered[call_id]), row
        assert near(row.talk_seconds, 5.0), row  # the agent's 5 s, not the caller's patience
    (row,) = logged(sb, waiting)
    if row.outcome == "abandoned":  # no new channel while shutting down: nobody could ring
        assert row.agent_login is None, row
        assert near(row.wait_seconds, 12.0, slack=2.5), row
    else:  # an agent freed before Asterisk refused new channels
        assert row.outcome == "answered" and row.agent_login in ("agent01", "agent02"), row
        assert near(row.talk_seconds, 5.0), row
    for agent in ("agent01", "agent02"):
        assert state_of(sb, agent) in ("available", "wrap_up"), agent
