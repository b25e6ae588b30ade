"""Switchboard in a process of its own, built as ``Switchboard`` builds it in the tests'
process (``live_values``, nobody logged in but by the PBX), so that a test can ``kill -9`` it.

``python -m tests.live.process SETTINGS.json PORT`` serves ``create_app`` on 127.0.0.1:PORT.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from tests.live.pbx import ROOT, Pbx, free_port
from tests.live.switchboard import Api, live_values


class SwitchboardProcess(Api):
    def __init__(self, workdir: Path, pbx: Pbx, **overrides: Any) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        values = live_values(workdir, pbx, **overrides)
        self.settings_file = workdir / "settings.json"
        self.settings_file.write_text(json.dumps(values, default=str))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.http = httpx.Client(base_url=self.url, timeout=20)
        self._tokens = {}
        self.log = workdir / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90.0) -> SwitchboardProcess:
        args = [sys.executable, "-m", "tests.live.process", str(self.settings_file), str(self.port)]
        with self.log.open("ab") as sink:
            self.proc = subprocess.Popen(
                args, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.proc.wait()
                raise RuntimeError(f"Switchboard exited: {self.log.read_text()[-3000:]}")
            try:
                httpx.get(f"{self.url}/healthz", timeout=2)  # 200 active, 503 standby
                return self
            except httpx.HTTPError:
                time.sleep(0.2)
        self.kill()  # never leave a half-started server behind (nor its Popen to the collector)
        raise RuntimeError(f"Switchboard did not start: {self.log.read_text()[-3000:]}")

    def health(self) -> int:
        return self.http.get("/healthz", timeout=5).status_code

    def kill(self) -> None:
        """``kill -9``: no goodbye to Asterisk, Redis or the database."""
        self.http.close()
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        self.http.close()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def main() -> None:
    from cti.server.app import create_app
    from cti.settings import Settings

    values = json.loads(Path(sys.argv[1]).read_text())
    app = create_app(Settings(**values), demo_agents_log_in=False)
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")


if __name__ == "__main__":
    main()
