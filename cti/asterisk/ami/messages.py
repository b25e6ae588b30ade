"""What Asterisk sends on the Manager Interface, as typed values, and the text codec for it.

A message is ``Name: value`` lines ending in CRLF, closed by an empty line. The first line of
a connection is the banner ``Asterisk Call Manager/<version>`` (one line, no blank line).

How a line is read, as Asterisk's own ``astman_get_header`` reads it:

- the name is everything before the **first** colon, kept as spelled (lookups ignore case);
- the value is everything after it, less **one** space if one follows the colon (Asterisk
  writes exactly ``"%s: %s"``, so a value that itself starts with a space keeps it);
- lines are split on CRLF only; a stray CR or LF inside a line stays part of the value.

A message is an ``Event`` if its first header is ``Event``, a ``Response`` if it is
``Response``; failing both, the first ``Event`` header and then the first ``Response`` header
decide (what pyst2 and panoramisk do for Asterisk 1.4's headless replies). ``Event.headers``
holds every line but the ``Event`` one; ``Response.headers`` every line but ``Response`` and
the first ``ActionID`` and ``Message``, which become fields.

``Response: Follows`` (``Command`` on Asterisk 13 and older) carries raw CLI output, which
need not look like headers at all: its header lines are the leading lines that end in CRLF and
hold a colon (pyst2's rule); the rest, up to ``--END COMMAND--``, is ``output``, one string
per line. Asterisk 14 and later send ``Output:`` headers instead, read with
``headers.get_all("Output")``.

``serialize()`` writes the canonical form, so ``parse(serialize(m)) == m`` for every message
it accepts; it refuses CR or LF in any name or value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cti.asterisk.ami.errors import InvalidHeaderError, MalformedMessageError
from cti.asterisk.ami.headers import NO_HEADERS, Headers, Pair, check_value, encode_line

BANNER_PREFIX = "Asterisk Call Manager/"
END_COMMAND = "--END COMMAND--"

ViolationReason = Literal[
    "bad-banner",
    "missing-colon",
    "empty-name",
    "no-event-or-response",
    "invalid-utf8",
    "message-too-large",
    "line-too-long",
    "incomplete-message",
]


@dataclass(frozen=True, slots=True)
class Banner:
    """``Asterisk Call Manager/11.0.0``: the AMI protocol version, not Asterisk's."""

    version: str


@dataclass(frozen=True, slots=True)
class Event:
    name: str
    headers: Headers

    def get(self, name: str, default: str | None = None) -> str | None:
        # ``Headers.get`` inlined: the adapter calls this for most events it is handed.
        headers = self.headers
        index = headers._index
        if index is None:
            index = headers._lookup()
        return index.get(name.lower(), default)

    @property
    def action_id(self) -> str | None:
        """Set on the events of an EventList and on ``OriginateResponse``."""
        return self.headers.get("ActionID")


@dataclass(frozen=True, slots=True)
class Response:
    action_id: str | None
    status: str
    message: str | None = None
    headers: Headers = NO_HEADERS
    output: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status in ("Success", "Follows", "Goodbye")

    @property
    def starts_event_list(self) -> bool:
        """``EventList: start``: list events with this ActionID follow, then a ``…Complete``."""
        event_list = self.headers.get("EventList")
        return event_list is not None and event_list.lower() == "start"


@dataclass(frozen=True, slots=True)
class ProtocolViolation:
    """Bytes the peer sent that are not a well-formed message, reported and then skipped.

    ``raw`` is what was skipped, without the blank line that ended it, cut to the parser's
    ``max_message_size``. A message repaired rather than skipped (invalid UTF-8) is reported
    by a violation and then delivered too.
    """

    reason: ViolationReason
    raw: bytes
    detail: str = ""


Message = Banner | Response | Event
Received = Banner | Response | Event | ProtocolViolation


def parse_banner(line: str) -> Banner:
    if not line.startswith(BANNER_PREFIX):
        raise MalformedMessageError("bad-banner", f"expected {BANNER_PREFIX!r}, got {line[:80]!r}")
    return Banner(line[len(BANNER_PREFIX) :])


def parse_message(text: str) -> Event | Response:
    """One message's text without its closing blank line, e.g. ``"Event: Foo\\r\\nA: b"``.

    Raises ``MalformedMessageError`` with a ``ViolationReason`` as its ``reason``.
    """
    if text.startswith("Response: Follows\r\n"):
        return _parse_follows(text)
    return parse_lines(text)


def parse_lines(text: str) -> Event | Response:
    """``parse_message`` for any message but ``Response: Follows``: the hot path."""
    pairs: list[Pair] = []
    append = pairs.append
    for line in text.split("\r\n"):
        name, colon, value = line.partition(": ")
        if not colon or ":" in name:
            name, colon, value = line.partition(":")
            if not colon:
                raise MalformedMessageError("missing-colon", f"line {line[:80]!r} has no colon")
            if value[:1] == " ":
                value = value[1:]
        if not name:
            raise MalformedMessageError("empty-name", f"line {line[:80]!r} has no name")
        append((name, value))
    if pairs[0][0] == "Event":
        name = pairs[0][1]
        del pairs[0]
        return Event(name, Headers._trusted(tuple(pairs)))
    return _classify(pairs, ())


def _classify(pairs: list[Pair], output: tuple[str, ...]) -> Event | Response:
    kind, value = pairs.pop(_kind_at(pairs))
    if kind.lower() == "event":
        return Event(value, Headers._trusted(tuple(pairs)))
    action_id, message = _take(pairs, "actionid"), _take(pairs, "message")
    return Response(action_id, value, message, Headers._trusted(tuple(pairs)), output)


def _kind_at(pairs: list[Pair]) -> int:
    if pairs[0][0].lower() in ("event", "response"):
        return 0
    for kind in ("event", "response"):
        for at, (name, _) in enumerate(pairs):
            if name.lower() == kind:
                return at
    raise MalformedMessageError("no-event-or-response", "neither an Event nor a Response header")


def _take(pairs: list[Pair], wanted: str) -> str | None:
    for at, (name, value) in enumerate(pairs):
        if name.lower() == wanted:
            del pairs[at]
            return value
    return None


def _parse_follows(text: str) -> Event | Response:
    body = text.removesuffix(END_COMMAND)
    pairs: list[Pair] = []
    start = 0
    while (end := body.find("\n", start)) > start and body[end - 1] == "\r":
        name, colon, value = body[start : end - 1].partition(":")
        if not colon or not name:
            break
        pairs.append((name, value[1:] if value[:1] == " " else value))
        start = end + 1
    rest = body[start:]
    lines = [line.removesuffix("\r") for line in rest.split("\n")] if rest else []
    if rest.endswith("\n"):
        lines.pop()
    return _classify(pairs, tuple(lines))


def serialize(message: Message) -> bytes:
    """The bytes Asterisk would send for ``message``; refuses anything it cannot write."""
    if isinstance(message, Banner):
        check_value("version", message.version)
        return _encode(f"{BANNER_PREFIX}{message.version}\r\n")
    if isinstance(message, Event):
        lines = [encode_line("Event", message.name)]
    else:
        lines = _response_lines(message)
    lines.extend(encode_line(name, value) for name, value in message.headers)
    if isinstance(message, Response) and message.status == "Follows":
        for line in message.output:
            check_value("output", line)
        lines.append(_encode("".join(f"{line}\n" for line in message.output)))
        lines.append(f"{END_COMMAND}\r\n".encode())
    lines.append(b"\r\n")
    return b"".join(lines)


def _response_lines(response: Response) -> list[bytes]:
    lines = [encode_line("Response", response.status)]
    for name, value in (("ActionID", response.action_id), ("Message", response.message)):
        if value is not None:
            lines.append(encode_line(name, value))
        elif name in response.headers:
            raise InvalidHeaderError(f"{name} among the headers while the field is None")
    if response.output and response.status != "Follows":
        raise InvalidHeaderError("output is only sent with Response: Follows")
    return lines


def _encode(text: str) -> bytes:
    try:
        return text.encode()
    except UnicodeEncodeError as exc:
        raise InvalidHeaderError(f"not encodable as UTF-8: {exc.reason}") from None
