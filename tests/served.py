"""``switchboard serve`` in a process of its own, as an operator runs it, for subprocess tests;
and a PostgreSQL server of the test's own, to stop in the middle of the traffic.

Each server gets its own folder (its working directory: ``var/``, the call-log journal, its
logs) and its own port. Logs are JSON lines on stderr, kept in ``server.log`` in that folder.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

import psycopg
from psycopg import sql

from tests.conftest import free_port, postgres_account, run_as, scratch_dir


class Served:
    def __init__(self, folder: Path, database_url: str, **settings: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.port = folder, free_port()
        self.journal = folder / "var" / "call-log-spool.jsonl"
        self.log_path = folder / "server.log"
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}
        self.env = {
            **inherited,
            "SWITCHBOARD_DATABASE_URL": database_url,
            "SWITCHBOARD_HTTP_PORT": str(self.port),
            "SWITCHBOARD_CALL_LOG_SPOOL": str(self.journal),
            **{f"SWITCHBOARD_{name.upper()}": value for name, value in settings.items()},
        }
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> Served:
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cti.cli", "serve", "--log-level", "info"],
            cwd=self.folder,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
        )
        return self

    def wait_healthy(self, timeout: float = 120.0) -> None:
        """Until ``/healthz`` answers 200; fails with the server's log if it exits first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited {self.process.returncode}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise AssertionError(f"the server was not healthy in {timeout} s:\n{self.tail()}")

    def kill(self) -> None:
        """``kill -9``: no shutdown of any kind."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self._close()

    def stop(self, timeout: float = 60.0) -> bool:
        """A graceful stop (SIGTERM, as a service manager sends); whether it shut down cleanly
        (uvicorn finishes the application's shutdown, then exits by the same signal)."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait(timeout=30)
        self._close()
        finished = "Application shutdown complete" in self.log_path.read_text(errors="replace")
        return code in (0, -signal.SIGTERM) and finished

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


class RestartablePostgres:
    """A private PostgreSQL cluster that a test stops and starts again (an outage), built as
    ``tests.conftest.throwaway_postgres`` builds its own: trust auth, a free port, and an
    unprivileged account when we run as root, since PostgreSQL refuses root."""

    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="switchboard-pg-", dir=scratch_dir()))
        self.account = postgres_account()
        if self.account is not None:
            os.chown(self.base, self.account.pw_uid, self.account.pw_gid)
        self.port, self.data = free_port(), self.base / "data"
        # fmt: off
        run_as(self.account, self.base, ["initdb", "-D", str(self.data), "-U", "postgres",
                                       "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"])
        # fmt: on
        self.start()

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        conninfo = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1"
        # fmt: off
        run_as(self.account, self.base, ["pg_ctl", "-D", str(self.data), "-l",
                                       str(self.base / "server.log"), "-o", options,
                                       "-w", "-t", "30", "start"])
        # fmt: on

    def stop(self) -> None:
        """As a crash would: no checkpoint, every connection cut."""
        run_as(self.account, self.base, ["pg_ctl", "-D", str(self.data), "-m", "immediate",
                                       "-w", "stop"])  # fmt: skip

    def close(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.base, ignore_errors=True)
