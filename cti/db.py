"""The one database: the declarative ``Base`` and column types every feature's tables use,
engines, sessions, schema migrations and a reachability check.

Each feature keeps its ORM models in its own package (``acd.models``, ``cti.crm.models``,
``cti.auth.models``, ``ivr.models``) on this module's ``Base``, so one metadata and one Alembic
history cover the schema; ``cti/migrations/env.py`` imports them all. This module imports no
feature.

SQLite (the default, a file under ``var/``) and PostgreSQL (through psycopg 3) are both
first-class. ``migrate`` runs the Alembic scripts that ship inside the package at
``cti/migrations``, so no ``alembic.ini`` is needed where the server runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    BigInteger,
    Connection,
    DateTime,
    Dialect,
    Engine,
    Integer,
    MetaData,
    create_engine,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

from cti.errors import SwitchboardError

MIGRATIONS = Path(__file__).with_name("migrations")
POSTGRES_CONNECT_TIMEOUT_SECONDS = 10
SQLITE_BUSY_TIMEOUT_MS = 5000
_SCHEMA_LOCK = 0x5B_0A2D  # any constant; pg_advisory_xact_lock key: migrations, demo seed

_POSTGRES_ALIASES = frozenset({"postgres", "postgresql"})
#: Drivers do not echo passwords; scrubbing is a belt-and-braces measure, and scrubbing a
#: very short one would mangle ordinary words ("x" in "exist").
_MIN_SCRUBBED_PASSWORD = 4
#: How long a client is told to wait (``Retry-After``) when the database is unavailable.
RETRY_AFTER_SECONDS = 5
#: What SQLAlchemy raises when the database cannot be used at all, as opposed to refusing
#: one statement: the server down or restarting, a dropped connection, the pool exhausted.
#: (SQLite's "database is locked" is an ``OperationalError`` too: also worth a retry.)
OUTAGES: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    DisconnectionError,
    PoolTimeout,
)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: JSON everywhere, JSONB on PostgreSQL.
JsonType = JSON().with_variant(JSONB(), "postgresql")
#: A 64-bit key on PostgreSQL; SQLite only auto-increments a plain INTEGER primary key.
BigKey = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware in Python, UTC in the database; naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


class Base(DeclarativeBase):
    """Every table's base: one metadata, with the constraint names the migrations use."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class DatabaseUnavailable(SwitchboardError):
    """The database could not be reached; ``message`` is one line, password masked."""

    status = 503
    error_id = "database-unavailable"


class UnstorableValue(SwitchboardError):
    """A value the database cannot store as given (a NUL in PostgreSQL text, a string longer
    than its column, a number out of its column's range): the request's fault, not an outage."""

    status = 422
    error_id = "unstorable-value"


def unstorable(exc: DataError) -> UnstorableValue:
    reason = short_reason(exc)
    return UnstorableValue(f"a value cannot be stored: {reason}", details={"reason": reason})


def database_unavailable() -> DatabaseUnavailable:
    """What a client is told about one of ``OUTAGES``: nothing of the server's address."""
    return DatabaseUnavailable(
        "the database is unavailable: try again shortly",
        details={"retry_after": RETRY_AFTER_SECONDS},
    )


def outage_reason(exc: Exception) -> str:
    """One line for the log: the driver's reason, or the pool's."""
    if isinstance(exc, DBAPIError):
        return short_reason(exc)
    text = str(exc).split("(Background on this error", 1)[0]
    return " ".join(text.split())[:300] or type(exc).__name__


def normalise_url(url: str | URL) -> URL:
    """Parse ``url``, sending bare ``postgresql://`` (and ``postgres://``) to psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in _POSTGRES_ALIASES:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def masked(url: str | URL) -> str:
    """The URL as it may be shown to a person: the password replaced by ``***``."""
    return normalise_url(url).render_as_string(hide_password=True)


def make_engine(url: str | URL) -> Engine:
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    if parsed.get_backend_name() == "postgresql":
        return _postgres_engine(parsed)
    return create_engine(parsed)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def migrate(engine_or_url: Engine | str | URL) -> None:
    """Bring the schema to the newest revision (Alembic ``upgrade head``)."""
    if isinstance(engine_or_url, Engine):
        _upgrade(engine_or_url)
        return
    engine = make_engine(engine_or_url)
    try:
        _upgrade(engine)
    finally:
        engine.dispose()


def schema_revisions(engine: Engine) -> tuple[str | None, str | None]:
    """``(the database's revision, the newest shipped)``; ``None`` for an empty database."""
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current, ScriptDirectory.from_config(alembic_config()).get_current_head()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def check_database(engine: Engine) -> None:
    """Raise ``DatabaseUnavailable`` unless a trivial query succeeds."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as exc:
        reason = short_reason(exc, engine.url.password)
        raise DatabaseUnavailable(
            f"cannot reach the database at {masked(engine.url)}: {reason}",
            details={"url": masked(engine.url), "reason": reason},
        ) from None


def short_reason(exc: DBAPIError, password: str | None = None) -> str:
    """The driver's own first line, never SQLAlchemy's SQL echo or its help link."""
    original = exc.orig if exc.orig is not None else exc
    lines = [" ".join(line.split()) for line in str(original).splitlines() if line.strip()]
    reason = lines[0] if lines else type(original).__name__
    if password and len(password) >= _MIN_SCRUBBED_PASSWORD:
        reason = reason.replace(password, "***")
    return reason


def take_schema_lock(connection: Connection) -> None:
    """Two servers starting at once on one database take turns to migrate it and to fill it
    (the demo seed): on PostgreSQL, wait for an advisory lock held to the end of the
    transaction. SQLite needs none: it has one writer at a time."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})


def _upgrade(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        take_schema_lock(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or url.query.get("mode") == "memory"
    if not in_memory:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    extra: dict[str, Any] = {"poolclass": StaticPool} if in_memory else {}
    engine = create_engine(url, connect_args={"check_same_thread": False}, **extra)
    event.listen(engine, "connect", _sqlite_pragmas(wal=not in_memory))
    return engine


def _sqlite_pragmas(*, wal: bool) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
        finally:
            cursor.close()

    return on_connect


def _postgres_engine(url: URL) -> Engine:
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_SECONDS
    return create_engine(url, connect_args=connect_args, pool_pre_ping=True)
