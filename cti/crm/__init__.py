"""Customers, the call log, and the agent/queue directory, over SQLAlchemy.

Services take a ``sessionmaker`` (see ``cti.db``) and return frozen dataclasses:

- ``CrmService``: caller and account lookup, customer cards, search, creation;
- ``CallLog``: idempotent per-leg interaction records and agent wrap-ups;
- ``Directory``: agent accounts, authentication and skills.
"""

from cti.crm.calllog import CallLog, InteractionRecord
from cti.crm.cards import RECENT_INTERACTIONS, CallerLookup, CustomerCard, InteractionSummary
from cti.crm.directory import AgentAccount, Directory
from cti.crm.errors import (
    CrmError,
    InvalidAgent,
    InvalidCustomer,
    InvalidInteraction,
    NoSuchAgent,
    NoSuchCustomer,
    NoSuchInteraction,
)
from cti.crm.models import Outcome, Tier
from cti.crm.phones import is_withheld, normalise
from cti.crm.service import CrmService, NewCustomer

__all__ = [
    "RECENT_INTERACTIONS",
    "AgentAccount",
    "CallLog",
    "CallerLookup",
    "CrmError",
    "CrmService",
    "CustomerCard",
    "Directory",
    "InteractionRecord",
    "InteractionSummary",
    "InvalidAgent",
    "InvalidCustomer",
    "InvalidInteraction",
    "NewCustomer",
    "NoSuchAgent",
    "NoSuchCustomer",
    "NoSuchInteraction",
    "Outcome",
    "Tier",
    "is_withheld",
    "normalise",
]
