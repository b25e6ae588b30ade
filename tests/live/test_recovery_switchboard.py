"""Mode (a): Switchboard goes away while calls wait, ring and talk on Asterisk, and another
Switchboard takes them over from a resync: restarted on the same database, or a standby on
one PostgreSQL and Redis that takes the engine when the active process is killed. Each call
is logged once, by whoever saw it end, with the outcome and agent ``queue_log`` gives, and no
agent is left in a wrong state."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from cti.crm.calllog import CallLog, InteractionRecord
from cti.db import make_engine, make_session_factory
from tests.live.pbx import Pbx
from tests.live.process import SwitchboardProcess
from tests.live.scenario import SLACK, queue_log_of
from tests.live.switchboard import AGENTS, Switchboard, eventually

pytestmark = pytest.mark.asterisk
ENDS = ("COMPLETEAGENT", "COMPLETECALLER", "ABANDON")
RING = 6.0  # how long support's phones ring before they answer


def pause(pbx: Pbx, agent: str, queue: str, paused: bool) -> None:
    pbx.action("QueuePause", Interface=f"Local/{agent}@switchboard-agents/n", Queue=queue,
               Paused="true" if paused else "false", Reason="Coaching")  # fmt: skip


def waiting_ringing_talking(pbx: Pbx) -> dict[str, str]:
    """Jane talks to agent01 in sales; Wendy waits in sales (agent02 is paused there); Rita
    rings agent03 or agent04 in support, whose phones ring 6 s before answering."""
    pbx.phone("agent01", "answer-1-14")
    pbx.phone("agent02", "answer-1-4")
    for agent in ("agent03", "agent04"):
        pbx.phone(agent, f"answer-{RING:g}-4")
    pause(pbx, "agent02", "sales", True)
    jane = pbx.call("+14155550100", number="+14155550123", name="Jane Roe", patience=60)
    eventually(lambda: _event(pbx, jane, "CONNECT"), "Jane answered")
    wendy = pbx.call("+14155550100", number="+14155550177", name="Wendy", patience=60)
    rita = pbx.call("+14155550101", number="+442071234567", name="Rita", patience=60)
    eventually(lambda: "Up" in pbx.cli("core show channels") and _ringing(pbx), "Rita ringing")
    eventually(lambda: _event(pbx, wendy, "ENTERQUEUE"), "Wendy waiting")
    return {"talking": jane, "waiting": wendy, "ringing": rita}


def _event(pbx: Pbx, call_id: str, event: str) -> list[str] | None:
    return next((li for li in queue_log_of(pbx, call_id) if li[4] == event), None)


def _ringing(pbx: Pbx) -> bool:
    return any("agent03" in c or "agent04" in c for c in pbx.channels())


def seen_by(sb: Switchboard, calls: dict[str, str]) -> bool:
    shown = {c["call_id"]: c for c in sb.get("/api/calls")}
    return all(call_id in shown for call_id in calls.values())


def each_logged_once(pbx: Pbx, rows: Callable[[str], list[InteractionRecord]],
                     calls: dict[str, str]) -> None:  # fmt: skip
    for call_id in calls.values():
        found = eventually(lambda c=call_id: rows(c) if all(r.outcome for r in rows(c)) else None,  # type: ignore[misc]
                           f"{call_id} logged", timeout=30)  # fmt: skip
        (row,) = found
        (last,) = [li for li in queue_log_of(pbx, call_id) if li[4] in ENDS]
        assert last[4] != "ABANDON", queue_log_of(pbx, call_id)
        assert (row.outcome, row.agent_login) == ("answered", last[3]), row
        talk = float(last[6])
        assert row.talk_seconds is not None and talk - SLACK <= row.talk_seconds, row
        # an answer no one heard (it came while no engine listened) is placed at the ring's
        # start, the earliest it can have been: the talk may include the ring (up to 6 s)
        assert row.talk_seconds <= talk + RING + SLACK, row


def settled(sb: Switchboard) -> None:
    eventually(lambda: not sb.get("/api/calls"), "Switchboard's calls all ended", timeout=40)
    for agent in AGENTS:
        agent_state = sb.agent(agent)
        assert agent_state["state"] in ("available", "wrap_up", "paused"), agent_state
        if agent_state["state"] != "wrap_up":  # wrap-up keeps the call it is about
            assert agent_state.get("call_id") in (None, ""), agent_state


def test_a_restarted_switchboard_resyncs_and_logs_each_waiting_ringing_and_talking_call_once(
    pbx: Pbx, run_dir: Path
) -> None:
    first = Switchboard(run_dir / "switchboard", pbx).start()
    try:
        eventually(lambda: first.agent("agent04")["state"] == "available", "members logged in")
        calls = waiting_ringing_talking(pbx)
        eventually(lambda: seen_by(first, calls), "the first Switchboard follows the calls")
    finally:
        first.stop()
    second = Switchboard(run_dir / "switchboard", pbx).start()
    try:
        eventually(lambda: seen_by(second, calls), "the restarted Switchboard adopted the calls")
        pause(pbx, "agent02", "sales", False)  # Wendy's turn
        eventually(lambda: not pbx.channels(), "Asterisk's channels all hung up", timeout=40)
        settled(second)
        each_logged_once(pbx, second.services.call_log.get, calls)
    finally:
        second.stop()


def test_a_standby_takes_over_the_ami_link_and_the_calls_when_the_active_is_killed(
    pbx: Pbx, run_dir: Path, postgres_url: str, redis_url: str
) -> None:
    shared = {
        "database_url": postgres_url,
        "redis_url": redis_url,
        "redis_prefix": f"sblive-{uuid.uuid4().hex[:8]}:",
        "engine_lock_seconds": 6.0,  # a loaded machine still renews it in time
    }
    active = SwitchboardProcess(run_dir / "active", pbx, **shared).start()
    standby: Switchboard | None = None
    try:
        eventually(lambda: active.health() == 200, "the first process runs the engine")
        standby = Switchboard(run_dir / "standby", pbx, **shared).start()
        assert standby.http.get("/healthz").status_code == 503
        calls = waiting_ringing_talking(pbx)
        eventually(lambda: len(_logins(pbx)) >= 1, "the active process on AMI")
        active.kill()
        eventually(lambda: standby.services.telephony.connected, "the standby took the link",
                   timeout=30)  # fmt: skip
        eventually(lambda: standby.http.get("/healthz").status_code == 200, "standby active")
        eventually(lambda: seen_by(standby, calls), "the standby adopted the calls")  # type: ignore[arg-type]
        pause(pbx, "agent02", "sales", False)
        eventually(lambda: not pbx.channels(), "Asterisk's channels all hung up", timeout=40)
        settled(standby)
        engine = make_engine(postgres_url)
        try:
            each_logged_once(pbx, CallLog(make_session_factory(engine)).get, calls)
        finally:
            engine.dispose()  # no pooled connection left for the collector
    finally:
        active.kill()
        print(active.log.read_text()[-4000:])  # shown when the test fails
        if standby is not None:
            standby.stop()


def _logins(pbx: Pbx) -> list[str]:
    return [li for li in pbx.cli("manager show connected").splitlines() if "switchboard" in li]
