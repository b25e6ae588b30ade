"""The account cache: fresh for its TTL, forgotten on a change, here or in another process."""

from __future__ import annotations

import asyncio
import threading
import uuid

from cti.auth.accounts import AccountCache
from cti.clock import ManualClock
from cti.crm.directory import AgentAccount
from cti.roles import Role
from cti.server.account_events import AccountEvents
from cti.server.bus import InProcessBus
from cti.server.redis_bus import RedisBus


class Accounts:
    """A stand-in directory that counts its lookups."""

    def __init__(self) -> None:
        self.version = 0
        self.lookups = 0

    def find(self, login: str) -> AgentAccount | None:
        self.lookups += 1
        return AgentAccount(login, "Kim", Role.AGENT, (), token_version=self.version)


def test_a_lookup_is_reused_for_its_ttl_then_made_again() -> None:
    clock, accounts = ManualClock(), Accounts()
    cache = AccountCache(accounts.find, clock, ttl=5)
    for _ in range(100):
        assert cache.get("agent01") is not None
    assert accounts.lookups == 1
    clock.advance(5)
    cache.get("agent01")
    assert accounts.lookups == 2


def test_a_forgotten_login_is_looked_up_again_and_its_watchers_hear_of_it() -> None:
    clock, accounts = ManualClock(), Accounts()
    cache = AccountCache(accounts.find, clock, ttl=60)
    heard: list[str] = []
    stop = cache.watch("agent01", lambda: heard.append("agent01"))
    cache.get("agent01")
    accounts.version = 1
    cache.forget("agent01")
    account = cache.get("agent01")
    assert account is not None and account.token_version == 1
    assert heard == ["agent01"]
    stop()
    cache.forget("agent01")
    assert heard == ["agent01"]


def test_a_lookup_racing_a_change_does_not_put_the_old_account_back() -> None:
    clock, accounts = ManualClock(), Accounts()
    reading, changed = threading.Event(), threading.Event()

    def slow_find(login: str) -> AgentAccount | None:
        found = accounts.find(login)  # read before the write commits ...
        reading.set()
        changed.wait(5)
        return found

    cache = AccountCache(slow_find, clock, ttl=60)
    reader = threading.Thread(target=cache.get, args=("agent01",))
    reader.start()
    reading.wait(5)
    accounts.version = 1
    cache.forget("agent01")  # ... the write commits and forgets, then the read returns
    changed.set()
    reader.join(5)
    hit, _ = cache.cached("agent01")
    assert not hit


async def test_a_change_in_one_process_reaches_the_cache_of_another_over_redis(
    redis_url: str,
) -> None:
    prefix = f"sbtest-{uuid.uuid4().hex[:8]}:"
    clock, accounts = ManualClock(), Accounts()
    here_bus, there_bus = RedisBus(redis_url, prefix=prefix), RedisBus(redis_url, prefix=prefix)
    await here_bus.start()
    await there_bus.start()
    loop = asyncio.get_running_loop()
    here_cache, there_cache = (AccountCache(accounts.find, clock, ttl=3600) for _ in range(2))
    here = AccountEvents(here_bus, here_cache, loop)
    there = AccountEvents(there_bus, there_cache, loop)
    there.start()
    heard = asyncio.Event()
    there_cache.watch("agent01", heard.set)
    try:
        there_cache.get("agent01")
        accounts.version = 1
        await asyncio.to_thread(here.changed, "agent01")  # as the directory calls it
        await asyncio.wait_for(heard.wait(), timeout=5)
        account = there_cache.get("agent01")
        assert account is not None and account.token_version == 1
    finally:
        await there.stop()
        await here_bus.stop()
        await there_bus.stop()


async def test_a_subscription_that_fell_behind_forgets_every_account() -> None:
    clock, accounts = ManualClock(), Accounts()
    bus = InProcessBus()
    cache = AccountCache(accounts.find, clock, ttl=3600)
    events = AccountEvents(bus, cache, asyncio.get_running_loop())
    events.start()
    await asyncio.sleep(0)
    cache.get("agent02")
    try:
        for _ in range(1001):  # one more than a subscription holds, with nobody reading
            bus.publish("accounts.changed", b"someone-else")
        await asyncio.sleep(0.05)
        assert not cache.cached("agent02")[0]
    finally:
        await events.stop()
