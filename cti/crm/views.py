"""The JSON views of a customer card and of a caller lookup (the screen-pop's customer)."""

from __future__ import annotations

import dataclasses
from typing import Any

from cti.crm.cards import CallerLookup, CustomerCard


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
