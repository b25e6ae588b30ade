"""Writing and reading the audit log.

``record`` appends one entry (blocking: the database); ``write`` does it from the event loop
and never fails the caller: the action it describes has already happened, so an entry the
database cannot take is logged in full instead (``audit.unwritten``) for the log shipper to
keep. ``search`` reads entries newest first, filtered by user, action and time, a page at a
time (``before``: the last id of the previous page).
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

import structlog
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, sessionmaker

from cti.audit.errors import BadAuditQuery
from cti.audit.models import AuditRow
from cti.clock import Clock
from cti.db import OUTAGES, outage_reason

log = structlog.get_logger(__name__)

Outcome = Literal["ok", "refused", "failed"]
MAX_PAGE = 500
LOGIN = "auth.login"


def outcome_of(status: int) -> Outcome:
    if status < 400:
        return "ok"
    if status in (401, 403, 429):
        return "refused"
    return "failed"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What happened; ``at`` is filled in from the clock when recorded."""

    actor: str
    role: str | None
    action: str
    path: str
    status: int
    address: str
    target: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None
    id: int | None = None

    @property
    def outcome(self) -> Outcome:
        return outcome_of(self.status)


@dataclass(frozen=True, slots=True)
class AuditQuery:
    user: str | None = None
    action: str | None = None  # a part of the action's name, any case
    since: datetime | None = None
    until: datetime | None = None
    before: int | None = None  # the id after which the page starts (newest first)
    limit: int = 50

    def check(self) -> None:
        if not 1 <= self.limit <= MAX_PAGE:
            raise BadAuditQuery(
                f"limit: {self.limit} is not between 1 and {MAX_PAGE}", details={"field": "limit"}
            )
        for name, value in (("since", self.since), ("until", self.until)):
            if value is not None and value.tzinfo is None:
                raise BadAuditQuery(
                    f"{name}: {value.isoformat()} has no UTC offset (add Z or +01:00)",
                    details={"field": name},
                )
        if self.since and self.until and self.since > self.until:
            raise BadAuditQuery(
                f"since: {self.since.isoformat()} is after until {self.until.isoformat()}",
                details={"field": "since"},
            )


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[AuditEntry]
    next_before: int | None  # pass as ``before`` for the next (older) page; None: no more


class AuditLog:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    def record(self, entry: AuditEntry) -> AuditEntry:
        at = entry.at or datetime.fromtimestamp(self._clock.now(), UTC)
        values = {k: v for k, v in asdict(entry).items() if k not in ("id", "at")}
        row = AuditRow(**values, at=at, outcome=entry.outcome)
        with self._sessions.begin() as session:
            session.add(row)
            session.flush()
            return _entry(row)

    async def write(self, entry: AuditEntry) -> None:
        try:
            await asyncio.to_thread(self.record, _storable(entry))
        except OUTAGES as exc:
            log.error("audit.unwritten", reason=outage_reason(exc), **_loggable(entry))
        except Exception as exc:  # the action happened: its record must not turn it into a 500
            log.error("audit.unwritten", reason=repr(exc)[:300], **_loggable(entry))

    def search(self, query: AuditQuery) -> AuditPage:
        query.check()
        with self._sessions() as session:
            rows = session.scalars(_select(query).limit(query.limit + 1)).all()
            entries = [_entry(row) for row in rows[: query.limit]]
        more = len(rows) > query.limit
        return AuditPage(entries, entries[-1].id if more and entries else None)


def _select(query: AuditQuery) -> Select[AuditRow]:
    stmt = select(AuditRow).order_by(AuditRow.id.desc())
    if query.user:
        stmt = stmt.where(AuditRow.actor == query.user)
    if query.action:
        stmt = stmt.where(AuditRow.action.ilike(f"%{_escaped(query.action)}%", escape="\\"))
    if query.since:
        stmt = stmt.where(AuditRow.at >= query.since)
    if query.until:
        stmt = stmt.where(AuditRow.at <= query.until)
    if query.before is not None:
        stmt = stmt.where(AuditRow.id < query.before)
    return stmt


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        actor=row.actor,
        role=row.role,
        action=row.action,
        path=row.path,
        status=row.status,
        address=row.address,
        target=dict(row.target or {}),
        at=row.at,
        id=row.id,
    )


def _clean(text: str, size: int) -> str:
    """What any database stores: no NUL (PostgreSQL text refuses it), within the column."""
    return text.replace("\x00", "\ufffd")[:size]


def _storable(entry: AuditEntry) -> AuditEntry:
    return replace(
        entry,
        actor=_clean(entry.actor, 120),
        action=_clean(entry.action, 200),
        path=_clean(entry.path, 500),
        address=_clean(entry.address, 64),
        target={_clean(str(k), 100): _clean(str(v), 500) for k, v in entry.target.items()},
    )


def _loggable(entry: AuditEntry) -> dict[str, Any]:
    return {k: v for k, v in asdict(entry).items() if k not in ("id", "at")}
