"""Telephony errors: a PBX refused or could not carry out a command."""

from __future__ import annotations

from cti.errors import SwitchboardError


class TelephonyError(SwitchboardError):
    status = 502
    error_id = "telephony-error"


class NoSuchCall(TelephonyError):
    status = 404
    error_id = "no-such-call"


class CommandRefused(TelephonyError):
    status = 409
    error_id = "command-refused"


class NotSupported(TelephonyError):
    status = 501
    error_id = "not-supported-by-pbx"
