"""Dialer errors::

DialerError                 400 dialer-error
├── InvalidPacingSetting    422 invalid-pacing-setting
├── UnknownCall             409 unknown-dialer-call
├── UnknownAgent            409 unknown-dialer-agent
├── InvalidCampaign         422 invalid-campaign
├── NoSuchCampaign          404 no-such-campaign
├── CampaignExists          409 campaign-exists
├── CampaignStateConflict   409 campaign-state-conflict
├── InvalidLeadFile         422 invalid-lead-file
├── NoSuchLead              404 no-such-lead
├── NoSuchAttempt           404 no-such-attempt
├── NotYourAttempt          403 not-your-attempt
└── DialerUnavailable       503 dialer-unavailable

``InvalidPacingSetting`` names the setting and the value refused (``details``); the two
``Unknown*`` name the call or agent an event referred to that the pacer does not know.
``InvalidCampaign`` names the field and the reason (``details.errors``: "field: reason");
``InvalidLeadFile`` says why a whole file cannot be read (its encoding, a missing phone
column) with the file, row and field in ``details``; single bad rows are not errors but
refusals in the upload's report. ``DialerUnavailable``: the application built no dialer
(on Asterisk in observe mode app_queue picks the agents, and the people a campaign reaches
need Switchboard's ACD to reach one).
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


class InvalidCampaign(DialerError):
    status = 422
    error_id = "invalid-campaign"


class NoSuchCampaign(DialerError):
    status = 404
    error_id = "no-such-campaign"


class CampaignExists(DialerError):
    status = 409
    error_id = "campaign-exists"


class CampaignStateConflict(DialerError):
    status = 409
    error_id = "campaign-state-conflict"


class InvalidLeadFile(DialerError):
    status = 422
    error_id = "invalid-lead-file"


class NoSuchLead(DialerError):
    status = 404
    error_id = "no-such-lead"


class NoSuchAttempt(DialerError):
    status = 404
    error_id = "no-such-attempt"


class NotYourAttempt(DialerError):
    status = 403
    error_id = "not-your-attempt"


class DialerUnavailable(DialerError):
    status = 503
    error_id = "dialer-unavailable"
