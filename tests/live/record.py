"""Record a live scenario into ``tests/fixtures/asterisk`` with ``switchboard capture``:
``python -m tests.live.record``. It boots the bundled Asterisk with the example configuration
and Switchboard (for the IVR's FastAGI), records the ``switchboard`` account's AMI session
while the calls below are made, and writes ``NAME.jsonl`` and ``NAME.queue_log``.

``live_observe``: Jane Roe calls sales and is answered; Ivy goes through the IVR, presses 2
then 1234#, and billing answers; Ivan calls support while both its members are paused there
(QueuePause on Asterisk) and gives up after 4 s.

``python -m tests.live.record route`` records ``live_route``, mode (b), where app_queue keeps
no ``queue_log``: ``NAME.calllog.json`` holds what the live Switchboard logged instead. Jane
calls the routed DID, agent01's phone fails (busy) and agent02 answers and hangs up first;
Ivan gives up while agent03's phone rings; Tom is answered by agent02, who transfers him to
the support queue, where agent04 answers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.live.pbx import ROOT, Pbx, find_asterisk
from tests.live.routing import ROUTED, log_in, route_mode, serve
from tests.live.scenario import changes, logged
from tests.live.switchboard import Switchboard, eventually

FIXTURES = ROOT / "tests" / "fixtures" / "asterisk"
NAME = "live_observe"


def main() -> None:
    run = Path(tempfile.mkdtemp(prefix="sb-record-"))
    pbx = Pbx(find_asterisk(), run / "asterisk").configure().start()
    sb = Switchboard(run / "switchboard", pbx).start()
    out = FIXTURES / f"{NAME}.jsonl"
    try:
        for agent in ("agent01", "agent02", "agent03", "agent04"):
            pbx.phone(agent, "answer-2-4")
        eventually(lambda: sb.agent("agent04")["state"] == "available", "members logged in")
        env = {**os.environ, "SWITCHBOARD_AMI_PORT": str(pbx.ami_port),
               "SWITCHBOARD_AMI_SECRET": pbx.secret}  # fmt: skip
        command = [sys.executable, "-m", "cti.cli", "capture", str(out), "--seconds", "40"]
        out.unlink(missing_ok=True)
        capture = subprocess.Popen(command, env=env, cwd=run)
        eventually(lambda: out.exists() and "Authentication accepted" in out.read_text(),
                   "the capture logged in", timeout=30)  # fmt: skip
        started = int(time.time())
        calls = [pbx.call("+14155550100", number="+14155550101", name="Jane Roe", patience=30)]
        time.sleep(1)
        calls.append(pbx.call("+14155550102", number="+14155550177", name="Ivy", patience=40,
                              keys="2w1w2w3w4w#", keys_after=3.5))  # fmt: skip
        for agent in ("agent03", "agent04"):
            pbx.action("QueuePause", Interface=f"Local/{agent}@switchboard-agents/n",
                       Queue="support", Paused="true", Reason="Training")  # fmt: skip
        calls.append(pbx.call("+14155550101", number="+442071234567", name="Ivan", patience=4))
        capture.wait(timeout=90)
        lines = [
            "|".join(line) for line in pbx.queue_log()
            if int(line[0]) >= started and (line[1] in calls or line[1] == "NONE")
            and line[4] != "QUEUESTART"
        ]  # fmt: skip
        (FIXTURES / f"{NAME}.queue_log").write_text("\n".join(lines) + "\n")
    finally:
        sb.stop()
        pbx.stop()


def start_capture(pbx: Pbx, out: Path, seconds: int, cwd: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SWITCHBOARD_AMI_PORT": str(pbx.ami_port),
           "SWITCHBOARD_AMI_SECRET": pbx.secret}  # fmt: skip
    command = [sys.executable, "-m", "cti.cli", "capture", str(out), "--seconds", str(seconds)]
    out.unlink(missing_ok=True)
    capture = subprocess.Popen(command, env=env, cwd=cwd)
    eventually(lambda: out.exists() and "Authentication accepted" in out.read_text(),
               "the capture logged in", timeout=120)  # fmt: skip
    return capture


def route() -> None:
    name = "live_route"
    run = Path(tempfile.mkdtemp(prefix="sb-record-"))
    pbx = Pbx(find_asterisk(), run / "asterisk").configure().start()
    sb = route_mode(run / "switchboard", pbx)
    out = FIXTURES / f"{name}.jsonl"
    try:
        serve(sb, "sales", "support", ring=4)
        plans = {"agent01": "busy", "agent02": "answer-1-3", "agent03": "noanswer",
                 "agent04": "answer-1-2"}  # fmt: skip
        for agent, plan in plans.items():
            pbx.phone(agent, plan)
        log_in(sb, {"agent01": ("sales",)})
        capture = start_capture(pbx, out, 40, run)
        jane = pbx.call(ROUTED, number="+14155550101", name="Jane Roe", patience=30)
        eventually(lambda: sb.agent("agent01")["state"] == "paused", "agent01's phone failed")
        log_in(sb, {"agent02": ("sales",)})
        logged(sb, jane)
        log_in(sb, {"agent03": ("sales",)})
        sb.request("PUT", "/api/agents/agent02/state", "agent02", json={"state": "paused"})
        ivan = pbx.call(ROUTED, number="+442071234567", name="Ivan", patience=3)
        logged(sb, ivan)
        sb.request("PUT", "/api/agents/agent03/state", "agent03", json={"state": "paused"})
        pbx.phone("agent02", "answer-1-30")
        log_in(sb, {"agent02": ("sales",), "agent04": ("support",)})
        with sb.desktop("agent02") as bob:
            tom = pbx.call(ROUTED, number="+14155550166", name="Tom", patience=30)
            eventually(lambda: changes(bob, tom, "answered"), "agent02 answered Tom")
            res = sb.request("POST", f"/api/calls/{tom}/transfer", "agent02",
                             json={"target": "support", "target_kind": "queue"})  # fmt: skip
            assert res.status_code == 200, res.text
            logged(sb, tom, legs=2)
        capture.wait(timeout=90)
        rows = [
            {"call_id": r.call_id, "leg": r.leg, "queue": r.queue, "agent": r.agent_login,
             "outcome": r.outcome, "wait": r.wait_seconds, "talk": r.talk_seconds,
             "caller": r.caller_number}
            for call_id in (jane, ivan, tom) for r in sb.services.call_log.get(call_id)
        ]  # fmt: skip
        (FIXTURES / f"{name}.calllog.json").write_text(json.dumps(rows, indent=1) + "\n")
    finally:
        sb.stop()
        pbx.stop()


if __name__ == "__main__":
    route() if sys.argv[1:] == ["route"] else main()
