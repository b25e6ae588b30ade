"""CRM lookups for ``crm_lookup`` nodes: the CRM's answer as ``CRM_*`` variables."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from cti.crm.cards import CustomerCard
from cti.crm.service import CrmService
from ivr.state import Looked, Lookup

LookupFn = Callable[[Lookup], Awaitable[Looked]]


def looked(crm: CrmService, action: Lookup) -> Looked:
    """Found means exactly one customer: a shared line that matches two is not verified."""
    if action.by == "caller":
        cards: tuple[CustomerCard, ...] = crm.lookup_caller(action.key).matches
    else:
        card = crm.lookup_account(action.key)
        cards = (card,) if card is not None else ()
    if len(cards) != 1:
        return Looked(False, (("CRM_MATCHES", str(len(cards))),))
    return Looked(True, card_variables(cards[0]))


def card_variables(card: CustomerCard) -> tuple[tuple[str, str], ...]:
    return (
        ("CRM_CUSTOMER_ID", str(card.id)),
        ("CRM_NAME", card.name),
        ("CRM_TIER", str(card.tier)),
        ("CRM_ACCOUNT", card.account_number or ""),
    )


def crm_lookups(crm: CrmService) -> LookupFn:
    async def lookup(action: Lookup) -> Looked:
        return await asyncio.to_thread(looked, crm, action)

    return lookup


async def nobody(action: Lookup) -> Looked:
    """For runs without a CRM: nobody is ever found."""
    return Looked(False)
