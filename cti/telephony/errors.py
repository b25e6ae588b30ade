"""Telephony errors: a PBX refused or could not carry out a command::

    TelephonyError                              502 telephony-error
    ├── NoSuchCall                              404 no-such-call
    ├── CommandRefused                          409 command-refused
    │   ├── cti.asterisk.link.AmiActionFailed       the PBX answered Response: Error
    │   └── cti.asterisk.outbound.BadOutboundCommand   a campaign command Asterisk must not see
    ├── NotSupported                            501 not-supported-by-pbx
    ├── cti.asterisk.ami.errors.AmiError        502 ami-error
    └── cti.asterisk.agi.AgiError               502 agi-error

The Asterisk branches are drawn where they are defined.
"""

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
