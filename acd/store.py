"""Where routing configuration and interval statistics live: the database.

Synchronous SQLAlchemy; the server calls it through ``asyncio.to_thread`` (configuration)
or the ordered call-log writer (intervals).
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from acd.config import QueueSpec
from acd.model import QueueConfig
from acd.models import Queue, QueueInterval, Skill
from acd.stats import Counters

COUNTER_FIELDS = tuple(Counters.__dataclass_fields__)


class RoutingStore:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def load_queues(self) -> list[QueueConfig]:
        with self._sessions() as session:
            return [_config(row) for row in session.scalars(select(Queue).order_by(Queue.name))]

    def save_queue(self, config: QueueConfig) -> None:
        """Create the queue, or replace the one with the same name."""
        with self._sessions.begin() as session:
            write_queue(session, config)

    def delete_queue(self, name: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(Queue).where(Queue.name == name))

    def skills(self) -> dict[str, str]:
        """The skill catalogue: name -> description."""
        with self._sessions() as session:
            return {s.name: s.description for s in session.scalars(select(Skill))}

    def save_skill(self, name: str, description: str) -> None:
        with self._sessions.begin() as session:
            session.merge(Skill(name=name, description=description))

    def delete_skill(self, name: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(Skill).where(Skill.name == name))

    def save_intervals(self, rows: list[tuple[str, int, Counters]]) -> int:
        with self._sessions.begin() as session:
            for queue, start, counters in rows:
                values = {f: getattr(counters, f) for f in COUNTER_FIELDS}
                session.merge(QueueInterval(queue=queue, start=start, **values))
        return len(rows)

    def intervals(self, queue: str, since: int, until: int) -> list[tuple[int, Counters]]:
        query = (
            select(QueueInterval)
            .where(QueueInterval.queue == queue)
            .where(QueueInterval.start >= since, QueueInterval.start < until)
            .order_by(QueueInterval.start)
        )
        with self._sessions() as session:
            return [
                (row.start, Counters(**{f: getattr(row, f) for f in COUNTER_FIELDS}))
                for row in session.scalars(query)
            ]


def write_queue(session: Session, config: QueueConfig) -> None:
    """Create or update ``config``'s row inside ``session`` (the demo seed's transaction too)."""
    row = session.scalars(select(Queue).where(Queue.name == config.name)).one_or_none()
    if row is None:
        row = Queue(name=config.name)
        session.add(row)
    row.label = config.label or config.name
    row.required_skills = [skill for skill, _ in config.skills]
    row.service_level_seconds = max(1, round(config.service_level_seconds))
    row.wrapup_seconds = round(config.wrapup_seconds)
    row.routing = QueueSpec.from_config(config).model_dump(mode="json")


def _config(row: Queue) -> QueueConfig:
    if row.routing:
        return QueueSpec.model_validate(row.routing).to_config(row.name)
    return QueueConfig(
        name=row.name,
        label=row.label,
        skills=tuple((skill, 1) for skill in row.required_skills),
        service_level_seconds=row.service_level_seconds,
        wrapup_seconds=row.wrapup_seconds,
    )
