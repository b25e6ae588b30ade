"""Mode (b): Switchboard restarts while a caller talks to an agent, one waits in
``switchboard-hold``, or one rings an agent. The new Switchboard finds them from Asterisk's
channels: the talking call stays with its agent (not missed), the waiting caller is queued
and offered to the next free agent; the ringing leg, whose outcome nobody awaits any more, is
hung up and its caller waits again, offered afresh. A standby on one PostgreSQL and Redis does
the same when the active process is killed."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.live.pbx import Pbx
from tests.live.process import SwitchboardProcess
from tests.live.routing import ROUTED, log_in, ringing_legs, route_mode, serve
from tests.live.scenario import logged, near, no_calls_left, state_of
from tests.live.switchboard import Switchboard, eventually

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


def test_a_restarted_switchboard_recovers_a_caller_whose_agent_is_ringing(
    pbx: Pbx, run_dir: Path
) -> None:
    pbx.phone("agent01", "answer-6-3")  # rings 6 s, then talks 3 s
    first = route_mode(run_dir / "switchboard", pbx)
    try:
        serve(first, "sales", ring=20)
        log_in(first, {"agent01": ("sales",)})
        ringing = pbx.call(ROUTED, number="+14155550193", name="Ringer", patience=60)
        eventually(lambda: state_of(first, "agent01") == "reserved", "agent01's phone rings")
    finally:
        first.stop()

    second = route_mode(run_dir / "switchboard", pbx)
    try:
        # the leg the first Switchboard rang has nobody awaiting its outcome: it is hung up
        # and the call, waiting again in sales, is offered afresh to the agent now free
        (call,) = eventually(lambda: second.get("/api/calls"), "the ringing call found again")
        assert (call["call_id"], call["phase"], call["queue"]) == (ringing, "queued", "sales")
        eventually(lambda: not ringing_legs(pbx, "agent01"), "the unawaited leg hung up")
        log_in(second, {"agent01": ("sales",)})  # back at the desk: rung afresh, and talks
        (row,) = logged(second, ringing)
        assert (row.queue, row.agent_login, row.outcome) == ("sales", "agent01", "answered")
        assert near(row.talk_seconds, 3.0), row.talk_seconds
        no_calls_left(second, pbx)
        assert state_of(second, "agent01") == "available"
    finally:
        second.stop()


def test_a_standby_takes_over_the_link_and_the_routed_calls_when_the_active_is_killed(
    pbx: Pbx, run_dir: Path, postgres_url: str, redis_url: str
) -> None:
    """One PostgreSQL and Redis, two processes: the active one routes Talker to agent01 and
    holds Waiter in ``switchboard-hold``, and is ``kill -9``-ed. The standby takes the engine
    lock and the AMI link, finds Talker still bridged with agent01 and Waiter waiting, and
    gives Waiter to agent02 when agent02 logs in; each call is logged once."""
    shared = {
        "asterisk_mode": "route",
        "database_url": postgres_url,
        "redis_url": redis_url,
        "redis_prefix": f"sblive-{uuid.uuid4().hex[:8]}:",
        "engine_lock_seconds": 6.0,  # a loaded machine still renews it in time
    }
    pbx.phone("agent01", "answer-1-20")  # talks through the kill and the takeover
    pbx.phone("agent02", "answer-1-2")
    active = SwitchboardProcess(run_dir / "active", pbx, **shared).start()
    standby: Switchboard | None = None
    try:
        eventually(lambda: active.health() == 200, "the first process runs the engine")
        standby = Switchboard(run_dir / "standby", pbx, **shared).start()
        assert standby.http.get("/healthz").status_code == 503
        serve(active, "sales", ring=4)
        log_in(active, {"agent01": ("sales",)})
        talking = pbx.call(ROUTED, number="+14155550191", name="Talker", patience=60)
        eventually(lambda: state_of(active, "agent01") == "on_call", "agent01 on the call")
        waiting = pbx.call(ROUTED, number="+14155550192", name="Waiter", patience=60)
        eventually(lambda: active.get("/api/calls/waiting"), "the second caller waits")
        active.kill()

        sb = standby
        eventually(lambda: sb.services.telephony.connected, "the standby took the link",
                   timeout=30)  # fmt: skip
        eventually(lambda: sb.http.get("/healthz").status_code == 200, "the standby active")
        calls = eventually(lambda: {c["call_id"]: c for c in sb.get("/api/calls")}
                           if len(sb.get("/api/calls")) == 2 else None,
                           "both calls found again")  # fmt: skip
        assert (calls[talking]["agent_id"], calls[talking]["phase"]) == ("agent01", "connected")
        assert [c["call_id"] for c in sb.get("/api/calls/waiting")] == [waiting]
        assert state_of(sb, "agent01") == "on_call"
        log_in(sb, {"agent02": ("sales",)})
        (row,) = logged(sb, waiting)
        assert (row.queue, row.agent_login, row.outcome) == ("sales", "agent02", "answered")
        assert near(row.talk_seconds, 2.0), row.talk_seconds
        (row,) = logged(sb, talking)
        assert (row.queue, row.agent_login, row.outcome) == ("sales", "agent01", "answered")
        assert near(row.talk_seconds, 20.0, slack=2.5), row.talk_seconds
        no_calls_left(sb, pbx)
        for agent in ("agent01", "agent02"):
            eventually(lambda a=agent: state_of(sb, a) == "available", f"{agent} free")  # type: ignore[misc]
    finally:
        active.kill()
        print(active.log.read_text()[-4000:])  # shown when the test fails
        if standby is not None:
            standby.stop()
