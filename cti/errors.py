"""The root of every error Switchboard shows a client.

Each feature package derives its own root from ``SwitchboardError``; an instance carries an
HTTP status, a stable kebab-case ``error_id`` and ``details``, which the CTI server turns into
``{"error_id": ..., "message": ..., "details": ...}``::

    SwitchboardError
    ├── cti.telephony.errors.TelephonyError
    ├── cti.crm.errors.CrmError
    ├── cti.auth.errors.AuthError
    ├── cti.db.DatabaseUnavailable   503 database-unavailable
    ├── cti.db.UnstorableValue       422 unstorable-value
    └── acd.errors.AcdError
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
