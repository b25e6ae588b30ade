"""Auth errors::

AuthError
├── InvalidCredentials   401 invalid-credentials
├── InvalidToken         401 invalid-token
└── Forbidden            403 forbidden
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
