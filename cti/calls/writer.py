"""The call-log writer: finished legs and wrap-ups go to the database in arrival order.

A finished leg is durable before the engine moves on: ``record`` appends it to the
write-ahead journal (``cti.calls.journal``, ``SWITCHBOARD_CALL_LOG_SPOOL``) and fsyncs it,
then one task writes it to the database and marks it done. A wrap-up is journalled the same
way before it is tried. A write that fails is retried briefly (a blip); if the database stays
away, the writer stops trying each new leg and keeps them in the journal (the backlog), trying
the oldest every ``retry_seconds`` until the database takes it, then the rest in order. At
start, whatever the journal holds that is not done (a crash, a ``kill -9``, a stop during an
outage) is written first. Writing a leg twice is harmless (legs are upserted by their
``leg_key``), so an entry whose ``done`` mark was lost is simply written again.

Work that needs no journal (statistics, API reads) goes through ``submit``, in the same order.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import structlog
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from cti.calls.journal import COMPACT_BYTES, Entry, Journal, WrapUp
from cti.calls.model import Call
from cti.crm.calllog import CallLog, InteractionRecord, leg_key, validate_wrap_up
from cti.crm.cards import CallerLookup
from cti.db import DatabaseUnavailable
from cti.errors import SwitchboardError

log = structlog.get_logger(__name__)

#: A blip: retried at once, in place. Longer outages wait in the journal.
RETRY_DELAYS = (0.1, 0.5, 2.0)
#: While the database is away, how often the oldest waiting entry is tried again.
RETRY_SECONDS = 5.0

Outcome = Literal["written", "refused", "unavailable"]


@dataclass(frozen=True, slots=True)
class _Job:
    work: Callable[[], Awaitable[Any]]
    future: asyncio.Future[Any] | None = None


def _no_observer(seconds: float) -> None:
    return None


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


def database_away(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is unreachable (try later), not that it refuses."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout | DatabaseUnavailable):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class CallLogWriter:
    def __init__(
        self,
        call_log: CallLog,
        journal: Path,
        *,
        delays: tuple[float, ...] = RETRY_DELAYS,
        retry_seconds: float = RETRY_SECONDS,
        compact_bytes: int = COMPACT_BYTES,
    ) -> None:
        self._log = call_log
        self._journal = Journal(journal, compact_bytes)
        self._delays = delays
        self._retry_seconds = retry_seconds
        self._jobs: asyncio.Queue[_Job] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._backlog: list[Entry] = []  # journalled, waiting for the database, oldest first
        self._retry: asyncio.TimerHandle | None = None
        self._stopped = False
        #: Told how long each successful database write of an entry took (``/metrics``).
        #: A duration on the monotonic counter, not a time of day: no clock to inject.
        self.on_write: Callable[[float], None] = _no_observer

    @property
    def backlog(self) -> int:
        """Journalled entries waiting for the database (0 when the call log is up to date)."""
        return len(self._backlog)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="call-log-writer")
        self._backlog = self._journal.recover()
        if self._backlog:
            self._jobs.put_nowait(_Job(self._catch_up))

    async def stop(self) -> None:
        await self.drain()
        if self._retry is not None:
            self._retry.cancel()
        if self._task is not None:
            self._task.cancel()
        self._stopped = True
        self._journal.close()

    def leg_done(self, call: Call, lookup: CallerLookup | None) -> None:
        self.record(to_record(call, lookup))

    def record(self, record: InteractionRecord) -> None:
        """Journal one finished leg (on disk when this returns), then write it in order."""
        entry = self._journalled(record)
        log.info("call_log_leg_journaled", call_id=record.call_id, leg=record.leg,
                 key=leg_key(record), entry=entry.entry_id)  # fmt: skip
        if self._stopped:  # a last event after the stop: the next start writes it
            self._journal.close()
            return
        self._jobs.put_nowait(_Job(lambda: self._write(entry)))

    async def wrap_up(self, wrap: WrapUp) -> int:
        """Journal the wrap-up, write it after everything before it; the row id it landed on.
        With the database away it stays journalled (written later) and this raises 503."""
        validate_wrap_up(wrap.disposition, wrap.wrap_seconds)
        entry = self._journalled(wrap)
        result: int = await self._submit_job(lambda: self._write_now(entry))
        return result

    async def submit(self, job: Callable[[], Any]) -> Any:
        """Run ``job`` (a sync database call) after everything queued before it."""
        return await self._submit_job(lambda: asyncio.to_thread(job))

    async def drain(self) -> None:
        await self._jobs.join()

    # -- the writer task ------------------------------------------------------------
    async def _submit_job(self, work: Callable[[], Awaitable[Any]]) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._jobs.put_nowait(_Job(work, future))
        return await future

    async def _run(self) -> None:
        while True:
            job = await self._jobs.get()
            try:
                result = await job.work()
                if job.future is not None and not job.future.done():
                    job.future.set_result(result)
            except Exception as exc:  # handed to the waiting API call
                if job.future is not None and not job.future.done():
                    job.future.set_exception(exc)
                else:
                    log.exception("call_log_writer_job_failed")
            finally:
                self._jobs.task_done()

    async def _write(self, entry: Entry) -> None:
        """A leg: written now, or kept in the backlog behind the older ones."""
        if self._backlog:
            self._backlog.append(entry)
            return
        for attempt, delay in enumerate((*self._delays, None)):
            outcome, _ = await self._attempt(entry, refusal_set_aside=True)
            if outcome != "unavailable":
                return
            if delay is None:
                self._wait_for_database(entry)
                return
            log.warning("call_log_write_retry", attempt=attempt + 1, entry=entry.entry_id)
            await asyncio.sleep(delay)

    async def _write_now(self, entry: Entry) -> int:
        """A wrap-up with an agent waiting: one try; the refusal goes back to the agent."""
        if self._backlog:
            self._backlog.append(entry)
            raise _kept(entry)
        outcome, result = await self._attempt(entry, refusal_set_aside=False)
        if outcome == "unavailable":
            self._wait_for_database(entry)
            raise _kept(entry)
        if outcome == "refused":
            raise result
        return int(result)

    async def _catch_up(self) -> None:
        """The backlog in order, until the database refuses to answer again."""
        self._retry = None
        while self._backlog:
            entry = self._backlog[0]
            outcome, _ = await self._attempt(entry, refusal_set_aside=True)
            if outcome == "unavailable":
                self._schedule_catch_up()
                return
            self._backlog.pop(0)
        log.info("call_log_caught_up")

    async def _attempt(self, entry: Entry, *, refusal_set_aside: bool) -> tuple[Outcome, Any]:
        started = time.perf_counter()
        try:
            row = await asyncio.to_thread(self._apply, entry)
        except Exception as exc:
            if database_away(exc):
                log.warning("call_log_database_away", entry=entry.entry_id, error=str(exc))
                return "unavailable", exc
            reason = exc.message if isinstance(exc, SwitchboardError) else repr(exc)
            if refusal_set_aside:
                await self._quietly(self._journal.reject, entry, reason)
            else:
                await self._quietly(self._journal.done, entry.entry_id)
            return "refused", exc
        self.on_write(time.perf_counter() - started)
        await self._quietly(self._journal.done, entry.entry_id)
        return "written", row

    def _apply(self, entry: Entry) -> int:
        item = entry.item
        if isinstance(item, InteractionRecord):
            return self._log.record(item)
        return self._log.wrap_up(item.call_id, item.agent_login, item.disposition, item.notes,
                                 item.follow_up, item.wrap_seconds)  # fmt: skip

    def _wait_for_database(self, entry: Entry) -> None:
        log.error("call_log_waiting_for_database", entry=entry.entry_id,
                  journal=str(self._journal.path))  # fmt: skip
        self._backlog.append(entry)
        self._schedule_catch_up()

    def _schedule_catch_up(self) -> None:
        if self._retry is None:
            loop = asyncio.get_running_loop()
            job = _Job(self._catch_up)
            self._retry = loop.call_later(self._retry_seconds, self._jobs.put_nowait, job)

    def _journalled(self, item: InteractionRecord | WrapUp) -> Entry:
        entry = Entry.new(item)
        try:
            self._journal.append(entry)
        except OSError as exc:  # the disk failed: say so loudly, still try the database
            log.critical("call_log_journal_failed", journal=str(self._journal.path),
                         entry=entry.entry_id, error=str(exc))  # fmt: skip
        return entry

    async def _quietly(self, mark: Callable[..., None], *args: Any) -> None:
        try:
            await asyncio.to_thread(mark, *args)
        except OSError as exc:  # the entry is written again at the next start: harmless
            log.critical("call_log_journal_failed", journal=str(self._journal.path),
                         error=str(exc))  # fmt: skip


def _kept(entry: Entry) -> DatabaseUnavailable:
    return DatabaseUnavailable(
        "the database is unavailable; the wrap-up is kept and will be written when it is back",
        details={"kept": True, "entry": entry.entry_id},
    )
