"""What reaches the call engine besides telephony events."""

from __future__ import annotations

from dataclasses import dataclass

from cti.crm.cards import CallerLookup
from cti.crm.external import ExternalLookup


@dataclass(frozen=True, slots=True)
class CallerIdentified:
    """The CRM answered for the caller of ``call_id`` (``None``: the lookup failed)."""

    call_id: str
    lookup: CallerLookup | None


@dataclass(frozen=True, slots=True)
class CallerEnriched:
    """The external CRM answered for the caller of ``call_id`` (found, not found, or why it
    could not say: ``unavailable``, ``invalid``)."""

    call_id: str
    lookup: ExternalLookup
