"""The root of every error Switchboard shows a client.

Each feature package derives its own root from ``SwitchboardError``; an instance carries an
HTTP status, a stable kebab-case ``error_id`` and ``details``, which the CTI server turns into
``{"error_id": ..., "message": ..., "details": ...}``. Every class derived from it, each
package's root a leaf here (its branch is drawn in its own errors module)::

    SwitchboardError                              400 bad-request
    ├── cti.telephony.errors.TelephonyError       502 telephony-error
    ├── cti.crm.errors.CrmError                   400 crm-error
    ├── cti.auth.errors.AuthError                 401 auth-error
    ├── cti.auth.errors.InsecureSecret            500 insecure-jwt-secret
    ├── cti.audit.errors.AuditError               400 audit-error
    ├── acd.errors.AcdError                       400 acd-error
    ├── ivr.errors.IvrError                       400 ivr-error
    ├── wfm.errors.WfmError                       400 wfm-error
    ├── dialer.errors.DialerError                 400 dialer-error
    ├── cti.db.DatabaseUnavailable                503 database-unavailable
    ├── cti.db.UnstorableValue                    422 unstorable-value
    ├── cti.server.redis_bus.RedisUnavailable     503 redis-unavailable
    ├── cti.server.messages.InvalidMessage        400 invalid-message
    ├── cti.server.metrics.ScrapeRefused          401 scrape-refused
    ├── cti.asterisk.capture.BadCapture           400 bad-capture
    ├── cti.asterisk.config.BadAmiConfig          500 bad-ami-config
    └── cti.pbx.session.SessionFailed             502 pbx-session-failed

``tests/test_error_trees.py`` builds each tree from ``__subclasses__()`` and compares it with
the drawing, so a new error is drawn where it belongs or the tests fail.
"""

from __future__ import annotations

from typing import Any


class SwitchboardError(Exception):
    status: int = 400
    error_id: str = "bad-request"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        return {"error_id": self.error_id, "message": self.message, "details": self.details}
