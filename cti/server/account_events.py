"""Account changes announced to every server process, so no cache keeps a revoked token.

The directory calls ``changed(login)`` after each committed write to an account: this
process's cache forgets it at once, and the login goes out on the bus topic
``accounts.changed``. Every process (this one included) forgets what it hears there. With
the in-process bus that is this process only; with Redis it is every process of the centre.

Redis pub/sub delivers at most once, so an announcement can be lost (a dropped connection):
the cache's TTL (``SWITCHBOARD_AUTH_CACHE_SECONDS``, 5 s) bounds how long a revoked token can
then live. A subscription that fell behind forgets every cached account.

``on_change(follower)`` awaits ``follower(login)`` for every login heard, after the cache has
forgotten it: the ACD follows the directory that way (``cti.server.floor_sync``), whichever
process (or ``switchboard users`` command) made the change.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog

from cti.auth.accounts import AccountCache
from cti.server.bus import Bus

TOPIC = "accounts.changed"
Follower = Callable[[str], Awaitable[None]]
log = structlog.get_logger(__name__)


class AccountEvents:
    def __init__(self, bus: Bus, cache: AccountCache, loop: asyncio.AbstractEventLoop) -> None:
        self._bus, self._cache, self._loop = bus, cache, loop
        self._task: asyncio.Task[None] | None = None
        self._followers: list[Follower] = []

    def on_change(self, follower: Follower) -> None:
        self._followers.append(follower)

    def changed(self, login: str) -> None:
        """From any thread: forget locally now, and tell the other processes."""
        self._cache.forget(login)
        self._loop.call_soon_threadsafe(self._bus.publish, TOPIC, login.encode())

    def start(self) -> None:
        self._task = self._loop.create_task(self._listen(), name="account-events")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _listen(self) -> None:
        while True:
            sub = self._bus.subscribe(TOPIC)
            try:
                async for payload in sub:
                    login = payload.decode(errors="replace")
                    self._cache.forget(login)
                    await self._follow(login)
            finally:
                sub.close()
            self._cache.forget_all()  # fell behind: some announcements were dropped

    async def _follow(self, login: str) -> None:
        for follower in self._followers:
            try:
                await follower(login)
            except Exception:  # one account's trouble must not stop the announcements
                log.exception("account_follower_failed", login=login)
