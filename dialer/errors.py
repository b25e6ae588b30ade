"""Dialer errors::

DialerError                 400 dialer-error
├── InvalidPacingSetting    422 invalid-pacing-setting
├── UnknownCall             409 unknown-dialer-call
└── UnknownAgent            409 unknown-dialer-agent

``InvalidPacingSetting`` names the setting and the value refused (``details``); the other two
name the call or agent an event referred to that the pacer does not know.
"""

from __future__ import annotations

from cti.errors import SwitchboardError


class DialerError(SwitchboardError):
    status = 400
    error_id = "dialer-error"


class InvalidPacingSetting(DialerError):
    status = 422
    error_id = "invalid-pacing-setting"


class UnknownCall(DialerError):
    status = 409
    error_id = "unknown-dialer-call"


class UnknownAgent(DialerError):
    status = 409
    error_id = "unknown-dialer-agent"
