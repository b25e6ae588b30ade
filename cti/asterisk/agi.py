"""FastAGI, sans-IO: the AGI line protocol as bytes in, typed items out, commands to bytes.

A FastAGI session is one TCP connection that Asterisk opens for ``AGI(agi://host/flow)``:

1. Asterisk sends the environment, ``agi_name: value`` lines, then a blank line;
2. the script sends one command per line (``WAIT FOR DIGIT 5000``) and reads one reply:
   ``200 result=50 (timeout)``, ``510 Invalid or unknown command``, ``511 Command Not
   Permitted on a dead channel or intercept routine``, or the usage block ``520-Invalid
   command syntax.  Proper usage follows:`` ... ``520 End of proper usage.``;
3. at any time Asterisk may send ``HANGUP`` on a line of its own: the caller has gone.

``AgiProtocol`` follows the websockets pattern (``receive_data`` / ``events_received`` /
``send_command`` / ``data_to_send`` / ``receive_eof``); ``agi_server`` is the asyncio side.
What the peer sends never raises: an environment line that is not ``agi_<name>: value`` (or
one that is too long, or too many of them) is reported as an ``AgiViolation`` and the session
is ``failed``; a stray reply later on is reported and skipped.

Why not pyst2's ``asterisk.agi.AGI``: it reads the environment in its constructor with
blocking ``readline()`` on file objects, installs a process-wide SIGHUP handler (which only
the main thread may do), writes every line to stderr, and its ``fastagi`` module imports the
Python 2 ``SocketServer``. None of that fits an asyncio server. Its reply parsing does fit:
the ``key=value (data)`` grammar of a ``200`` reply is parsed with pyst2's own expression.

Errors, each also a ``TelephonyError``::

    AgiError
    ├── AgiProtocolError     the API was misused (two commands at once, CR/LF in a command)
    ├── AgiHangup            the caller hung up (HANGUP, EOF, result -1 of a channel command)
    │   └── AgiDeadChannel   511: the channel is dead (also an AgiCommandError)
    └── AgiCommandError      Asterisk refused or failed the command
        ├── AgiDeadChannel       511 (also an AgiHangup)
        ├── AgiInvalidCommand    510
        ├── AgiUsageError        520, with the usage text
        └── AgiCommandFailed     200 with a failure result (a missing sound file, say)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from asterisk.agi import re_kv as PYST2_RESULT_FIELDS  # pyst2's "key=value (data)" grammar

from cti.telephony.errors import TelephonyError

AGI_PORT = 4573


class AgiError(TelephonyError):
    status = 502
    error_id = "agi-error"


class AgiProtocolError(AgiError):
    status = 500
    error_id = "agi-protocol-error"


class AgiHangup(AgiError):
    status = 410
    error_id = "caller-hung-up"


class AgiCommandError(AgiError):
    error_id = "agi-command-refused"

    def __init__(self, message: str, *, code: int = 0, usage: str = "") -> None:
        super().__init__(message, details={"code": code})
        self.code = code
        self.usage = usage


class AgiDeadChannel(AgiCommandError, AgiHangup):
    error_id = "agi-dead-channel"


class AgiInvalidCommand(AgiCommandError):
    error_id = "agi-invalid-command"


class AgiUsageError(AgiCommandError):
    error_id = "agi-usage-error"


class AgiCommandFailed(AgiCommandError):
    error_id = "agi-command-failed"


@dataclass(frozen=True, slots=True)
class AgiEnvironment:
    """The ``agi_*`` lines, names without the ``agi_`` prefix, in the order received."""

    variables: tuple[tuple[str, str], ...]

    def get(self, name: str, default: str | None = None) -> str | None:
        wanted = name.removeprefix("agi_")
        return next((value for key, value in self.variables if key == wanted), default)

    @property
    def network_script(self) -> str:
        """``main-menu?lang=fr`` for ``agi://host:4573/main-menu?lang=fr``."""
        script = self.get("network_script")
        if script is None:
            request = self.get("request", "") or ""
            script = request.split("://", 1)[-1].partition("/")[2]
        return script

    @property
    def flow(self) -> str:
        """The route: the script's path without its query, leading and trailing slashes."""
        return self.network_script.partition("?")[0].strip("/")

    @property
    def uniqueid(self) -> str | None:
        return self.get("uniqueid")

    @property
    def channel(self) -> str | None:
        return self.get("channel")

    @property
    def caller_number(self) -> str | None:
        number = self.get("callerid")
        return None if number in (None, "", "unknown") else number

    @property
    def arguments(self) -> tuple[str, ...]:
        """``agi_arg_1``, ``agi_arg_2``, ...: what followed the URL in ``AGI(url,a,b)``."""
        args = {int(key[4:]): value for key, value in self.variables if _ARG.fullmatch(key)}
        return tuple(args[n] for n in sorted(args))


@dataclass(frozen=True, slots=True)
class AgiResult:
    """One reply. ``result``/``data``/``extras`` come from ``200 result=1 (data) endpos=8``;
    ``message`` is the text after any other code (the usage text for 520)."""

    code: int
    result: str = ""
    data: str | None = None
    extras: tuple[tuple[str, str], ...] = ()
    message: str = ""


@dataclass(frozen=True, slots=True)
class HangupNotice:
    """``HANGUP``: Asterisk says the caller has gone."""


ViolationReason = Literal["bad-environment", "line-too-long", "environment-too-large", "bad-reply"]


@dataclass(frozen=True, slots=True)
class AgiViolation:
    reason: ViolationReason
    raw: bytes
    detail: str = ""


AgiReceived = AgiEnvironment | AgiResult | HangupNotice | AgiViolation

_ENV_LINE = re.compile(r"agi_([a-z0-9_]+): ?(.*)")
_ARG = re.compile(r"arg_[0-9]+")
_REPLY = re.compile(r"([0-9]{3})([ -])(.*)")


class AgiProtocol:
    """The server side of one FastAGI connection. No sockets, no clock."""

    def __init__(self, *, max_line_length: int = 8192, max_environment_lines: int = 256) -> None:
        self.max_line_length = max_line_length
        self.max_environment_lines = max_environment_lines
        self.environment: AgiEnvironment | None = None
        self.failed = False  # the environment was malformed: close the connection
        self.eof = False
        self._env: list[tuple[str, str]] = []
        self._buffer = b""
        self._usage: list[str] | None = None
        self._pending = False
        self._received: list[AgiReceived] = []
        self._outgoing: list[bytes] = []

    @property
    def pending(self) -> bool:
        """A command was sent and its reply has not come back yet."""
        return self._pending

    def receive_data(self, data: bytes) -> None:
        if self.eof or self.failed:
            return
        self._buffer += data
        while not self.failed and (end := self._buffer.find(b"\n")) >= 0:
            line, self._buffer = self._buffer[:end], self._buffer[end + 1 :]
            self._line(line.removesuffix(b"\r"))
        if len(self._buffer) > self.max_line_length:
            self._violation("line-too-long", self._buffer[: self.max_line_length], "no newline")
            self._buffer = b""

    def receive_eof(self) -> None:
        self.eof = True

    def events_received(self) -> list[AgiReceived]:
        received, self._received = self._received, []
        return received

    def send_command(self, command: str) -> None:
        """Queue one command line; raises ``AgiProtocolError`` if it cannot be sent now."""
        if "\n" in command or "\r" in command:
            raise AgiProtocolError("CR or LF inside an AGI command would start another one")
        if self.environment is None or self.eof:
            raise AgiProtocolError("no AGI session: the environment is missing or it ended")
        if self._pending:
            raise AgiProtocolError("AGI runs one command at a time; one is still waiting")
        self._pending = True
        self._outgoing.append(command.strip().encode() + b"\n")

    def data_to_send(self) -> bytes:
        data = b"".join(self._outgoing)
        self._outgoing.clear()
        return data

    def _line(self, raw: bytes) -> None:
        if len(raw) > self.max_line_length:
            self._violation("line-too-long", raw[: self.max_line_length], "line too long")
        elif self.environment is None:
            self._environment_line(raw)
        else:
            self._reply_line(raw.decode("utf-8", "replace"))

    def _environment_line(self, raw: bytes) -> None:
        text = raw.decode("utf-8", "replace")
        if not text:
            self.environment = AgiEnvironment(tuple(self._env))
            self._received.append(self.environment)
        elif len(self._env) >= self.max_environment_lines:
            self._violation("environment-too-large", raw, f"over {self.max_environment_lines}")
        elif match := _ENV_LINE.fullmatch(text):
            self._env.append((match[1], match[2]))
        else:
            self._violation("bad-environment", raw, "expected 'agi_<name>: <value>'")

    def _reply_line(self, text: str) -> None:
        if self._usage is not None:
            if text.startswith("520 "):
                self._reply(AgiResult(520, message="\n".join(self._usage)))
            else:
                self._usage.append(text)
            return
        if text == "HANGUP":
            self._received.append(HangupNotice())
            return
        match = _REPLY.fullmatch(text)
        if match is None or not self._pending:
            reason = "not a reply" if match is None else "a reply to no command"
            self._violation("bad-reply", text.encode(), reason)
        elif match[1] == "520" and match[2] == "-":
            self._usage = []
        elif match[1] == "200":
            self._reply(_success(match[3]))
        else:
            self._reply(AgiResult(int(match[1]), message=match[3]))

    def _reply(self, result: AgiResult) -> None:
        self._pending = False
        self._usage = None
        self._received.append(result)

    def _violation(self, reason: ViolationReason, raw: bytes, detail: str) -> None:
        self._received.append(AgiViolation(reason, raw, detail))
        if self.environment is None:
            self.failed = True


def _success(text: str) -> AgiResult:
    fields = [(key, value, data) for key, value, data in PYST2_RESULT_FIELDS.findall(text)]
    result = next(((value, data) for key, value, data in fields if key == "result"), ("", ""))
    extras = tuple((key, value) for key, value, _ in fields if key != "result")
    return AgiResult(200, result[0], result[1] or None, extras, text)


def quote(argument: str) -> str:
    """One AGI argument, double-quoted, as Asterisk's ``parse_args`` reads it back."""
    escaped = argument.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
