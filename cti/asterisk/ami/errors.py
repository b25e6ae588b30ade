"""Errors of the AMI wire core.

Only these exceptions leave ``cti.asterisk.ami``; anything else escaping it is a bug. The
links' own errors derive from ``AmiError`` too (drawn in ``cti.asterisk.link``)::

    cti.telephony.errors.TelephonyError
    └── AmiError
        ├── MalformedMessageError      bytes that are not one well-formed AMI message
        ├── cti.asterisk.capture_link.NotInCapture
        ├── cti.asterisk.link.AmiActionFailed
        ├── cti.asterisk.link.AmiActionTimeout
        ├── cti.asterisk.link.AmiLoginFailed
        ├── cti.asterisk.link.AmiNotConnected
        ├── cti.asterisk.outbound.BadDialerEvent
        └── AmiProtocolError           the sans-IO API was used wrongly
            ├── InvalidHeaderError     a header that cannot be put on the wire
            │   └── HeaderInjectionError   a CR or LF inside a name or value
            ├── InvalidActionError     a helper was given contradictory arguments
            ├── NotLoggedInError       an action other than Login/Challenge/Logoff before login
            ├── ConnectionClosedError  data or actions after EOF or after Logoff
            └── DuplicateActionIdError an ActionID registered twice with the Correlator

What the peer sends never raises: :class:`~cti.asterisk.ami.protocol.AmiProtocol` reports a
malformed message as a :class:`~cti.asterisk.ami.messages.ProtocolViolation` among the
received items and carries on with the next message. ``MalformedMessageError`` is raised only
by the one-shot helpers ``parse()`` and ``parse_message()``.

``InvalidHeaderError``, ``InvalidActionError`` and ``MalformedMessageError`` are also
``ValueError``: they are about a value, and callers validating input may catch them so.
"""

from __future__ import annotations

from cti.telephony.errors import TelephonyError


class AmiError(TelephonyError):
    status = 502
    error_id = "ami-error"


class MalformedMessageError(AmiError, ValueError):
    """Bytes that are not one well-formed message; ``reason`` is a ``ViolationReason``."""

    error_id = "malformed-ami-message"

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason, details={"reason": reason})
        self.reason = reason
        self.detail = detail


class AmiProtocolError(AmiError):
    status = 500
    error_id = "ami-protocol-error"


class InvalidHeaderError(AmiProtocolError, ValueError):
    """A header name or value that Asterisk would misread, so it is never sent."""

    status = 400
    error_id = "invalid-ami-header"


class HeaderInjectionError(InvalidHeaderError):
    """A CR or LF inside a header name or value: it would start a new header or action."""

    error_id = "ami-header-injection"


class InvalidActionError(AmiProtocolError, ValueError):
    status = 400
    error_id = "invalid-ami-action"


class NotLoggedInError(AmiProtocolError):
    status = 503
    error_id = "pbx-not-logged-in"


class ConnectionClosedError(AmiProtocolError):
    status = 503
    error_id = "pbx-connection-closed"


class DuplicateActionIdError(AmiProtocolError):
    error_id = "duplicate-action-id"
