"""CRM lookups run beside the call engine; each answer comes back to it as an event.

The engine asks (``ask``) when a call is offered and goes on; the lookup runs as a task, and
its answer is handed to the engine as ``CallerIdentified``, like any telephony event. The
engine itself owns no task, so a test waits for the answers (``delivered``), not for the
event loop to go round some number of times.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import structlog

from cti.calls.events import CallerIdentified
from cti.crm.cards import CallerLookup

log = structlog.get_logger(__name__)

LookupFn = Callable[[str | None], Coroutine[Any, Any, CallerLookup]]
Deliver = Callable[[CallerIdentified], None]


class CrmLookups:
    def __init__(self, lookup: LookupFn, deliver: Deliver) -> None:
        self._lookup = lookup
        self._deliver = deliver
        self._tasks: set[asyncio.Task[CallerLookup]] = set()
        self._handed: set[asyncio.Future[None]] = set()

    def ask(self, call_id: str, number: str | None) -> None:
        """Look ``number`` up; the answer reaches the engine as ``CallerIdentified``."""
        loop = asyncio.get_running_loop()
        task = loop.create_task(self._lookup(number))
        handed: asyncio.Future[None] = loop.create_future()
        self._tasks.add(task)
        self._handed.add(handed)
        task.add_done_callback(lambda done: self._answer(call_id, done, handed))

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
