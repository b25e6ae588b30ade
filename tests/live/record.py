"""Record a live scenario into ``tests/fixtures/asterisk`` with ``switchboard capture``:
``python -m tests.live.record``. It boots the bundled Asterisk with the example configuration
and Switchboard (for the IVR's FastAGI), records the ``switchboard`` account's AMI session
while the calls below are made, and writes ``NAME.jsonl`` and ``NAME.queue_log``.

``live_observe``: Jane Roe calls sales and is answered; Ivy goes through the IVR, presses 2
then 1234#, and billing answers; Ivan calls support while both its members are paused there
(QueuePause on Asterisk) and gives up after 4 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.live.pbx import ROOT, Pbx, find_asterisk
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


if __name__ == "__main__":
    main()
