"""Provisioning errors (an invalid field is ``cti.crm.errors.InvalidAgent``)::

UsersError                 400 users-error
├── LastAdmin              409 last-admin            details: login
└── AlreadyInitialised     409 already-initialised   details: admins
"""

from __future__ import annotations

from cti.errors import SwitchboardError


class UsersError(SwitchboardError):
    status = 400
    error_id = "users-error"


class LastAdmin(UsersError):
    """Disabling or demoting the only enabled admin would lock everyone out."""

    status = 409
    error_id = "last-admin"


class AlreadyInitialised(UsersError):
    """``switchboard init`` found an admin already."""

    status = 409
    error_id = "already-initialised"
