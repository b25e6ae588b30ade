"""The JSON views of a customer card and of a caller lookup (the screen-pop's customer)."""

from __future__ import annotations

import dataclasses
from typing import Any

from cti.crm.cards import CallerLookup, CustomerCard
from cti.crm.external import ExternalLookup


def card_view(card: CustomerCard) -> dict[str, Any]:
    view = dataclasses.asdict(card)
    view["phones"] = list(card.phones)
    view["customer_since"] = card.customer_since.isoformat() if card.customer_since else None
    view["recent"] = [
        {**dataclasses.asdict(i), "started_at": i.started_at.isoformat()} for i in card.recent
    ]
    return view


def lookup_view(lookup: CallerLookup | None) -> dict[str, Any]:
    if lookup is None:
        return {"status": "unavailable", "matches": [], "offer_create": False}
    matches = [card_view(c) for c in lookup.matches]
    if lookup.withheld:
        status = "withheld"
    elif not matches:
        status = "unknown"
    elif len(matches) > 1:
        status = "ambiguous"
    else:
        status = "known"
    return {
        "status": status,
        "number": lookup.number_e164 or lookup.number_raw,
        "withheld": lookup.withheld,
        "matches": matches,
        "offer_create": status in ("unknown", "withheld"),
    }


def external_view(crm: ExternalLookup | None) -> dict[str, Any] | None:
    """The external CRM's part of a pop (``None`` when no external CRM is configured)."""
    if crm is None:
        return None
    return {
        "status": crm.status,
        "number": crm.number,
        "reason": crm.reason,
        "cards": [dataclasses.asdict(card) for card in crm.cards],
    }
