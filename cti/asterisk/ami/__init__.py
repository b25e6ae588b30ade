"""The Asterisk Manager Interface, sans-IO: bytes in, typed messages out, actions to bytes.

- ``protocol``: ``AmiProtocol`` (``receive_data`` / ``messages_received`` / ``send`` /
  ``data_to_send`` / ``receive_eof``) and ``parse()``;
- ``messages``: ``Banner``, ``Response``, ``Event``, ``ProtocolViolation``, ``serialize()``;
- ``headers``: ``Headers``, the ordered, case-insensitive multi-map they carry;
- ``actions`` and ``builders``: ``Action``, ``ActionIds`` and one constructor per action;
- ``correlation``: ``Correlator`` and ``ActionResult``, EventLists included;
- ``session``: ``AmiSession``, one connection's protocol, ActionIDs and correlator together,
  what every link (socket or capture) drives;
- ``errors``: the only exceptions that leave this package.

No module here imports asyncio or sockets; the adapter that owns the connection does.
"""

from cti.asterisk.ami import builders
from cti.asterisk.ami.actions import Action, ActionIds
from cti.asterisk.ami.correlation import ActionResult, Correlator
from cti.asterisk.ami.errors import (
    AmiError,
    AmiProtocolError,
    ConnectionClosedError,
    DuplicateActionIdError,
    HeaderInjectionError,
    InvalidActionError,
    InvalidHeaderError,
    MalformedMessageError,
    NotLoggedInError,
)
from cti.asterisk.ami.headers import Headers
from cti.asterisk.ami.messages import (
    Banner,
    Event,
    Message,
    ProtocolViolation,
    Received,
    Response,
    ViolationReason,
    serialize,
)
from cti.asterisk.ami.protocol import AmiProtocol, parse
from cti.asterisk.ami.session import ActionSpec, AmiSession

__all__ = [
    "Action",
    "ActionIds",
    "ActionResult",
    "ActionSpec",
    "AmiError",
    "AmiProtocol",
    "AmiProtocolError",
    "AmiSession",
    "Banner",
    "ConnectionClosedError",
    "Correlator",
    "DuplicateActionIdError",
    "Event",
    "HeaderInjectionError",
    "Headers",
    "InvalidActionError",
    "InvalidHeaderError",
    "MalformedMessageError",
    "Message",
    "NotLoggedInError",
    "ProtocolViolation",
    "Received",
    "Response",
    "ViolationReason",
    "builders",
    "parse",
    "serialize",
]
