"""Where the log-in throttle keeps its counts: Redis, or the database without it.

Both are atomic across processes: a Lua script in Redis (a key expires ``window`` seconds
after its last failure), ``INSERT ... ON CONFLICT DO UPDATE`` in PostgreSQL and SQLite.
"""

from __future__ import annotations

from typing import Any

import redis
from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from cti.auth.models import LoginFailure
from cti.auth.throttle import Failures

_NONE = Failures(0, 0.0)

_RECORD = """
for _, key in ipairs(KEYS) do
  redis.call('HINCRBY', key, 'count', 1)
  redis.call('HSET', key, 'last', ARGV[1])
  redis.call('EXPIRE', key, ARGV[2])
end
"""


class RedisThrottleStore:
    def __init__(self, url: str, *, prefix: str, window: int) -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=5)
        self._prefix = f"{prefix}login-failures:"
        self._window = window
        self._record = self._redis.register_script(_RECORD)

    def read(self, keys: list[str], since: float) -> list[Failures]:
        pipe = self._redis.pipeline(transaction=False)
        for key in keys:
            pipe.hmget(self._prefix + key, "count", "last")
        return [_failures(count, last, since) for count, last in pipe.execute()]

    def record(self, keys: list[str], now: float, since: float) -> None:
        self._record(keys=[self._prefix + key for key in keys], args=[repr(now), self._window])

    def clear(self, key: str) -> None:
        self._redis.delete(self._prefix + key)

    def close(self) -> None:
        self._redis.close()


def _failures(count: bytes | None, last: bytes | None, since: float) -> Failures:
    if count is None or last is None or float(last) <= since:
        return _NONE
    return Failures(int(count), float(last))


class DatabaseThrottleStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def read(self, keys: list[str], since: float) -> list[Failures]:
        query = select(LoginFailure).where(
            LoginFailure.key.in_(keys), LoginFailure.last_failure_at > since
        )
        with self._sessions() as session:
            rows = {
                row.key: Failures(row.failures, row.last_failure_at)
                for row in session.scalars(query)
            }
        return [rows.get(key, _NONE) for key in keys]

    def record(self, keys: list[str], now: float, since: float) -> None:
        with self._sessions.begin() as session:
            for key in sorted(keys):  # one order everywhere: no deadlock between processes
                session.execute(_upsert(session, key, now, since))
        with self._sessions.begin() as session:  # forget the keys gone quiet
            session.execute(delete(LoginFailure).where(LoginFailure.last_failure_at <= since))

    def clear(self, key: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(LoginFailure).where(LoginFailure.key == key))

    def close(self) -> None:
        """Nothing to close: the sessions belong to the server."""


def _upsert(session: Session, key: str, now: float, since: float) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(LoginFailure).values(key=key, failures=1, last_failure_at=now)
    restart = case((LoginFailure.last_failure_at <= since, 1), else_=LoginFailure.failures + 1)
    return insert.on_conflict_do_update(
        index_elements=[LoginFailure.key], set_={"failures": restart, "last_failure_at": now}
    )
