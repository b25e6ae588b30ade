"""Real databases and a real Redis for the service tests.

- ``sqlite_url``: a fresh SQLite file per test.
- ``postgres_url``: a fresh, uniquely named database per test, on the server named by
  ``DATABASE_URL`` if set, else on a throwaway server started once per session from the
  ``initdb``/``pg_ctl`` on PATH (as an unprivileged account when we run as root, since
  PostgreSQL refuses root). Every database this session made is dropped at the end.
- ``db_url``: both of the above, so store tests run on each.
- ``session_factory``: ``db_url`` migrated to head, as a ``sessionmaker``.
- ``redis_url``: ``REDIS_URL`` if set, else a throwaway ``redis-server`` from PATH.

Without a server to use, a test is skipped with the reason; under ``CI=true`` it fails.
Tests that use ``postgres_url`` or ``redis_url`` get the ``postgres``/``redis`` marker.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

from cti.db import make_engine, make_session_factory, masked, migrate, normalise_url

_SESSION_TOKEN = uuid.uuid4().hex[:8]
_DATABASE_PREFIX = f"sb_test_{_SESSION_TOKEN}_"
_database_numbers = itertools.count(1)


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail under CI=true, where every integration test must really run."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true, so this is a failure)", pytrace=False)
    pytest.skip(reason)
    raise AssertionError("unreachable")  # pytest.skip raises; this satisfies NoReturn


#: Collected first, so that under pytest-xdist the files that wait longest (Asterisk's ring
#: times, Chromium) start first and the quick files fill the workers around them.
SLOW_FIRST = ("tests/live/", "tests/browser/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "postgres_url" in names or "postgres_server" in names:
            item.add_marker(pytest.mark.postgres)
        if "redis_url" in names:
            item.add_marker(pytest.mark.redis)
    items.sort(key=_slow_first)  # stable: each file's own order is kept


def _slow_first(item: pytest.Item) -> int:
    path = item.nodeid
    return next((i for i, prefix in enumerate(SLOW_FIRST) if path.startswith(prefix)), 9)


@pytest.fixture
def sqlite_url(tmp_path: os.PathLike[str]) -> str:
    return f"sqlite:///{os.fspath(tmp_path)}/switchboard.db"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[URL]:
    """A PostgreSQL server on which this session may create and drop databases."""
    configured = os.environ.get("DATABASE_URL")
    if configured:
        yield from _configured_postgres(normalise_url(configured))
        return
    if not (shutil.which("initdb") and shutil.which("pg_ctl")):
        unavailable("PostgreSQL: no DATABASE_URL and no initdb/pg_ctl on PATH")
    try:
        with throwaway_postgres() as url:
            yield url
    except ServerUnavailable as exc:
        unavailable(f"PostgreSQL: {exc}")


@pytest.fixture
def postgres_url(postgres_server: URL) -> Iterator[str]:
    name = f"{_DATABASE_PREFIX}{next(_database_numbers)}"
    _admin(postgres_server, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield postgres_server.set(database=name).render_as_string(hide_password=False)
    _drop(postgres_server, name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def session_factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    migrate(engine)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    configured = os.environ.get("REDIS_URL")
    if configured:
        if not redis_answers(configured):
            unavailable(f"Redis: REDIS_URL={configured} does not answer PING")
        yield configured
        return
    if not shutil.which("redis-server"):
        unavailable("Redis: no REDIS_URL and no redis-server on PATH")
    try:
        with throwaway_redis() as url:
            yield url
    except ServerUnavailable as exc:
        unavailable(f"Redis: {exc}")


def _configured_postgres(url: URL) -> Iterator[URL]:
    if url.get_backend_name() != "postgresql":
        unavailable(f"PostgreSQL: DATABASE_URL is not PostgreSQL ({masked(url)})")
    try:
        _admin(url, sql.SQL("SELECT 1"))
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split())  # one line, however chatty libpq is
        unavailable(f"PostgreSQL: cannot reach DATABASE_URL {masked(url)}: {reason}")
    try:
        yield url
    finally:
        _drop_leftovers(url)


def _admin(server: URL, statement: sql.SQL | sql.Composed) -> list[tuple[object, ...]]:
    """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
    conninfo = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as connection:
        cursor = connection.execute(statement)
        return cursor.fetchall() if cursor.description else []


def _drop(server: URL, name: str) -> None:
    _admin(server, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _drop_leftovers(server: URL) -> None:
    rows = _admin(
        server,
        sql.SQL("SELECT datname FROM pg_database WHERE starts_with(datname, {})").format(
            sql.Literal(_DATABASE_PREFIX)
        ),
    )
    for (name,) in rows:
        _drop(server, str(name))


# --- throwaway servers -------------------------------------------------------------------


class ServerUnavailable(Exception):
    """A throwaway server could not be started; the message says why, in one line."""


@contextmanager
def throwaway_postgres() -> Iterator[URL]:
    """A private PostgreSQL cluster in a temporary folder, trust auth, on a free port."""
    base = Path(tempfile.mkdtemp(prefix="switchboard-pg-", dir=scratch_dir()))
    account = postgres_account()
    if account is not None:
        os.chown(base, account.pw_uid, account.pw_gid)
    port, data = free_port(), base / "data"
    options = (
        f"-p {port} -k {base} -c listen_addresses=127.0.0.1"
        " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    # fmt: off
    initdb = ["initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
              "--no-locale", "--no-sync"]
    start = ["pg_ctl", "-D", str(data), "-l", str(base / "server.log"), "-o", options,
             "-w", "-t", "30", "start"]
    # fmt: on
    try:
        run_as(account, base, initdb)
        run_as(account, base, start)
        yield URL.create("postgresql+psycopg", "postgres", None, "127.0.0.1", port, "postgres")
    finally:
        if (data / "postmaster.pid").exists():
            run_as(account, base, ["pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def throwaway_redis() -> Iterator[str]:
    base = tempfile.mkdtemp(prefix="switchboard-redis-")
    port = free_port()
    # fmt: off
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", base]
    # fmt: on
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while not redis_answers(url):
            if server.poll() is not None or time.monotonic() > deadline:
                raise ServerUnavailable(f"redis-server on port {port} did not start")
            time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(base, ignore_errors=True)


def redis_answers(url: str) -> bool:
    """True if the server at ``url`` answers PING (raw RESP, no client library needed)."""
    host, port = _redis_address(url)
    try:
        with socket.create_connection((host, port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(64).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


def _redis_address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 6379


def postgres_account() -> pwd.struct_passwd | None:
    """PostgreSQL will not run as root: as root, run it as 'postgres' or else 'nobody'."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise ServerUnavailable("running as root and found no unprivileged account to run it as")


def scratch_dir() -> str | None:
    """Where the throwaway cluster lives: RAM (/dev/shm) when roomy, since creating a
    database per test is file-creation bound; else the default temp folder. As root the
    folder must also be reachable by the unprivileged account, which both of these are."""
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK):
        stats = os.statvfs(shm)
        if stats.f_bavail * stats.f_frsize >= 1 << 30:
            return shm
    return "/tmp" if os.geteuid() == 0 and os.path.isdir("/tmp") else None


def run_as(account: pwd.struct_passwd | None, cwd: Path, command: Sequence[str]) -> None:
    env = {**os.environ, "LC_ALL": "C", "HOME": str(cwd)}
    env.pop("PGDATA", None)
    result = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        user=account.pw_uid if account else None,
        group=account.pw_gid if account else None,
        extra_groups=[] if account else None,
    )
    if result.returncode != 0:
        last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ServerUnavailable(f"{command[0]} failed: {last[0]}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
