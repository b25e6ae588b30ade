"""The pops of campaign calls: the dialer's ``PopSink`` (``dialer.offers``), on the bus.

When a person answers, the customer is looked up in the CRM (by the lead's account if it has
one and the CRM knows it, else by the lead's number), so the answer is usually there when the
ACD chooses an agent a moment later; the pop then goes to that agent's topic with the lead,
the CRM record and the campaign's name and script. When the call ends, the desktop is told
(``call`` / ``ended``), as for an inbound call. The last pop of each agent on a campaign
call is kept, so a desktop that reconnects gets it again (``current``).

With an external CRM (``SWITCHBOARD_CRM=http``) it is asked for the lead's number at the same
moment, as for an inbound caller: the pop carries its answer if it came in time, else
"pending", and an ``enrich`` message follows when it answers (the kept pop is updated too).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import structlog

from cti.clock import Clock
from cti.crm.cards import CallerLookup, CustomerCard
from cti.crm.external import ExternalLookup, pending
from cti.server import payloads
from cti.server.bus import Bus
from cti.server.hub import agent_topic
from dialer.offers import LeadCard, OutboundOffer, PersonReached

log = structlog.get_logger(__name__)

ByNumber = Callable[[str | None], CallerLookup]
ByAccount = Callable[[str], CustomerCard | None]
Enrich = Callable[[str | None], Coroutine[Any, Any, ExternalLookup]]


class OutboundPops:
    def __init__(
        self,
        bus: Bus,
        clock: Clock,
        by_number: ByNumber,
        by_account: ByAccount,
        enrich: Enrich | None = None,
    ) -> None:
        self.bus = bus
        self.clock = clock
        self._by_number = by_number
        self._by_account = by_account
        self._enrich = enrich
        self._lookups: dict[str, asyncio.Task[CallerLookup | None]] = {}
        self._external: dict[str, asyncio.Task[ExternalLookup]] = {}
        self._current: dict[str, tuple[OutboundOffer, bytes]] = {}  # agent -> their pop
        self._sending: set[asyncio.Task[None]] = set()

    # -- PopSink --------------------------------------------------------------------
    def reached(self, person: PersonReached) -> None:
        self._lookup(person.attempt_id, person.lead)

    def offered(self, offer: OutboundOffer) -> None:
        lookup = self._lookup(offer.attempt_id, offer.lead)
        task = asyncio.get_running_loop().create_task(self._send(offer, lookup))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    def ended(self, attempt_id: str, agent_id: str | None, at: float) -> None:
        for asked in (self._lookups.pop(attempt_id, None), self._external.pop(attempt_id, None)):
            if asked is not None and not asked.done():
                asked.cancel()
        if agent_id is None:
            return
        held = self._current.get(agent_id)
        if held is None or held[0].attempt_id != attempt_id:
            return
        del self._current[agent_id]
        change = {"type": "call", "change": "ended", "call": payloads.outbound_call(held[0], at)}
        self.bus.publish(agent_topic(agent_id), payloads.encode(change))

    # -- for the desktop that reconnects --------------------------------------------
    def current(self, agent_id: str) -> tuple[dict[str, Any], bytes] | None:
        """The campaign call ``agent_id`` is on (as a call view) and its pop, if any."""
        held = self._current.get(agent_id)
        return None if held is None else (payloads.outbound_call(held[0]), held[1])

    async def delivered(self) -> None:
        """Wait until every pop asked for has gone out (for tests)."""
        while self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)

    # -- helpers ----------------------------------------------------------------------
    def _lookup(self, attempt_id: str, lead: LeadCard) -> Awaitable[CallerLookup | None]:
        task = self._lookups.get(attempt_id)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._find(lead))
            self._lookups[attempt_id] = task
            if self._enrich is not None:  # the connector never raises (its answer says why)
                asked = asyncio.get_running_loop().create_task(self._enrich(lead.phone))
                self._external[attempt_id] = asked
        return task

    async def _find(self, lead: LeadCard) -> CallerLookup | None:
        try:
            return await asyncio.to_thread(self._customer, lead)
        except Exception:  # the pop goes out without the record rather than not at all
            log.exception("dialer.pop_lookup_failed", lead=lead.lead_id)
            return None

    def _customer(self, lead: LeadCard) -> CallerLookup:
        if lead.account:
            card = self._by_account(lead.account)
            if card is not None:
                return CallerLookup(lead.phone, lead.phone, withheld=False, matches=(card,))
        return self._by_number(lead.phone)

    async def _send(self, offer: OutboundOffer, lookup: Awaitable[CallerLookup | None]) -> None:
        try:
            found = await lookup
        except asyncio.CancelledError:  # the call ended before the CRM answered
            return
        if offer.attempt_id not in self._lookups:
            return  # the call ended while the answer was on its way
        asked = self._external.get(offer.attempt_id)
        crm = (
            None if asked is None else asked.result() if asked.done() else pending(offer.lead.phone)
        )
        message = payloads.outbound_pop(offer, found, self.clock.now(), crm)
        self._current[offer.agent_id] = (offer, message)
        self.bus.publish(agent_topic(offer.agent_id), message)
        if asked is not None and not asked.done():
            await self._enriched(offer, found, asked)

    async def _enriched(
        self, offer: OutboundOffer, found: CallerLookup | None, asked: asyncio.Task[ExternalLookup]
    ) -> None:
        try:
            crm = await asked
        except asyncio.CancelledError:  # the call ended before the external CRM answered
            return
        held = self._current.get(offer.agent_id)
        if held is None or held[0].attempt_id != offer.attempt_id:
            return  # the call ended, or the agent is on another one
        now = self.clock.now()
        self._current[offer.agent_id] = (offer, payloads.outbound_pop(offer, found, now, crm))
        message = payloads.enriched_call(offer.attempt_id, crm, now)
        self.bus.publish(agent_topic(offer.agent_id), message)
