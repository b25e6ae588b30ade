"""The call-log writer: finished legs and wrap-ups go to the database in arrival order.

The engine hands legs over synchronously and never waits on the database; one task writes
them in order (a wrap-up always lands after the leg it annotates). A write that fails is
retried with backoff, so a database blip loses nothing that was accepted. A leg that still
cannot be written (the database is down for longer) goes to the spool, a JSON-lines file
(``SWITCHBOARD_CALL_LOG_SPOOL``); the spool is written to the database at the next start and
after the next leg that the database takes. Writing a leg twice is harmless (legs are upserted
by call id and leg number). A spool line that cannot be read is set aside in
``<spool>.rejected`` with its line number in the log, never dropped.
"""

from __future__ import annotations

import asyncio
import dataclasses
import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import structlog

from cti.calls.model import Call
from cti.crm.calllog import CallLog, InteractionRecord
from cti.crm.cards import CallerLookup
from cti.errors import SwitchboardError

log = structlog.get_logger(__name__)
#: A queued database job: the work, the future of an API call waiting for it (or None), and
#: what to do when it fails for good (spool the leg), if anything.
_Job = tuple[Callable[[], Any], "asyncio.Future[Any] | None", Callable[[], None] | None]

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


def spool_line(rec: InteractionRecord) -> bytes:
    return orjson.dumps(dataclasses.asdict(rec)) + b"\n"


def from_spool_line(line: bytes) -> InteractionRecord:
    """The record on one spool line; ``ValueError`` (or ``TypeError``) if it is not one."""
    data = orjson.loads(line)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    for name in ("offered_at", "ringing_at", "answered_at", "ended_at"):
        if data.get(name) is not None:
            data[name] = datetime.fromisoformat(data[name])
    data["ivr_data"] = tuple((str(k), str(v)) for k, v in data.get("ivr_data") or ())
    data["rang_agents"] = tuple(data.get("rang_agents") or ())
    return InteractionRecord(**data)


class CallLogWriter:
    def __init__(
        self,
        call_log: CallLog,
        spool: Path | None = None,
        delays: tuple[float, ...] = RETRY_DELAYS,
    ) -> None:
        self._log = call_log
        self._spool = spool
        self._delays = delays
        self._jobs: asyncio.Queue[_Job] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._spooled = spool is not None and spool.exists() and spool.stat().st_size > 0

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="call-log-writer")
        if self._spooled:
            self._jobs.put_nowait((self._replay_spool, None, None))

    async def stop(self) -> None:
        await self.drain()
        if self._task is not None:
            self._task.cancel()

    def leg_done(self, call: Call, lookup: CallerLookup | None) -> None:
        self.record(to_record(call, lookup))

    def record(self, record: InteractionRecord) -> None:
        """Queue one leg for the call log; to the spool if the database will not take it."""
        self._jobs.put_nowait(
            (lambda: self._write_leg(record), None, lambda: self._to_spool(record))
        )

    def _write_leg(self, record: InteractionRecord) -> int:
        row = self._log.record(record)
        if self._spooled:  # the database is back: the spool goes in after this leg
            self._jobs.put_nowait((self._replay_spool, None, None))
            self._spooled = False
        return row

    def _to_spool(self, record: InteractionRecord) -> None:
        if self._spool is None:
            log.error("call_log_leg_lost", call_id=record.call_id, leg=record.leg)
            return
        self._spool.parent.mkdir(parents=True, exist_ok=True)
        with self._locked(), self._spool.open("ab") as handle:
            handle.write(spool_line(record))
            handle.flush()
            os.fsync(handle.fileno())
        self._spooled = True
        log.error(
            "call_log_leg_spooled", call_id=record.call_id, leg=record.leg, spool=str(self._spool)
        )

    def _replay_spool(self) -> int:
        """Write the spooled legs; those that fail again stay, unreadable lines are set aside.
        Runs on the writer's thread, in order with everything else."""
        assert self._spool is not None
        if not self._spool.exists():
            return 0
        with self._locked():
            return self._replay_locked(self._spool)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """An exclusive lock beside the spool: processes sharing one spool file (several
        servers in one directory) never rewrite it under each other's appends."""
        assert self._spool is not None
        with self._spool.with_suffix(self._spool.suffix + ".lock").open("ab") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _replay_locked(self, spool: Path) -> int:
        lines = spool.read_bytes().splitlines()
        keep: list[bytes] = []
        rejected: list[bytes] = []
        written = 0
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            if keep:  # the database failed on an earlier line: do not wait on it per line
                keep.append(line)
                continue
            try:
                record = from_spool_line(line)
            except (ValueError, TypeError) as exc:
                log.error("call_log_spool_line_unreadable", spool=str(spool),
                          line=number, error=str(exc))  # fmt: skip
                rejected.append(line)
                continue
            try:
                self._log.record(record)
                written += 1
            except SwitchboardError as exc:  # the record itself is refused: never writable
                log.error("call_log_spool_line_refused", spool=str(spool),
                          line=number, error=exc.message)  # fmt: skip
                rejected.append(line)
            except Exception:  # the database is down again: keep the rest for later
                keep.append(line)
        if rejected:
            with spool.with_suffix(spool.suffix + ".rejected").open("ab") as handle:
                handle.write(b"".join(r + b"\n" for r in rejected))
        tmp = spool.with_suffix(spool.suffix + ".tmp")
        tmp.write_bytes(b"".join(k + b"\n" for k in keep))
        tmp.replace(spool)
        self._spooled = bool(keep)
        log.info("call_log_spool_replayed", written=written, kept=len(keep),
                 rejected=len(rejected))  # fmt: skip
        return written

    async def submit(self, job: Callable[[], Any]) -> Any:
        """Run ``job`` (a sync database call) after everything queued before it."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._jobs.put_nowait((job, future, None))
        return await future

    async def drain(self) -> None:
        await self._jobs.join()

    async def _run(self) -> None:
        while True:
            job, future, give_up = await self._jobs.get()
            try:
                result = await self._with_retries(job, future is None)
                if future is not None and not future.done():
                    future.set_result(result)
            except Exception as exc:  # handed to the waiting API call, or spooled
                if future is not None and not future.done():
                    future.set_exception(exc)
                if give_up is not None:
                    await self._spool_safely(give_up)
            finally:
                self._jobs.task_done()

    async def _spool_safely(self, give_up: Callable[[], None]) -> None:
        try:
            await asyncio.to_thread(give_up)
        except OSError as exc:  # the spool's disk failed too: say so loudly, keep serving
            log.critical("call_log_spool_failed", spool=str(self._spool), error=str(exc))

    async def _with_retries(self, job: Callable[[], Any], retry: bool) -> Any:
        delays = self._delays if retry else ()
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
