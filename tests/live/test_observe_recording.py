"""Call recording with ``MixMonitor`` from the desktop. The example AMI account has no
``system`` write class, so the PBX refuses and the agent is told why; with ``system`` added
(as ``docs/asterisk/manager.conf`` says to, for recording) the recording starts and stops, in
mode (a) and in mode (b), where Switchboard's ACD connected the call."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.live.pbx import Bundle, Pbx
from tests.live.routing import ROUTED, log_in, serve
from tests.live.scenario import no_calls_left, queue_events, state_of
from tests.live.switchboard import Switchboard, eventually

pytestmark = pytest.mark.asterisk


def with_system(name: str, text: str) -> str:
    if name == "manager.conf":
        return text.replace("write = originate,call,agent,reporting",
                            "write = originate,call,agent,reporting,system")  # fmt: skip
    return text


@contextmanager
def centre(
    asterisk: Bundle, run_dir: Path, *, recording: bool, mode: str = "observe"
) -> Iterator[tuple[Pbx, Switchboard]]:
    pbx = Pbx(asterisk, run_dir / "asterisk").configure(edit=with_system if recording else None)
    pbx.start()
    try:
        sb = Switchboard(run_dir / "switchboard", pbx, asterisk_mode=mode).start()
        try:
            yield pbx, sb
        finally:
            sb.stop()
    finally:
        pbx.stop()


def connected_call(pbx: Pbx, sb: Switchboard) -> tuple[str, str]:
    for agent in ("agent01", "agent02"):
        pbx.phone(agent, "answer-1-8")
    eventually(lambda: state_of(sb, "agent01") == state_of(sb, "agent02") == "available",
               "sales available")  # fmt: skip
    call_id = pbx.call("+14155550100", number="+14155550123", name="Jane Roe", patience=30)
    agent = eventually(
        lambda: next((a for q, a, e in queue_events(pbx, call_id) if e == "CONNECT"), None),
        "an agent answered",
    )
    eventually(lambda: state_of(sb, agent) == "on_call", f"{agent} on the call")
    return call_id, agent


def test_recording_with_the_example_account_is_refused_with_the_reason(
    asterisk: Bundle, run_dir: Path
) -> None:
    with centre(asterisk, run_dir, recording=False) as (pbx, sb):
        call_id, agent = connected_call(pbx, sb)
        res = sb.request("POST", f"/api/calls/{call_id}/recording", agent, json={})
        assert res.status_code == 403, res.text
        assert res.json()["error_id"] == "pbx-permission-denied"
        no_calls_left(sb, pbx)


def test_recording_starts_and_stops_from_the_desktop_and_asterisk_writes_the_file(
    asterisk: Bundle, run_dir: Path
) -> None:
    with centre(asterisk, run_dir, recording=True) as (pbx, sb):
        call_id, agent = connected_call(pbx, sb)
        record_and_stop(pbx, sb, call_id, agent)


def test_in_route_mode_recording_starts_and_stops_from_the_desktop_and_asterisk_writes_the_file(
    asterisk: Bundle, run_dir: Path
) -> None:
    with centre(asterisk, run_dir, recording=True, mode="route") as (pbx, sb):
        serve(sb, "sales")
        pbx.phone("agent01", "answer-1-8")
        log_in(sb, {"agent01": ("sales",)})
        call_id = pbx.call(ROUTED, number="+14155550123", name="Jane Roe", patience=30)
        eventually(lambda: state_of(sb, "agent01") == "on_call", "Jane talking to agent01")
        record_and_stop(pbx, sb, call_id, "agent01")


def record_and_stop(pbx: Pbx, sb: Switchboard, call_id: str, agent: str) -> None:
    """The agent starts a recording, Asterisk writes it; stopped, it grows no more."""
    res = sb.request("POST", f"/api/calls/{call_id}/recording", agent, json={})
    assert res.status_code == 200, res.text
    file = pbx.run_dir / "spool" / "monitor" / res.json()["file"]
    eventually(lambda: file.exists() and file.stat().st_size > 8000, "audio recorded")
    res = sb.request("DELETE", f"/api/calls/{call_id}/recording", agent)
    assert res.status_code == 200, res.text
    time.sleep(1.5)  # what MixMonitor still had buffered is written
    stopped = file.stat().st_size
    time.sleep(2)  # the call goes on (the agent talks 8 s), the file does not grow
    assert file.stat().st_size == stopped
    assert pbx.channels(), "the call was still up after the recording stopped"
    no_calls_left(sb, pbx)
