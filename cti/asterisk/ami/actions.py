"""``Action``: a request to Asterisk, checked once when built and then sent as is.

Header values often come from API bodies (a caller name, a CRM id), so an action refuses at
construction, with a documented error, anything Asterisk would read differently from what was
meant:

- a CR or LF in a name or value (``HeaderInjectionError``): Asterisk ends a line at CRLF *or*
  at a bare LF, so either would smuggle in a header or a whole second action;
- a line longer than 1022 bytes: Asterisk reads action lines into a 1024-byte buffer (CRLF
  included) and drops a longer one (``InvalidHeaderError``);
- more than 128 lines: Asterisk keeps ``AST_MAX_MANHEADERS`` and ignores the rest silently;
- ``Action`` or ``ActionID`` among the headers: those are fields, so there is only one of each.

``repr()`` of an action hides the value of ``Secret``, so a logged Login leaks nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from cti.asterisk.ami.errors import InvalidHeaderError
from cti.asterisk.ami.headers import NO_HEADERS, Headers, check_value, encode_line

MAX_LINE_BYTES = 1022
MAX_LINES = 128
_RESERVED = frozenset({"action", "actionid"})
_HIDDEN = frozenset({"secret", "key"})

_set = object.__setattr__


@dataclass(frozen=True, slots=True, repr=False)
class Action:
    name: str
    action_id: str | None = None
    headers: Headers = NO_HEADERS
    _wire: bytes = field(init=False, compare=False, default=b"")

    def __post_init__(self) -> None:
        if not isinstance(self.headers, Headers):
            _set(self, "headers", Headers(self.headers))
        lines = [encode_line("Action", self.name)]
        if not self.name.strip():
            raise InvalidHeaderError("an action needs a name")
        if self.action_id is not None:
            lines.append(encode_line("ActionID", self.action_id))
            if not self.action_id or self.action_id != self.action_id.strip():
                # Asterisk drops an empty ActionID and strips leading blanks: no echo to match.
                raise InvalidHeaderError(f"ActionID {self.action_id!r} would not come back as is")
        for name, value in self.headers:
            if name.lower() in _RESERVED:
                raise InvalidHeaderError(f"{name!r} is a field of Action, not a header")
            lines.append(encode_line(name, value))
        _check_sizes(self.name, lines)
        lines.append(b"\r\n")
        _set(self, "_wire", b"".join(lines))

    def to_bytes(self) -> bytes:
        """The action as sent: CRLF after each line and a blank line after the last."""
        return self._wire

    def __repr__(self) -> str:
        shown = [(k, "********" if k.lower() in _HIDDEN else v) for k, v in self.headers]
        return f"Action({self.name!r}, action_id={self.action_id!r}, headers={shown!r})"


def _check_sizes(action: str, lines: list[bytes]) -> None:
    if len(lines) > MAX_LINES:
        raise InvalidHeaderError(f"{action}: {len(lines)} lines; Asterisk keeps {MAX_LINES}")
    for line in lines:
        if len(line) - 2 > MAX_LINE_BYTES:
            name = line.split(b":", 1)[0].decode()
            raise InvalidHeaderError(
                f"{action}: header {name!r} is {len(line) - 2} bytes; Asterisk reads "
                f"{MAX_LINE_BYTES}",
                details={"header": name},
            )


class ActionIds(Iterator[str]):
    """``prefix-1``, ``prefix-2``, …: unique ActionIDs for one connection.

    Give each connection its own prefix (``sb-3`` for the third reconnect, say) so that a late
    response to an action sent on a dropped connection cannot complete a new one.
    """

    __slots__ = ("_next", "prefix")

    def __init__(self, prefix: str = "sb") -> None:
        check_value("prefix", prefix)
        self.prefix = prefix
        self._next = 1

    def __next__(self) -> str:
        number, self._next = self._next, self._next + 1
        return f"{self.prefix}-{number}"

    def __iter__(self) -> ActionIds:
        return self
