"""``AmiProtocol``: the sans-IO AMI client. Bytes in, typed messages out; no sockets, no clock.

The adapter that owns the connection does, with one ``AmiProtocol`` per TCP connection::

    protocol.receive_data(chunk)          # any split: a byte, 4 KiB, half a message
    for item in protocol.messages_received(): ...
    protocol.send(builders.ping(next(ids)))
    sock.sendall(protocol.data_to_send())
    protocol.receive_eof()                # when the peer closes

What the peer sends never raises. Each thing on the wire that is not a well-formed message
becomes one ``ProtocolViolation`` among the received items, in stream order, and reading goes
on with the next message, so one bad event costs that event and nothing else:

- a line without a colon or with an empty name, or neither an ``Event`` nor a ``Response``
  header: the message is skipped (its bytes are in the violation);
- invalid UTF-8: reported, then the message is delivered with U+FFFD for each bad byte. AMI is
  UTF-8; "replace" keeps every string valid Unicode all the way to JSON and websockets, where
  "surrogateescape" would blow up far from here, and the violation keeps the original bytes.
  A latin-1 caller name must not cost the ``Hangup`` that carries it;
- a message longer than ``max_message_size`` (64 KiB): reported with its first
  ``max_message_size`` bytes, and everything up to its closing blank line is dropped as it
  arrives. The buffer never holds more than ``max_message_size`` + 3 bytes between calls,
  whatever the peer sends, blank line or not;
- a line longer than ``max_line_length`` (16 KiB): the message is skipped;
- bytes left at EOF that are not a whole message: reported as ``incomplete-message``.

A message ends at the first blank line, except ``Response: Follows``, which runs to
``--END COMMAND--`` and the blank line after it (CLI output may hold blank lines). The first
line of a connection must be the banner (``expect_banner=False`` for a stream without one).

The outcome never depends on how the bytes were split: a message is judged once whole (or,
when it outgrows ``max_message_size``, as soon as that is certain), and both give the same
violation with the same ``raw``.

Misusing the API raises ``AmiProtocolError`` subclasses: an action other than Login,
Challenge or Logoff before a Login succeeded (``NotLoggedInError``); data after
``receive_eof()`` or actions after EOF or Logoff (``ConnectionClosedError``).
"""

from __future__ import annotations

from enum import Enum
from typing import cast

from cti.asterisk.ami.actions import Action
from cti.asterisk.ami.errors import ConnectionClosedError, MalformedMessageError, NotLoggedInError
from cti.asterisk.ami.messages import (
    BANNER_PREFIX,
    END_COMMAND,
    Banner,
    Message,
    ProtocolViolation,
    Received,
    Response,
    ViolationReason,
    parse_banner,
    parse_lines,
    parse_message,
)

_BLANK = b"\r\n\r\n"
_FOLLOWS = b"Response: Follows\r\n"
_END_FOLLOWS = END_COMMAND.encode() + _BLANK
_UNAUTHENTICATED_OK = frozenset({"login", "challenge", "logoff"})
_TOO_LARGE = "longer than max_message_size"


class _Mode(Enum):
    BANNER = "banner"
    MESSAGES = "messages"
    DISCARD = "discard"


class AmiProtocol:
    def __init__(
        self,
        *,
        expect_banner: bool = True,
        max_message_size: int = 64 * 1024,
        max_line_length: int = 16 * 1024,
    ) -> None:
        """Raises ``ValueError`` for a limit under 64 bytes."""
        if min(max_message_size, max_line_length) < 64:
            raise ValueError("AMI limits below 64 bytes cannot hold a message")
        self.max_message_size = max_message_size
        self.max_line_length = max_line_length
        self.banner: Banner | None = None
        self.logged_in = False
        self.logged_off = False
        self.eof = False
        self._mode = _Mode.BANNER if expect_banner else _Mode.MESSAGES
        self._skip_to = _BLANK
        self._buffer = b""
        self._received: list[Received] = []
        self._outgoing: list[bytes] = []
        self._login_ids: set[str | None] = set()

    # Receiving

    def receive_data(self, data: bytes) -> None:
        if self.eof:
            raise ConnectionClosedError("receive_data() after receive_eof()")
        buffer = self._buffer + data if self._buffer else bytes(data)
        self._buffer = buffer[self._consume(buffer) :]

    def receive_eof(self) -> None:
        """The peer closed; a part message left over is reported, not silently dropped."""
        if self.eof:
            return
        self.eof = True
        leftover, self._buffer = self._buffer, b""
        if self._mode is not _Mode.DISCARD and leftover.strip(b"\r\n"):
            self._violation("incomplete-message", leftover, "the connection closed mid-message")

    @property
    def buffered_bytes(self) -> int:
        """Bytes held for a message not yet whole.

        At most ``max_message_size + 3`` (``max_line_length + 1`` while awaiting the banner).
        """
        return len(self._buffer)

    def messages_received(self) -> list[Received]:
        """Everything parsed since the last call, in stream order."""
        received, self._received = self._received, []
        return received

    def _consume(self, buffer: bytes) -> int:
        """Parse every whole message in ``buffer``; return how many bytes were used."""
        pos, size = 0, len(buffer)
        while pos < size:
            if self._mode is _Mode.MESSAGES:
                pos, waiting = self._read_messages(buffer, pos)
                if waiting:
                    break
            elif self._mode is _Mode.DISCARD:
                end = buffer.find(self._skip_to, pos)
                if end < 0:
                    return max(pos, size - len(self._skip_to) + 1)
                pos = end + len(self._skip_to)
                self._mode = _Mode.MESSAGES
            else:
                read = self._read_banner(buffer, pos)
                if read is None:
                    break
                pos = read
        return pos

    def _read_messages(self, buffer: bytes, pos: int) -> tuple[int, bool]:
        """Read messages from ``pos`` on: (where it stopped, whether for want of bytes).

        The hot path: plain messages under ``max_line_length`` are parsed inline; anything
        else (long, Follows, not UTF-8, malformed) goes through ``_message``, which reports.
        """
        size, limit = len(buffer), self.max_message_size
        longest = min(limit, self.max_line_length)  # anything longer may break a limit
        find, startswith, append = buffer.find, buffer.startswith, self._received.append
        while True:
            while startswith(b"\r\n", pos):
                pos += 2
            if startswith(_FOLLOWS, pos):
                marker, end = _END_FOLLOWS, find(_END_FOLLOWS, pos)
                blank = end + len(END_COMMAND) if end >= 0 else -1
            else:
                marker, blank = _BLANK, find(_BLANK, pos)
            if blank < 0:
                if size - pos - 3 > limit:  # no blank line can now end it within the limit
                    self._violation("message-too-large", buffer[pos : pos + limit], _TOO_LARGE)
                    self._discard(marker)
                    return pos, False
                return pos, True
            raw, pos = buffer[pos:blank], blank + 4
            if len(raw) > longest or marker is _END_FOLLOWS:
                self._message(raw)
                continue
            try:
                message = parse_lines(raw.decode())
            except (UnicodeDecodeError, MalformedMessageError):
                self._message(raw)
                continue
            append(message)
            if self._login_ids and type(message) is Response:
                self._on_login_response(message)

    def _read_banner(self, buffer: bytes, pos: int) -> int | None:
        """Read the first line: where reading goes on, or None to wait for more bytes."""
        end = buffer.find(b"\r\n", pos)
        longest = self.max_line_length
        if (end if end >= 0 else len(buffer) - 1) - pos > longest:
            self._violation("bad-banner", buffer[pos : pos + longest + 1], "first line too long")
            if end < 0:
                self._discard(b"\r\n")
                return pos
        elif end < 0:
            return None
        else:
            try:
                self.banner = parse_banner(buffer[pos:end].decode("utf-8", "replace"))
                self._received.append(self.banner)
            except MalformedMessageError as exc:
                self._violation("bad-banner", buffer[pos:end], exc.detail)
        self._mode = _Mode.MESSAGES
        return end + 2

    def _message(self, raw: bytes) -> None:
        """Parse one message the careful way, reporting whatever is wrong with it."""
        if len(raw) > self.max_message_size:
            self._violation("message-too-large", raw, _TOO_LARGE)
            return
        if len(raw) > self.max_line_length and max(map(len, raw.splitlines())) > (
            self.max_line_length
        ):
            self._violation("line-too-long", raw, f"a line over {self.max_line_length} bytes")
            return
        try:
            text = raw.decode()
        except UnicodeDecodeError as exc:
            self._violation("invalid-utf8", raw, f"{exc.reason} at byte {exc.start}")
            text = raw.decode("utf-8", "replace")
        try:
            message = parse_message(text)
        except MalformedMessageError as exc:
            self._violation(cast(ViolationReason, exc.reason), raw, exc.detail)
            return
        self._received.append(message)
        if self._login_ids and type(message) is Response:
            self._on_login_response(message)

    def _on_login_response(self, response: Response) -> None:
        if response.action_id in self._login_ids:
            self._login_ids.discard(response.action_id)
            self.logged_in = self.logged_in or response.status == "Success"

    def _discard(self, until: bytes) -> None:
        self._mode, self._skip_to = _Mode.DISCARD, until

    def _violation(self, reason: ViolationReason, raw: bytes, detail: str) -> None:
        raw = raw[: self.max_message_size]
        self._received.append(ProtocolViolation(reason, raw, detail))

    # Sending

    def send(self, action: Action) -> None:
        """Queue ``action`` for ``data_to_send()``."""
        if self.eof or self.logged_off:
            raise ConnectionClosedError(f"cannot send {action.name}: the connection is closing")
        name = action.name.lower()
        if not self.logged_in and name not in _UNAUTHENTICATED_OK:
            raise NotLoggedInError(f"cannot send {action.name} before Login succeeds")
        if name == "login":
            self._login_ids.add(action.action_id)
        elif name == "logoff":
            self.logged_off = True
        self._outgoing.append(action.to_bytes())

    def data_to_send(self) -> bytes:
        """Bytes to write to the socket, in order; empty when there is nothing."""
        data = b"".join(self._outgoing)
        self._outgoing.clear()
        return data


def parse(data: bytes) -> Message:
    """One whole message as ``serialize()`` writes it (a banner, a response or an event).

    Raises ``MalformedMessageError`` unless ``data`` is exactly one well-formed message.
    """
    protocol = AmiProtocol(expect_banner=data.startswith(BANNER_PREFIX.encode()))
    protocol.receive_data(data)
    protocol.receive_eof()
    received = protocol.messages_received()
    for item in received:
        if isinstance(item, ProtocolViolation):
            raise MalformedMessageError(item.reason, item.detail)
    if len(received) != 1 or isinstance(received[0], ProtocolViolation):
        raise MalformedMessageError("not-one-message", f"{len(received)} messages")
    return received[0]
