"""``CaptureLink``: a recorded AMI capture played back as the adapter's link.

The adapter cannot tell it from the socket client: events come to ``on_event``, each login
awaits ``on_connected``, and ``execute()`` returns the answer Asterisk gave. ``play(line)``
moves the clock to the line's time and puts it on the link:

- ``recv`` bytes go, as captured, into the connection's ``AmiSession``; a ``disconnect`` line
  ends the connection (the next ``recv`` opens a new one), and the actions still waiting
  fail with ``AmiConnectionLost``, as live;
- each ``send`` line is registered with the session by its recorded ActionID, so the answer,
  EventList included, comes back whole. A successful ``Login`` connects the link;
- the adapter's own actions are matched to the capture's ``send`` lines of the connection,
  in order and by action name: the first one not yet claimed (already sent, as when the
  recording client sent ``CoreShowChannels`` and ``QueueStatus`` at once), else the next one
  sent. If the next one sent is another action, the capture holds no answer: the action
  fails with ``NotInCapture`` (a capture with no resync after its login gives the adapter's
  resync nothing). Sends no one claims were the recording client's own.

The capture's time is not the wall's: ``execute()`` has no timeout. What the adapter sent and
what it got back are kept in ``sent`` and ``answered``, the violations in ``violations``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence

import structlog

from cti.asterisk.ami import Action, ActionResult, ActionSpec, AmiError, AmiSession, Event
from cti.asterisk.ami.messages import BANNER_PREFIX, ProtocolViolation
from cti.asterisk.capture import CaptureLine, epoch_offset
from cti.asterisk.link import (
    AmiNotConnected,
    ConnectedCallback,
    EventCallback,
    LostCallback,
    checked,
    connection_lost,
    log_violation,
    notify_connected,
    notify_lost,
)
from cti.clock import ManualClock

log = structlog.get_logger(__name__)

_BANNER = BANNER_PREFIX.encode()
_PROBE = "capture-probe"  # the ActionID a builder is first called with, to learn its name


class NotInCapture(AmiError):
    status = 502
    error_id = "not-in-capture"


class _Claim:
    __slots__ = ("action", "future")

    def __init__(self, action: Action, future: asyncio.Future[ActionResult]) -> None:
        self.action = action
        self.future = future


class CaptureLink:
    def __init__(self, lines: Sequence[CaptureLine]) -> None:
        self.lines = lines
        self.offset = epoch_offset(lines)
        self.clock = ManualClock(self.offset + (lines[0].t if lines else 0.0))
        self.sent: list[Action] = []  # the adapter's actions, under the capture's ActionIDs
        self.answered: list[tuple[float, Action, ActionResult]] = []
        self.violations: list[ProtocolViolation] = []
        self.logins = 0
        self._on_event: EventCallback = _ignore
        self._on_connected: ConnectedCallback | None = None
        self._on_lost: LostCallback | None = None
        self._session: AmiSession | None = None
        self._connected = False
        self._login_id: str | None = None
        self._unclaimed: dict[str, str] = {}  # ActionID -> action name, sends no one claimed
        self._results: dict[str, ActionResult] = {}  # their answers, for a late claim
        self._claims: dict[str, _Claim] = {}  # ActionID -> the adapter's action awaiting it
        self._waiting: deque[_Claim] = deque()  # adapter actions awaiting the next send
        self._tasks: set[asyncio.Task[None]] = set()

    # The link

    @property
    def connected(self) -> bool:
        return self._connected

    def attach(
        self,
        on_event: EventCallback,
        on_connected: ConnectedCallback | None,
        on_lost: LostCallback | None = None,
    ) -> None:
        self._on_event, self._on_connected, self._on_lost = on_event, on_connected, on_lost

    async def start(self) -> None:
        return None  # the capture plays as ``play()`` is called

    async def stop(self) -> None:
        """The capture is over: what still waits fails, as on a closed connection."""
        self._close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def execute(self, action: ActionSpec, *, timeout: float | None = None) -> ActionResult:
        if not self._connected:
            name = action.name if isinstance(action, Action) else "the action"
            raise AmiNotConnected(f"{name} not sent: the capture is not logged in here")
        probe = action if isinstance(action, Action) else action(_PROBE)
        future: asyncio.Future[ActionResult] = asyncio.get_running_loop().create_future()
        claim = _Claim(probe, future)
        name = probe.name.lower()
        action_id = next((i for i, sent in self._unclaimed.items() if sent == name), None)
        if action_id is None:
            self._waiting.append(claim)
        else:
            del self._unclaimed[action_id]
            self._claim(claim, action_id)
            if (result := self._results.pop(action_id, None)) is not None:
                self._answer(claim, result)
        return checked(probe.name, await future)

    # Playing the capture

    def play(self, line: CaptureLine) -> None:
        """Put one capture line on the link, at its time."""
        self.clock.advance_to(self.offset + line.t)
        if line.direction == "recv":  # the hot path, inline
            data = line.raw.encode()
            session = self._session
            if session is None:
                banner = data.startswith(_BANNER)
                session = self._session = AmiSession("capture", expect_banner=banner)
            session.receive_data(data)
            self._drain(session)
        elif line.direction == "send":
            self._send(line.raw)
        elif line.direction == "disconnect":
            self._close()

    def _send(self, raw: str) -> None:
        session = self._session
        headers = dict(part.split(": ", 1) for part in raw.split("\r\n") if ": " in part)
        name, action_id = headers.get("Action", "").lower(), headers.get("ActionID")
        if session is None or not action_id or not session.expect(action_id):
            return  # on no connection, or with no ActionID to answer by
        if name == "login":
            self._login_id = action_id
        while self._waiting:
            claim = self._waiting.popleft()
            if claim.action.name.lower() == name:
                self._claim(claim, action_id)
                return
            message = (
                f"{claim.action.name}: the capture holds no answer to it here"
                f" (the recording client sent {headers.get('Action')} next)"
            )
            claim.future.set_exception(NotInCapture(message, details={"action": name}))
        self._unclaimed[action_id] = name

    def _claim(self, claim: _Claim, action_id: str) -> None:
        claim.action = Action(claim.action.name, action_id, claim.action.headers)
        self._claims[action_id] = claim
        self.sent.append(claim.action)

    def _drain(self, session: AmiSession) -> None:
        on_event = self._on_event
        for item in session.received():
            if type(item) is Event:
                try:
                    on_event(item)
                except Exception:  # as ``link.deliver``, inline: this is the hot path
                    log.exception("ami.event_handler_failed", ami_event=item.name)
            elif isinstance(item, ActionResult):
                self._result(item)
            elif isinstance(item, ProtocolViolation):
                self.violations.append(item)
                log_violation(item)

    def _result(self, result: ActionResult) -> None:
        action_id = result.action_id
        if action_id == self._login_id and result.ok:
            self._connected, self.logins = True, self.logins + 1
            task = asyncio.get_running_loop().create_task(notify_connected(self._on_connected))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        if (claim := self._claims.pop(action_id, None)) is not None:
            self._answer(claim, result)
        elif action_id in self._unclaimed:
            self._results[action_id] = result

    def _answer(self, claim: _Claim, result: ActionResult) -> None:
        self.answered.append((self.clock.now(), claim.action, result))
        if not claim.future.done():
            claim.future.set_result(result)

    def _close(self) -> None:
        was_up = self._connected
        if self._session is not None:
            self._session.receive_eof()
            self._drain(self._session)
            self._session.fail_all()
        self._session, self._connected, self._login_id = None, False, None
        for claim in [*self._claims.values(), *self._waiting]:
            if not claim.future.done():
                claim.future.set_exception(connection_lost(claim.action.name))
        self._claims.clear()
        self._waiting.clear()
        self._unclaimed.clear()
        self._results.clear()
        if was_up:
            notify_lost(self._on_lost)


def _ignore(event: Event) -> None:
    return None
