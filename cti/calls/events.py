"""What reaches the call engine besides telephony events."""

from __future__ import annotations

from dataclasses import dataclass

from cti.crm.cards import CallerLookup


@dataclass(frozen=True, slots=True)
class CallerIdentified:
    """The CRM answered for the caller of ``call_id`` (``None``: the lookup failed)."""

    call_id: str
    lookup: CallerLookup | None
