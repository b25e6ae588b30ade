"""Flows, versions and IVR sessions in the database (synchronous; called through a thread)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ivr.driver import SessionRecord
from ivr.errors import NoSuchFlow, NoSuchFlowVersion
from ivr.models import IvrFlow, IvrFlowVersion, IvrSession


@dataclass(frozen=True, slots=True)
class StoredVersion:
    name: str
    version: int
    definition: dict[str, Any]
    valid: bool
    errors: tuple[str, ...]
    created_at: datetime
    created_by: str
    activated_at: datetime | None
    active: bool


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class FlowStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def add_version(
        self, name: str, definition: dict[str, Any], errors: list[str], by: str, at: float
    ) -> StoredVersion:
        try:
            return self._add_version(name, definition, errors, by, at)
        except IntegrityError:  # another server added this flow, or this version, just now
            return self._add_version(name, definition, errors, by, at)

    def _add_version(
        self, name: str, definition: dict[str, Any], errors: list[str], by: str, at: float
    ) -> StoredVersion:
        with self._sessions.begin() as session:
            flow = session.get(IvrFlow, name)
            if flow is None:
                flow = IvrFlow(name=name)
                session.add(flow)
                session.flush()
            latest = session.scalar(
                select(func.max(IvrFlowVersion.version)).where(IvrFlowVersion.name == name)
            )
            row = IvrFlowVersion(
                name=name,
                version=(latest or 0) + 1,
                definition=definition,
                valid=not errors,
                errors=list(errors),
                created_at=_at(at),
                created_by=by,
            )
            session.add(row)
            session.flush()
            return _stored(row, flow.active_version)

    def activate(self, name: str, version: int, at: float) -> StoredVersion:
        with self._sessions.begin() as session:
            flow, row = self._row(session, name, version)
            flow.active_version = version
            row.activated_at = _at(at)
            return _stored(row, version)

    def version(self, name: str, version: int) -> StoredVersion:
        with self._sessions() as session:
            flow, row = self._row(session, name, version)
            return _stored(row, flow.active_version)

    def versions(self, name: str) -> list[StoredVersion]:
        with self._sessions() as session:
            flow = session.get(IvrFlow, name)
            if flow is None:
                raise NoSuchFlow(f"no flow {name!r}", details={"flow": name})
            rows = session.scalars(
                select(IvrFlowVersion)
                .where(IvrFlowVersion.name == name)
                .order_by(IvrFlowVersion.version)
            )
            return [_stored(row, flow.active_version) for row in rows]

    def flows(self) -> list[tuple[str, int | None, int]]:
        """Every flow: name, active version, latest version."""
        with self._sessions() as session:
            rows = session.execute(
                select(IvrFlow.name, IvrFlow.active_version, func.max(IvrFlowVersion.version))
                .join(IvrFlowVersion, IvrFlowVersion.name == IvrFlow.name)
                .group_by(IvrFlow.name, IvrFlow.active_version)
                .order_by(IvrFlow.name)
            )
            return [(name, active, latest) for name, active, latest in rows]

    def active(self) -> list[StoredVersion]:
        with self._sessions() as session:
            rows = session.scalars(
                select(IvrFlowVersion)
                .join(IvrFlow, IvrFlow.name == IvrFlowVersion.name)
                .where(IvrFlow.active_version == IvrFlowVersion.version)
            )
            return [_stored(row, row.version) for row in rows]

    def record(self, rec: SessionRecord) -> None:
        with self._sessions.begin() as session:
            session.add(
                IvrSession(
                    call_id=rec.call_id,
                    flow=rec.flow,
                    version=rec.version,
                    started_at=_at(rec.started_at),
                    ended_at=_at(rec.ended_at),
                    seconds=max(0.0, rec.seconds),
                    outcome=rec.outcome,
                    target=rec.target,
                    last_node=rec.last_node[:140],
                    path=list(rec.path),
                    summary=rec.summary,
                )
            )

    def sessions_since(self, since: float) -> list[IvrSessionRow]:
        with self._sessions() as session:
            rows = session.scalars(select(IvrSession).where(IvrSession.started_at >= _at(since)))
            return [
                IvrSessionRow(r.flow, r.version, r.outcome, r.last_node, tuple(r.path), r.seconds)
                for r in rows
            ]

    @staticmethod
    def _row(session: Session, name: str, version: int) -> tuple[IvrFlow, IvrFlowVersion]:
        flow = session.get(IvrFlow, name)
        if flow is None:
            raise NoSuchFlow(f"no flow {name!r}", details={"flow": name})
        row = session.get(IvrFlowVersion, (name, version))
        if row is None:
            raise NoSuchFlowVersion(
                f"flow {name!r} has no version {version}",
                details={"flow": name, "version": version},
            )
        return flow, row


@dataclass(frozen=True, slots=True)
class IvrSessionRow:
    flow: str
    version: int
    outcome: str
    last_node: str
    path: tuple[str, ...]
    seconds: float


def _stored(row: IvrFlowVersion, active: int | None) -> StoredVersion:
    return StoredVersion(
        row.name,
        row.version,
        row.definition,
        row.valid,
        tuple(row.errors or ()),
        row.created_at,
        row.created_by,
        row.activated_at,
        row.version == active,
    )
