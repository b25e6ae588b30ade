"""The roles an account holds: the one definition the directory stores and auth ranks.

It sits at the bottom beside ``cti.clock`` and ``cti.errors`` because two domain cores need
it and neither may import the other: ``cti.crm`` stores an account's role (the ``agents.role``
column accepts exactly these values), and ``cti.auth`` ranks them agent < supervisor < admin.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
