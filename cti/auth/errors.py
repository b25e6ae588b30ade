"""Auth errors::

AuthError                401 auth-error
├── InvalidCredentials   401 invalid-credentials
├── InvalidToken         401 invalid-token
│   └── SessionRevoked   401 session-revoked (no such account, disabled, or revoked)
├── Forbidden            403 forbidden
└── TooManyAttempts      429 too-many-attempts (with ``retry_after`` seconds)
InsecureSecret           500 insecure-jwt-secret (at start-up, never to a client)
"""

from __future__ import annotations

from cti.errors import SwitchboardError


class AuthError(SwitchboardError):
    status = 401
    error_id = "auth-error"


class InvalidCredentials(AuthError):
    error_id = "invalid-credentials"


class InvalidToken(AuthError):
    error_id = "invalid-token"


class Forbidden(AuthError):
    status = 403
    error_id = "forbidden"


class SessionRevoked(InvalidToken):
    error_id = "session-revoked"


class TooManyAttempts(AuthError):
    status = 429
    error_id = "too-many-attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "too many failed log-ins; try again later",
            details={"retry_after": retry_after},
        )
        self.retry_after = retry_after


class InsecureSecret(SwitchboardError):
    """No usable JWT secret: the server must not start."""

    status = 500
    error_id = "insecure-jwt-secret"
