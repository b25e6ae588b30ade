"""The call-log writer: finished legs and wrap-ups go to the database in arrival order.

The engine hands legs over synchronously and never waits on the database; one task writes
them in order (a wrap-up always lands after the leg it annotates). A write that fails is
retried with backoff, so a database blip loses nothing that was accepted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import structlog

from cti.calls.model import Call
from cti.crm.calllog import CallLog, InteractionRecord
from cti.crm.cards import CallerLookup
from cti.errors import SwitchboardError

log = structlog.get_logger(__name__)

RETRY_DELAYS = (0.1, 0.5, 2.0, 5.0, 10.0)


def _dt(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def to_record(call: Call, lookup: CallerLookup | None) -> InteractionRecord:
    customer = lookup.matches[0].id if lookup and len(lookup.matches) == 1 else None
    return InteractionRecord(
        call_id=call.call_id,
        leg=call.leg,
        direction=call.direction.value,
        caller_number=call.caller_number,
        dialled_number=call.dialled,
        customer_id=customer,
        queue=call.queue,
        agent_login=call.agent_id if call.answered_at is not None else None,
        offered_at=datetime.fromtimestamp(call.offered_at, UTC),
        ringing_at=_dt(call.ringing_at),
        answered_at=_dt(call.answered_at),
        ended_at=_dt(call.ended_at),
        wait_seconds=call.wait_seconds,
        talk_seconds=call.talk_seconds,
        wrap_seconds=None,
        outcome=call.outcome.value if call.outcome else None,
        disposition=None,
        notes=None,
        follow_up=None,
        ivr_data=call.variables,
        rang_agents=call.rang_agents,
    )


class CallLogWriter:
    def __init__(self, call_log: CallLog) -> None:
        self._log = call_log
        self._jobs: asyncio.Queue[tuple[Callable[[], Any], asyncio.Future[Any] | None]] = (
            asyncio.Queue()
        )
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="call-log-writer")

    async def stop(self) -> None:
        await self.drain()
        if self._task is not None:
            self._task.cancel()

    def leg_done(self, call: Call, lookup: CallerLookup | None) -> None:
        record = to_record(call, lookup)
        self._jobs.put_nowait((lambda: self._log.record(record), None))

    async def submit(self, job: Callable[[], Any]) -> Any:
        """Run ``job`` (a sync database call) after everything queued before it."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._jobs.put_nowait((job, future))
        return await future

    async def drain(self) -> None:
        await self._jobs.join()

    async def _run(self) -> None:
        while True:
            job, future = await self._jobs.get()
            try:
                result = await self._with_retries(job, future is None)
                if future is not None and not future.done():
                    future.set_result(result)
            except Exception as exc:  # handed to the waiting API call
                if future is not None and not future.done():
                    future.set_exception(exc)
            finally:
                self._jobs.task_done()

    async def _with_retries(self, job: Callable[[], Any], retry: bool) -> Any:
        delays = RETRY_DELAYS if retry else ()
        for attempt, delay in enumerate((*delays, None)):
            try:
                return await asyncio.to_thread(job)
            except SwitchboardError:
                raise
            except Exception as exc:
                if delay is None:
                    log.error("call_log_write_failed", attempts=attempt + 1, error=str(exc))
                    raise
                log.warning("call_log_write_retry", attempt=attempt + 1, error=str(exc))
                await asyncio.sleep(delay)
        return None
