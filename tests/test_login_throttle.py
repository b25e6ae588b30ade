"""Log-ins are throttled per account and per address, with backoff, across processes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from cti.auth.throttle import Failures, Limit, LoginThrottle, ThrottleStore, held_off_until
from cti.auth.throttle_stores import DatabaseThrottleStore, RedisThrottleStore
from cti.clock import ManualClock
from cti.db import Base
from tests.support import running_app

#: a first wait of a minute: no test depends on how fast a log-in is answered
FEW = {
    "login_free_failures_per_account": 3,
    "login_free_failures_per_address": 8,
    "login_backoff_seconds": 60.0,
    "login_backoff_max_seconds": 600,
}


def log_in(client: TestClient, login: str, password: str) -> Response:
    return client.post("/api/auth/token", data={"username": login, "password": password})


def test_the_backoff_doubles_past_the_free_failures_up_to_its_cap() -> None:
    limit = Limit(free=3, max_backoff=60)
    waits = [held_off_until(Failures(n, 1000.0), limit) - 1000.0 for n in range(3, 13)]
    assert waits[:1] == [float("-inf")]
    assert waits[1:] == [1, 2, 4, 8, 16, 32, 60, 60, 60]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with running_app(tmp_path, **FEW) as c:
        yield c


def test_repeated_wrong_passwords_are_held_off_with_429_and_retry_after(
    client: TestClient,
) -> None:
    answers = [log_in(client, "agent01", f"guess {n}") for n in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 401]
    held = log_in(client, "agent01", "switchboard")  # even the right password must wait
    assert held.status_code == 429
    assert held.json()["error_id"] == "too-many-attempts"
    assert 50 <= int(held.headers["Retry-After"]) <= 60
    assert held.json()["details"]["retry_after"] == int(held.headers["Retry-After"])


def test_a_login_with_no_account_is_answered_exactly_like_a_real_one(client: TestClient) -> None:
    def sequence(login: str) -> list[tuple[int, str]]:
        answers = [log_in(client, login, "wrong") for _ in range(5)]
        assert [a.status_code for a in answers] == [401, 401, 401, 401, 429]
        return [(a.status_code, a.json()["message"]) for a in answers]

    assert sequence("agent02") == sequence("nobody-here")


def test_many_logins_from_one_address_are_held_off(client: TestClient) -> None:
    for n in range(9):
        assert log_in(client, f"user{n}", "wrong").status_code == 401
    assert log_in(client, "agent03", "switchboard").status_code == 429


def test_a_good_log_in_clears_the_accounts_count_but_not_the_addresss(tmp_path: Path) -> None:
    few = {**FEW, "login_free_failures_per_account": 2, "login_free_failures_per_address": 4}
    with running_app(tmp_path, **few) as client:
        for _ in range(2):
            assert log_in(client, "agent04", "wrong").status_code == 401
        assert log_in(client, "agent04", "switchboard").status_code == 200
        for _ in range(2):  # the account starts again from nothing: no wait yet
            assert log_in(client, "agent04", "wrong").status_code == 401
        assert log_in(client, "agent09", "wrong").status_code == 401  # the address's 5th
        assert log_in(client, "agent09", "switchboard").status_code == 429


def test_failures_on_one_process_hold_off_another_sharing_the_database(tmp_path: Path) -> None:
    with running_app(tmp_path, **FEW) as first, running_app(tmp_path, **FEW) as second:
        for _ in range(4):
            assert log_in(first, "agent05", "wrong").status_code == 401
        assert log_in(second, "agent05", "switchboard").status_code == 429


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres), "redis"])
def store_pair(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[ThrottleStore, ThrottleStore]]:
    """Two stores as two processes would have them, over one database or one Redis."""
    if request.param == "redis":
        url: str = request.getfixturevalue("redis_url")
        prefix = f"sbtest-{uuid.uuid4().hex[:8]}:"
        pair = tuple(RedisThrottleStore(url, prefix=prefix, window=900) for _ in range(2))
        yield pair  # type: ignore[misc]
        for store in pair:
            store.clear("account:agent01")
            store.clear("address:10.0.0.1")
            store.close()
        return
    from cti.db import make_engine, make_session_factory, migrate

    url = f"sqlite:///{tmp_path / 'throttle.db'}"
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
    engines = [make_engine(url) for _ in range(2)]
    migrate(engines[0])
    assert "login_failures" in Base.metadata.tables
    yield tuple(DatabaseThrottleStore(make_session_factory(e)) for e in engines)  # type: ignore[misc]
    for engine in engines:
        engine.dispose()


def throttle(store: ThrottleStore, clock: ManualClock) -> LoginThrottle:
    limit = Limit(free=2, max_backoff=30)
    return LoginThrottle(store, clock, account=limit, address=limit, window=900)


def test_each_store_shares_counts_between_processes_and_forgets_them(
    store_pair: tuple[ThrottleStore, ThrottleStore],
) -> None:
    clock = ManualClock(start=2_000_000_000.0)
    one, two = (throttle(s, clock) for s in store_pair)
    keys = LoginThrottle.keys("Agent01", "10.0.0.1")
    for _ in range(4):
        one.failed(keys)
    assert two.retry_after(keys) == 2  # 4 failures, 2 free: 2 s after the last one
    clock.advance(1.5)
    assert two.retry_after(keys) == 1
    two.succeeded(keys)
    assert one.retry_after(keys) == 1  # the address still counts
    clock.advance(1)
    assert one.retry_after(keys) == 0


def test_each_store_counts_every_failure_of_racing_processes(
    store_pair: tuple[ThrottleStore, ThrottleStore],
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    clock = ManualClock(start=2_000_000_000.0)
    one, two = (throttle(s, clock) for s in store_pair)
    keys = LoginThrottle.keys("agent01", "10.0.0.1")
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda n: (one if n % 2 else two).failed(keys), range(20)))
    failures = store_pair[0].read(keys, clock.now() - 900)
    assert [f.count for f in failures] == [20, 20]
