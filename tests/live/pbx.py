"""A real Asterisk 22 running the project's own ``docs/asterisk`` configuration.

``find_asterisk()`` looks, in this order, at the ``ASTERISK`` variable (the binary, or the
folder holding ``start``), at ``../shared/asterisk-22`` beside the checkout, then at
``asterisk`` on ``PATH``. The bundle's ``start`` script boots it.

``example_config()`` writes the configuration a user would copy, ``docs/asterisk/*.conf``,
with only the changes this environment forces, each listed in ``CHANGES`` (README's table of
them is this list): there is no SIP stack, so every PJSIP endpoint becomes a simulated phone;
Asterisk and Switchboard share 127.0.0.1; and each run has its own ports. Added beside it,
and not part of the example: the bundle's own ``modules.conf``, ``logger.conf`` and
``musiconhold.conf`` (the project ships none), the test phones and callers of
``phones.conf``, silent prompts for the IVR, and a ``harness`` AMI account the tests use to
place calls and set the phones' behaviour.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "asterisk"
PHONES = Path(__file__).with_name("phones.conf")
BUNDLE_FILES = (
    "modules.conf",
    "logger.conf",
    "musiconhold.conf",
    "indications.conf",
    "cdr.conf",
    "cdr_manager.conf",
    "cel.conf",
    "amd.conf",
)
#: Modules the example's dialplan uses that a stock Asterisk loads (``autoload = yes``) and
#: the bundle's ``modules.conf`` does not list: ``GLOBAL()`` notes when route-mode calls end.
EXAMPLE_MODULES = ("func_global.so",)
PROMPTS = (
    "holiday-greeting",
    "welcome",
    "main-menu",
    "enter-account",
    "invalid-choice",
    "invalid-account",
    "callback-offer",
    "closed-callback",
    "leave-message",
    "switchboard-safe-harbour",
    "switchboard-opted-out",
    "switchboard-machine-message",
)
HARNESS_USER, HARNESS_SECRET = "harness", "harness-secret"


class AsteriskMissing(Exception):
    """No Asterisk to run, and why."""


@dataclass(frozen=True)
class Bundle:
    start: Path  # the bundle's start script
    binary: Path


def find_asterisk(environ: dict[str, str] | None = None) -> Bundle:
    env = os.environ if environ is None else environ
    named = env.get("ASTERISK")
    if named:
        return _bundle_of(Path(named), "ASTERISK")
    beside = ROOT.parent / "shared" / "asterisk-22"
    if (beside / "start").exists():
        return _bundle_of(beside, "../shared/asterisk-22")
    on_path = shutil.which("asterisk")
    if on_path:
        return _bundle_of(Path(on_path), "PATH")
    raise AsteriskMissing(
        "Asterisk: no ASTERISK variable, no ../shared/asterisk-22 beside the checkout, "
        "and no asterisk on PATH"
    )


def _bundle_of(path: Path, where: str) -> Bundle:
    path = path.resolve()
    folder = path if path.is_dir() else path.parent.parent  # <bundle>/sbin/asterisk
    start, binary = folder / "start", folder / "sbin" / "asterisk"
    if not path.exists():
        raise AsteriskMissing(f"Asterisk: {where} names {path}, which does not exist")
    if not (start.exists() and binary.exists()):
        raise AsteriskMissing(
            f"Asterisk: {where} gives {path}, but {folder} has no start script and "
            "sbin/asterisk (the layout of ../shared/asterisk-22)"
        )
    return Bundle(start, binary)


# -- the example configuration, with the changes this environment forces ----------------


@dataclass(frozen=True)
class Change:
    file: str
    pattern: str  # a regular expression on the example file
    replacement: str  # may name {ami_port}, {agi_port}, {secret}
    why: str


CHANGES = (
    Change(
        "extensions.conf",
        r"PJSIP/\$\{EXTEN\}(@trunk)?",
        "Local/${{EXTEN}}@sb-phones",
        "no SIP stack: agents' phones and the trunk are simulated phones (Local channels)",
    ),
    Change(
        "queues.conf",
        r"PJSIP/(\w+)",
        r"Local/\1@sb-phones",
        "no SIP stack: a member's state interface is its simulated phone",
    ),
    Change(
        "extensions.conf",
        r"agi://switchboard:4573/",
        "agi://127.0.0.1:{agi_port}/",
        "Switchboard runs on the same host, on this run's FastAGI port",
    ),
    Change("manager.conf", r"port = 5038", "port = {ami_port}", "this run's AMI port"),
    Change(
        "manager.conf",
        r"bindaddr = 0\.0\.0\.0",
        "bindaddr = 127.0.0.1",
        "Switchboard runs on the same host",
    ),
    Change(
        "manager.conf",
        r"permit = 10\.0\.0\.10/",
        "permit = 127.0.0.1/",
        "Switchboard runs on the same host",
    ),
    Change(
        "manager.conf",
        r"secret = CHANGE-ME-to-a-long-random-secret",
        "secret = {secret}",
        "a fresh secret per run",
    ),
)


def example_config(
    conf_dir: Path,
    bundle: Bundle,
    *,
    ami_port: int,
    agi_port: int,
    secret: str,
    edit: Callable[[str, str], str] | None = None,
) -> None:
    """Write ``docs/asterisk`` with ``CHANGES`` applied (and ``edit(file, text)`` after, for
    tests that break or extend the example on purpose) into ``conf_dir``."""
    conf_dir.mkdir(parents=True, exist_ok=True)
    values = {"ami_port": ami_port, "agi_port": agi_port, "secret": secret}
    for name in ("extensions.conf", "queues.conf", "manager.conf"):
        text = (EXAMPLE / name).read_text()
        for change in (c for c in CHANGES if c.file == name):
            text, made = re.subn(change.pattern, change.replacement.format(**values), text)
            if not made:
                raise AssertionError(f"docs/asterisk/{name} no longer has {change.pattern!r}")
        if name == "extensions.conf":
            text += "\n" + PHONES.read_text()
        if name == "manager.conf":
            text += _harness_account()
        if edit is not None:
            text = edit(name, text)
        (conf_dir / name).write_text(text)
    example_etc = bundle.start.parent / "example-etc"
    for name in BUNDLE_FILES:
        shutil.copyfile(example_etc / name, conf_dir / name)
    modules = conf_dir / "modules.conf"
    listed = modules.read_text()
    for module in EXAMPLE_MODULES:  # the bundle loads only what it lists (autoload = no)
        if f"load => {module}" not in listed:
            listed += f"load => {module}  ; added by the live tests: the example uses it\n"
    modules.write_text(listed)


def _harness_account() -> str:
    return (
        "\n; -- added by the live tests: the account that places test calls --\n"
        f"[{HARNESS_USER}]\nsecret = {HARNESS_SECRET}\n"
        "deny = 0.0.0.0/0.0.0.0\npermit = 127.0.0.1/255.255.255.255\n"
        "read = system\nwrite = all\n"
    )


def write_prompts(folder: Path, seconds: float = 2.0) -> None:
    """Silent prompts under the names the shipped IVR flow plays (the bundle has none)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in PROMPTS:
        with wave.open(str(folder / f"{name}.wav"), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(8000)
            out.writeframes(b"\x00\x00" * int(8000 * seconds))


# -- a running Asterisk --------------------------------------------------------------------


class Pbx:
    """One Asterisk, booted by the bundle's ``start`` in ``run_dir``."""

    def __init__(self, bundle: Bundle, run_dir: Path, *, agi_port: int | None = None) -> None:
        self.bundle, self.run_dir = bundle, run_dir
        self.ami_port = free_port()
        self.agi_port = agi_port or free_port()
        self.secret = secrets.token_urlsafe(24)
        self.conf_dir = run_dir / "conf"
        self.pid: int | None = None
        self._ids = count(1)

    def configure(self, edit: Callable[[str, str], str] | None = None) -> Pbx:
        example_config(
            self.conf_dir,
            self.bundle,
            ami_port=self.ami_port,
            agi_port=self.agi_port,
            secret=self.secret,
            edit=edit,
        )
        write_prompts(self.run_dir / "varlib" / "sounds" / "en")
        return self

    def start(self) -> Pbx:
        done = subprocess.run(
            ["bash", str(self.bundle.start), str(self.run_dir), str(self.conf_dir),
             str(self.ami_port)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"Asterisk did not start: {done.stderr.strip()}")
        self.pid = int(done.stdout.split()[-1])
        return self

    def stop(self) -> None:
        """Stop gracefully (``core stop now``), then with SIGTERM if it lingers."""
        if self.pid is None:
            return
        self.cli("core stop now", check=False)
        self._reap(signal.SIGTERM, patience=10.0)

    def kill(self) -> None:
        """``kill -9``: no goodbye on any link."""
        self._reap(signal.SIGKILL, patience=0.0)

    def _reap(self, sig: signal.Signals, *, patience: float) -> None:
        """Wait up to ``patience`` s for the process to end, then send ``sig`` and wait."""
        pid, self.pid = self.pid, None
        if pid is None:
            return
        deadline = time.monotonic() + patience
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            os.kill(pid, sig)
        while _alive(pid):
            time.sleep(0.05)

    def cli(self, command: str, *, check: bool = True) -> str:
        done = subprocess.run(
            [str(self.run_dir / "asterisk"), "-rx", command],
            capture_output=True, text=True, timeout=20, check=False,
        )  # fmt: skip
        if check and done.returncode != 0:
            raise RuntimeError(f"asterisk -rx {command!r}: {done.stderr or done.stdout}")
        return done.stdout

    def queue_log(self) -> list[list[str]]:
        path = self.run_dir / "log" / "queue_log"
        lines = path.read_text().splitlines() if path.exists() else []
        return [line.split("|") for line in lines if line.strip()]

    def queue_log_text(self) -> str:
        path = self.run_dir / "log" / "queue_log"
        return path.read_text() if path.exists() else ""

    def channels(self) -> list[str]:
        """The names of Asterisk's live channels (``core show channels concise``)."""
        out = self.cli("core show channels concise")
        return [line.split("!")[0] for line in out.splitlines() if "!" in line]

    # -- the test phones and callers (phones.conf), over the harness AMI account ----------

    def phone(self, endpoint: str, plan: str) -> None:
        """What ``Local/<endpoint>@sb-phones`` does: ``answer-R-T``, ``busy``, ``noanswer``."""
        name = re.sub(r"[^a-z0-9]", "", endpoint)
        self.action("Setvar", Variable=f"PHONE_{name}", Value=plan)

    def call(
        self,
        exten: str,
        *,
        number: str,
        name: str = "",
        patience: float = 60,
        keys: str = "",
        keys_after: float = 1.0,
        context: str = "from-trunk",
    ) -> str:
        """A caller rings ``exten@context``; the caller's Uniqueid (the call id) is returned."""
        # like Asterisk's own: the creation time, then a sequence number (from 900001 on)
        call_id = f"{int(time.time())}.{900000 + next(self._ids)}"
        caller_id = f'"{name}" <{number}>' if name else number
        self.action(
            "Originate",
            Channel="Local/caller@sb-callers",
            Context=context,
            Exten=exten,
            Priority="1",
            CallerID=caller_id,
            Async="true",
            Timeout="10000",
            ChannelId=call_id,
            Variable=[f"PATIENCE={patience:g}", f"KEYS={keys}", f"KEYS_AFTER={keys_after:g}"],
        )
        return call_id

    def action(self, name: str, **headers: str | list[str]) -> dict[str, str]:
        """One action on the harness account; its response's headers (``Error`` raises)."""
        with socket.create_connection(("127.0.0.1", self.ami_port), timeout=10) as sock:
            reader = _Messages(sock)
            reader.banner()
            login = {"Username": HARNESS_USER, "Secret": HARNESS_SECRET, "Events": "off"}
            _send(sock, "Login", "h-login", login)
            _expect(reader.until("h-login"), "Login")
            _send(sock, name, "h-action", headers)
            response = reader.until("h-action")
            _send(sock, "Logoff", "h-logoff", {})
        return _expect(response, name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie of ours: reap it
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


def _send(
    sock: socket.socket, action: str, action_id: str, headers: dict[str, str | list[str]]
) -> None:
    lines = [f"Action: {action}", f"ActionID: {action_id}"]
    for key, value in headers.items():
        for item in [value] if isinstance(value, str) else value:
            lines.append(f"{key}: {item}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())


def _expect(response: dict[str, str], action: str) -> dict[str, str]:
    if response.get("Response", "").lower() == "error":
        raise RuntimeError(f"{action} refused: {response.get('Message')}")
    return response


class _Messages:
    def __init__(self, sock: socket.socket) -> None:
        self._sock, self._buffer = sock, b""

    def banner(self) -> str:
        while b"\r\n" not in self._buffer:
            self._read()
        line, self._buffer = self._buffer.split(b"\r\n", 1)
        return line.decode()

    def until(self, action_id: str) -> dict[str, str]:
        for message in self._messages():
            if message.get("ActionID") == action_id and "Response" in message:
                return message
        raise RuntimeError("AMI closed before answering")

    def _messages(self) -> Iterator[dict[str, str]]:
        while True:
            while b"\r\n\r\n" not in self._buffer:
                self._read()
            block, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
            headers: dict[str, str] = {}
            for line in block.decode(errors="replace").split("\r\n"):
                key, _, value = line.partition(":")
                headers.setdefault(key.strip(), value.strip())
            yield headers

    def _read(self) -> None:
        data = self._sock.recv(65536)
        if not data:
            raise RuntimeError("AMI closed the connection")
        self._buffer += data
