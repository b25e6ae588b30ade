"""The write-back outbox: each wrap-up, with its times, goes back to the external CRM.

``enqueue`` adds a row to ``crm_outbox`` inside the wrap-up's own transaction (the call log
calls it), so a wrap-up saved is a write-back owed. ``OutboxSender`` sends the rows that are
due, oldest first; a failure (the CRM away, refusing, or its breaker open) keeps the row and
pushes its next attempt back (doubling from ``retry_seconds`` to ``max_retry_seconds``),
however many times it takes: a write-back is never dropped. The rows are in the database, so
what was owed before a restart is sent after it. A sent row keeps ``sent_at``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from cti.clock import Clock
from cti.crm.errors import CrmError
from cti.crm.models import CrmWriteBack, Customer, Interaction
from cti.crm.phones import normalise

log = structlog.get_logger(__name__)

BATCH = 50
Send = Callable[[Mapping[str, Any]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Pending:
    id: int
    payload: dict[str, Any]
    attempts: int


def enqueue(session: Session, row: Interaction, at: datetime) -> None:
    """Owe the CRM this interaction (in the caller's transaction)."""
    session.add(
        CrmWriteBack(
            interaction_id=row.id,
            payload=payload_of(session, row),
            created_at=at,
            attempts=0,
            next_attempt_at=at,
        )
    )


def payload_of(session: Session, row: Interaction) -> dict[str, Any]:
    """The keys a write-back map may use (``cti.crm.crm_maps``)."""
    number = row.caller_number if row.direction == "inbound" else row.dialled_number
    account = (
        session.scalar(select(Customer.account_number).where(Customer.id == row.customer_id))
        if row.customer_id is not None
        else None
    )
    talk = row.talk_seconds
    return {
        "call_id": row.call_id,
        "leg": row.leg,
        "direction": row.direction,
        "salesforce_call_type": "Inbound" if row.direction == "inbound" else "Outbound",
        "phone": normalise(number) or number,
        "account_number": account,
        "external_id": None,  # found again at send time, from the (cached) lookup
        "queue": row.queue,
        "agent": row.agent_login,
        "outcome": row.outcome,
        "disposition": row.disposition,
        "notes": row.notes,
        "follow_up": row.follow_up,
        "offered_at": _iso(row.offered_at),
        "answered_at": _iso(row.answered_at),
        "ended_at": _iso(row.ended_at),
        "ended_date": row.ended_at.date().isoformat() if row.ended_at else None,
        "wait_seconds": row.wait_seconds,
        "talk_seconds": talk,
        "talk_whole_seconds": round(talk) if talk is not None else None,
        "wrap_seconds": row.wrap_seconds,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class OutboxStore:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def due(self, now: datetime, limit: int = BATCH) -> list[Pending]:
        query = (
            select(CrmWriteBack)
            .where(CrmWriteBack.sent_at.is_(None), CrmWriteBack.next_attempt_at <= now)
            .order_by(CrmWriteBack.id)
            .limit(limit)
        )
        with self._sessions() as session:
            return [Pending(r.id, dict(r.payload), r.attempts) for r in session.scalars(query)]

    def sent(self, entry_id: int, at: datetime) -> None:
        with self._sessions.begin() as session:
            row = session.get(CrmWriteBack, entry_id)
            if row is not None:
                row.sent_at = at
                row.attempts += 1
                row.last_error = None

    def failed(self, entry_id: int, error: str, retry_at: datetime) -> None:
        with self._sessions.begin() as session:
            row = session.get(CrmWriteBack, entry_id)
            if row is not None:
                row.attempts += 1
                row.last_error = error[:1000]
                row.next_attempt_at = retry_at

    def waiting(self) -> int:
        """How many write-backs are owed (not yet taken by the CRM)."""
        query = select(func.count()).select_from(CrmWriteBack).where(CrmWriteBack.sent_at.is_(None))
        with self._sessions() as session:
            return int(session.scalar(query) or 0)


class OutboxSender:
    def __init__(
        self,
        store: OutboxStore,
        send: Send,
        clock: Clock,
        *,
        poll_seconds: float = 2.0,
        retry_seconds: float = 5.0,
        max_retry_seconds: float = 600.0,
    ) -> None:
        self.store = store
        self._send = send
        self._clock = clock
        self._poll = poll_seconds
        self._retry = retry_seconds
        self._max_retry = max_retry_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="crm-outbox")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.send_due()
            except Exception:  # the database away: the rows wait, the next round tries again
                log.exception("crm_outbox_round_failed")
            await asyncio.sleep(self._poll)

    async def send_due(self) -> int:
        """Try every write-back that is due; how many the CRM took."""
        taken = 0
        for entry in await asyncio.to_thread(self.store.due, self._now()):
            try:
                await self._send(entry.payload)
            except CrmError as exc:
                delay = min(self._max_retry, self._retry * 2 ** min(entry.attempts, 20))
                retry_at = self._now() + timedelta(seconds=delay)
                log.warning("crm_write_back_failed", entry=entry.id, attempt=entry.attempts + 1,
                            error=exc.message, retry_in=delay)  # fmt: skip
                await asyncio.to_thread(self.store.failed, entry.id, exc.message, retry_at)
                continue
            await asyncio.to_thread(self.store.sent, entry.id, self._now())
            log.info("crm_write_back_sent", entry=entry.id, call_id=entry.payload.get("call_id"))
            taken += 1
        return taken

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.now(), UTC)
