"""The call log: one row per queue leg of each call, written idempotently.

``record`` is an upsert keyed by the leg's identity, ``leg_key``: the call id, the leg number
and the offer time, as reported. Replaying the same PBX events, a journal replayed after a
crash, or two components reporting the same leg leave one row. A different conversation on a
call id already logged (a call queued again after an IVR starts again at leg 0) never
replaces the first: it gets its own row, numbered after the call's last leg. Fields that are
None (or empty) in a later write keep what is stored, so a late report of a leg cannot erase
its wrap-up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from cti.clock import Clock
from cti.crm.errors import InvalidInteraction, NoSuchInteraction
from cti.crm.models import Customer, Interaction
from cti.crm.outbox import enqueue
from cti.telephony.events import Direction


@dataclass(frozen=True, slots=True)
class InteractionRecord:
    call_id: str
    leg: int
    direction: str
    offered_at: datetime
    caller_number: str | None = None
    dialled_number: str | None = None
    customer_id: int | None = None
    queue: str | None = None
    agent_login: str | None = None
    ringing_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    wait_seconds: float | None = None
    talk_seconds: float | None = None
    wrap_seconds: float | None = None
    outcome: str | None = None
    disposition: str | None = None
    notes: str | None = None
    follow_up: str | None = None
    ivr_data: tuple[tuple[str, str], ...] = ()
    rang_agents: tuple[str, ...] = ()


_COLUMNS = tuple(f.name for f in fields(InteractionRecord) if f.name not in ("ivr_data",))
_TIMES = ("offered_at", "ringing_at", "answered_at", "ended_at")
_DURATIONS = ("wait_seconds", "talk_seconds", "wrap_seconds")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
MAX_LEG = 1_000_000  # far beyond any real call; keeps the key and the column in range


def leg_key(rec: InteractionRecord) -> str:
    """The leg's identity: the same report gives the same key, another conversation another.
    The offer time, to the microsecond, tells two conversations on one call id apart."""
    offered = (rec.offered_at - _EPOCH) // _MICROSECOND
    return f"{rec.call_id}/{rec.leg}/{offered}"


class CallLog:
    def __init__(
        self, session_factory: sessionmaker[Session], *, write_back: Clock | None = None
    ) -> None:
        """With ``write_back`` (the clock that dates it), each wrap-up is also owed to the
        external CRM: a row in its outbox, in the wrap-up's transaction (``cti.crm.outbox``)."""
        self._sessions = session_factory
        self._write_back = write_back

    def record(self, rec: InteractionRecord) -> int:
        """Insert or update the leg ``leg_key(rec)``; returns its row id."""
        validate(rec)
        try:
            return self._upsert(rec)
        except IntegrityError:  # a concurrent writer inserted this leg, or this leg number
            return self._upsert(rec)

    def wrap_up(
        self,
        call_id: str,
        agent_login: str,
        disposition: str,
        notes: str | None,
        follow_up: str | None = None,
        wrap_seconds: float | None = None,
    ) -> int:
        """Put the agent's wrap-up on the latest leg of ``call_id`` that the agent handled."""
        validate_wrap_up(disposition, wrap_seconds)
        with self._sessions.begin() as session:
            row = _latest_leg(session, call_id, agent_login)
            row.disposition = disposition.strip()
            row.notes = notes
            row.follow_up = follow_up
            if wrap_seconds is not None:
                row.wrap_seconds = wrap_seconds
            if self._write_back is not None:
                session.flush()
                enqueue(session, row, datetime.fromtimestamp(self._write_back.now(), UTC))
            return row.id

    def get(self, call_id: str) -> list[InteractionRecord]:
        """Every leg of ``call_id``, first leg first."""
        query = select(Interaction).where(Interaction.call_id == call_id).order_by(Interaction.leg)
        with self._sessions() as session:
            return [to_record(row) for row in session.scalars(query)]

    def inbound_legs(
        self, since: datetime, until: datetime, queue: str | None = None
    ) -> list[InteractionRecord]:
        """Inbound queue legs offered in ``[since, until)`` (of ``queue`` if given), in offer
        order: the history a planner forecasts from."""
        query = (
            select(Interaction)
            .where(Interaction.direction == Direction.INBOUND, Interaction.queue.is_not(None))
            .where(Interaction.offered_at >= since, Interaction.offered_at < until)
            .order_by(Interaction.offered_at)
        )
        if queue is not None:
            query = query.where(Interaction.queue == queue)
        with self._sessions() as session:
            return [to_record(row) for row in session.scalars(query)]

    def _upsert(self, rec: InteractionRecord) -> int:
        with self._sessions.begin() as session:
            if rec.customer_id is not None and session.get(Customer, rec.customer_id) is None:
                raise InvalidInteraction("customer_id", f"no customer with id {rec.customer_id}")
            key = leg_key(rec)
            row = session.scalars(
                select(Interaction).where(Interaction.leg_key == key).with_for_update()
            ).one_or_none()
            if row is None:
                leg = _free_leg(session, rec.call_id, rec.leg)
                row = Interaction(leg_key=key, leg=leg, ivr_data={}, rang_agents=[])
                session.add(row)
            _merge(row, rec)
            session.flush()
            return row.id


def validate(rec: InteractionRecord) -> None:
    """Refuse a record the table would refuse, naming the field."""
    if not rec.call_id or len(rec.call_id) > 64:
        raise InvalidInteraction("call_id", "must be 1 to 64 characters")
    if not 0 <= rec.leg <= MAX_LEG:
        raise InvalidInteraction("leg", f"must be 0 to {MAX_LEG}")
    if rec.direction not in tuple(Direction):
        raise InvalidInteraction("direction", f"must be one of {', '.join(Direction)}")
    if rec.offered_at is None:
        raise InvalidInteraction("offered_at", "is required")
    for name in _TIMES:
        value = getattr(rec, name)
        if value is not None and value.tzinfo is None:
            raise InvalidInteraction(name, "must be timezone-aware")
    for name in _DURATIONS:
        _check_duration(name, getattr(rec, name))
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in rec.ivr_data):
        raise InvalidInteraction("ivr_data", "must be (name, value) pairs of strings")
    if not all(isinstance(login, str) for login in rec.rang_agents):
        raise InvalidInteraction("rang_agents", "must be agent logins")


def validate_wrap_up(disposition: str, wrap_seconds: float | None) -> None:
    """Refuse a wrap-up the table would refuse, naming the field."""
    if not disposition.strip() or len(disposition) > 64:
        raise InvalidInteraction("disposition", "must be 1 to 64 characters")
    _check_duration("wrap_seconds", wrap_seconds)


def to_record(row: Interaction) -> InteractionRecord:
    values = {name: getattr(row, name) for name in _COLUMNS}
    values["direction"] = Direction(row.direction)
    values["rang_agents"] = tuple(row.rang_agents)
    return InteractionRecord(**values, ivr_data=tuple(sorted(row.ivr_data.items())))


def record_values(rec: InteractionRecord) -> dict[str, Any]:
    """The row for ``rec``: enums as their plain values, JSON columns as dict and list."""
    values = {name: _plain(getattr(rec, name)) for name in _COLUMNS}
    values["rang_agents"] = list(rec.rang_agents)
    values["ivr_data"] = dict(rec.ivr_data)
    values["leg_key"] = leg_key(rec)
    return values


def _merge(row: Interaction, rec: InteractionRecord) -> None:
    """The report's fields onto the row; its identity and number stay as first written."""
    for name, value in record_values(rec).items():
        if name in ("leg", "leg_key"):
            continue
        if value is not None and value != [] and value != {}:
            setattr(row, name, value)


def _free_leg(session: Session, call_id: str, leg: int) -> int:
    """``leg`` if the call has no such leg yet, else the number after its last leg."""
    taken = select(Interaction.id).where(Interaction.call_id == call_id, Interaction.leg == leg)
    if session.scalar(taken) is None:
        return leg
    last = session.scalar(select(func.max(Interaction.leg)).where(Interaction.call_id == call_id))
    return (last or 0) + 1


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _latest_leg(session: Session, call_id: str, agent_login: str) -> Interaction:
    row = session.scalars(
        select(Interaction)
        .where(Interaction.call_id == call_id, Interaction.agent_login == agent_login)
        .order_by(Interaction.leg.desc())
        .limit(1)
        .with_for_update()
    ).first()
    if row is None:
        raise NoSuchInteraction(
            f"agent {agent_login} handled no leg of call {call_id}",
            details={"call_id": call_id, "agent_login": agent_login},
        )
    return row


def _check_duration(name: str, value: float | None) -> None:
    if value is not None and (not math.isfinite(value) or value < 0):
        raise InvalidInteraction(name, "must be a finite number of seconds, at least 0")
