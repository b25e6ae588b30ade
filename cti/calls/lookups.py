"""CRM lookups run beside the call engine; each answer comes back to it as an event.

The engine asks (``ask``) when a call is offered and goes on; the lookup runs as a task, and
its answer is handed to the engine as ``CallerIdentified``, like any telephony event. With an
external CRM (``enrich``), a second lookup runs beside the first and its answer comes back
as ``CallerEnriched``, whenever it comes: the pop never waits for it. The
engine itself owns no task, so a test waits for the answers (``delivered``), not for the
event loop to go round some number of times.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import structlog

from cti.calls.events import CallerEnriched, CallerIdentified
from cti.crm.cards import CallerLookup
from cti.crm.external import ExternalLookup

log = structlog.get_logger(__name__)

LookupFn = Callable[[str | None], Coroutine[Any, Any, CallerLookup]]
EnrichFn = Callable[[str | None], Coroutine[Any, Any, ExternalLookup]]
Deliver = Callable[[CallerIdentified | CallerEnriched], None]


class CrmLookups:
    def __init__(self, lookup: LookupFn, deliver: Deliver, enrich: EnrichFn | None = None) -> None:
        self._lookup = lookup
        self._enrich = enrich
        self._deliver = deliver
        self._tasks: set[asyncio.Task[Any]] = set()
        self._handed: set[asyncio.Future[None]] = set()

    def ask(self, call_id: str, number: str | None) -> None:
        """Look ``number`` up; the answer reaches the engine as ``CallerIdentified`` (and the
        external CRM's as ``CallerEnriched``)."""
        loop = asyncio.get_running_loop()
        task = loop.create_task(self._lookup(number))
        handed: asyncio.Future[None] = loop.create_future()
        self._tasks.add(task)
        self._handed.add(handed)
        task.add_done_callback(lambda done: self._answer(call_id, done, handed))
        if self._enrich is not None:
            self._ask_external(call_id, number, self._enrich)

    def _ask_external(self, call_id: str, number: str | None, enrich: EnrichFn) -> None:
        loop = asyncio.get_running_loop()
        task = loop.create_task(enrich(number))
        handed: asyncio.Future[None] = loop.create_future()
        self._tasks.add(task)
        self._handed.add(handed)
        task.add_done_callback(lambda done: self._enriched(call_id, number, done, handed))

    def _enriched(
        self,
        call_id: str,
        number: str | None,
        task: asyncio.Task[ExternalLookup],
        handed: asyncio.Future[None],
    ) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            result = ExternalLookup("unavailable", number, reason="the lookup was cancelled")
        elif (error := task.exception()) is not None:
            log.warning("caller_enrichment_failed", call_id=call_id, error=repr(error))
            result = ExternalLookup("unavailable", number, reason=repr(error))
        else:
            result = task.result()
        try:
            self._deliver(CallerEnriched(call_id, result))
        finally:
            self._handed.discard(handed)
            handed.set_result(None)

    def _answer(
        self, call_id: str, task: asyncio.Task[CallerLookup], handed: asyncio.Future[None]
    ) -> None:
        self._tasks.discard(task)
        result: CallerLookup | None = None
        if task.cancelled():
            log.warning("caller_lookup_cancelled", call_id=call_id)
        elif (error := task.exception()) is not None:
            log.warning("caller_lookup_failed", call_id=call_id, error=repr(error))
        else:
            result = task.result()
        try:
            self._deliver(CallerIdentified(call_id, result))
        finally:
            self._handed.discard(handed)
            handed.set_result(None)

    async def delivered(self) -> None:
        """Wait until every answer asked for so far (and any asked for meanwhile) has been
        handed to the engine."""
        while self._handed:
            await asyncio.gather(*list(self._handed))
