"""The runtime's side of the database: reads awaited off the event loop, writes in order.

Every write goes through one queue, carried out one at a time in a worker thread, so an
attempt's rows land in the order its events happened and the event handlers never block
the loop. ``flush()`` waits until everything queued so far is written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from datetime import datetime
from functools import partial
from typing import Any

import structlog

from dialer.models import DialerAttempt, DialerLead, DncSource, LeadStatus
from dialer.service import CampaignService

log = structlog.get_logger(__name__)


class Store:
    def __init__(self, service: CampaignService) -> None:
        self.service = service
        self._queue: asyncio.Queue[Callable[[], None]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._work())

    async def stop(self) -> None:
        await self.flush()
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None

    async def _work(self) -> None:
        while True:
            job = await self._queue.get()
            try:
                await asyncio.to_thread(job)
            except Exception:  # a write that fails is logged; the runtime carries on
                log.exception("dialer.write_failed")
            finally:
                self._queue.task_done()

    async def flush(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._worker is not None:
            await self._queue.join()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- reads ----------------------------------------------------------------------
    async def due_leads(
        self,
        campaign_id: int,
        limit: int,
        skip: Iterable[int],
        *,
        shared_only: bool = False,
        own_of: Iterable[str] | None = None,
    ) -> list[DialerLead]:
        await self.flush()  # a lead's last status is written before it is looked at again
        return await asyncio.to_thread(
            partial(
                self.service.due_leads,
                shared_only=shared_only,
                own_of=None if own_of is None else list(own_of),
            ),
            campaign_id,
            limit,
            list(skip),
        )

    async def on_dnc(self, phones: list[str]) -> set[str]:
        return await asyncio.to_thread(self.service.on_dnc, phones)

    async def abandoned_since(self, phone: str, since: datetime) -> bool:
        await self.flush()
        return await asyncio.to_thread(self.service.abandoned_since, phone, since)

    # -- writes -----------------------------------------------------------------------
    def later(self, row: DialerAttempt) -> None:
        self._queue.put_nowait(lambda: self.service.record(row))
        self.start()

    def later_lead(self, lead_id: int, values: dict[str, Any]) -> None:
        self._queue.put_nowait(lambda: self.service.set_lead(lead_id, **values))
        self.start()

    def later_dnc_opt_out(self, phone: str, lead_id: int, at: float) -> None:
        """The callee pressed the opt-out digit: on the internal list, and never dialled again."""

        def write() -> None:
            self.service.dnc_add(
                [phone], DncSource.INTERNAL, "opted out during the safe-harbour message"
            )
            self.service.set_lead(lead_id, status=LeadStatus.OPTED_OUT.value, next_at=None)

        self._queue.put_nowait(write)
        self.start()

    async def record(self, row: DialerAttempt) -> None:
        self.later(row)
        await self.flush()

    async def set_lead(self, lead_id: int, **values: Any) -> None:
        self.later_lead(lead_id, values)
        await self.flush()
