"""``AmiLink``: what ``AsteriskTelephony`` talks through, and how an action can fail on it.

Two links exist, both thin adapters around one ``AmiSession`` per connection:

- ``cti.asterisk.client.AmiClient``: the socket to a live Asterisk, reconnecting;
- ``cti.asterisk.capture_link.CaptureLink``: a recorded capture played back.

The adapter ``attach()``-es itself once: every event goes to ``on_event``; after each login
the link awaits ``on_connected`` (the adapter resyncs there); when a logged-in connection
goes down it calls ``on_lost`` at once (the adapter notes the moment: if the PBX turns out to
have restarted meanwhile, that is when its calls ended). ``execute()`` sends one action
and returns its ``ActionResult`` (EventLists included), or raises one of::

    AmiError
    ├── AmiActionFailed     Response: Error (also a CommandRefused), status from the Message
    ├── AmiActionTimeout    no response within the action timeout (504)
    ├── AmiLoginFailed      the PBX refused the credentials (502)
    └── AmiNotConnected     no logged-in connection: nothing was sent (503)
        └── AmiConnectionLost   sent, but the connection died before the answer
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

import structlog

from cti.asterisk.ami import ActionResult, ActionSpec, AmiError, Event, ProtocolViolation, Response
from cti.telephony.errors import CommandRefused

log = structlog.get_logger(__name__)

EventCallback = Callable[[Event], None]
ConnectedCallback = Callable[[], Awaitable[None]]
LostCallback = Callable[[], None]


class AmiLink(Protocol):
    @property
    def connected(self) -> bool: ...

    def attach(
        self,
        on_event: EventCallback,
        on_connected: ConnectedCallback | None,
        on_lost: LostCallback | None = None,
    ) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def execute(
        self, action: ActionSpec, *, timeout: float | None = None
    ) -> ActionResult: ...


class AmiActionFailed(AmiError, CommandRefused):
    """``Response: Error``: the PBX refused an action and said why in ``pbx_message``."""

    def __init__(self, action: str, response: Response) -> None:
        self.pbx_message = response.message or "no message"
        self.status, self.error_id = _classify(self.pbx_message)
        details = {"action": action, "pbx_message": self.pbx_message}
        super().__init__(f"{action} refused by the PBX: {self.pbx_message}", details=details)


class AmiActionTimeout(AmiError):
    status = 504
    error_id = "pbx-action-timeout"


class AmiLoginFailed(AmiError):
    error_id = "pbx-login-failed"


class AmiNotConnected(AmiError):
    status = 503
    error_id = "pbx-not-connected"


class AmiConnectionLost(AmiNotConnected):
    error_id = "pbx-connection-lost"


def checked(name: str, result: ActionResult) -> ActionResult:
    """``result`` if the PBX carried the action out; ``AmiActionFailed`` if it refused."""
    if not result.ok:
        raise AmiActionFailed(name, result.response)
    return result


def connection_lost(name: str) -> AmiConnectionLost:
    return AmiConnectionLost(
        f"{name} was sent but the PBX connection was lost before it answered;"
        " it may or may not have been carried out",
        details={"action": name},
    )


def deliver(on_event: EventCallback, event: Event) -> None:
    """Hand ``event`` to the adapter; a bug there costs this event, never the link."""
    try:
        on_event(event)
    except Exception:
        log.exception("ami.event_handler_failed", ami_event=event.name)


async def notify_connected(on_connected: ConnectedCallback | None) -> None:
    """Await the adapter's ``on_connected``; a failure costs the resync, never the link."""
    if on_connected is None:
        return
    try:
        await on_connected()
    except AmiError as exc:
        log.warning("ami.on_connected_failed", error=exc.message)
    except Exception:
        log.exception("ami.on_connected_crashed")


def notify_lost(on_lost: LostCallback | None) -> None:
    """Call the adapter's ``on_lost``; a bug there costs the note, never the link."""
    if on_lost is None:
        return
    try:
        on_lost()
    except Exception:
        log.exception("ami.on_lost_crashed")


def log_violation(violation: ProtocolViolation) -> None:
    log.warning(
        "ami.protocol_violation",
        reason=violation.reason,
        detail=violation.detail,
        size=len(violation.raw),
        excerpt=violation.raw[:120].decode("utf-8", "replace"),
    )


# What Asterisk's Message says -> (HTTP status, error_id); first match wins, default 409.
_REFUSALS = (
    ("no such queue", 404, "no-such-queue"),
    ("not there", 404, "not-a-queue-member"),
    ("interface not found", 404, "not-a-queue-member"),
    ("already there", 409, "already-a-queue-member"),
    ("no such channel", 404, "no-such-channel"),
    ("channel does not exist", 404, "no-such-channel"),
    ("extension does not exist", 404, "no-such-extension"),
    ("permission denied", 403, "pbx-permission-denied"),
    ("invalid/unknown command", 501, "pbx-unknown-action"),
)


def _classify(message: str) -> tuple[int, str]:
    lowered = message.lower()
    for needle, status, error_id in _REFUSALS:
        if needle in lowered:
            return status, error_id
    return 409, "pbx-refused-action"
