"""The accounts behind tokens, cached so that checking every request stays cheap.

A lookup is kept for ``ttl`` seconds at most. ``forget(login)`` drops it at once: the
directory calls it on every local write, and the server calls it when another process
announces a change over the bus. The TTL is only the bound for an announcement that was
lost (Redis pub/sub delivers at most once).

A lookup that started before a ``forget`` is not stored (a generation count per login), so a
read racing a write cannot put the old account back.

Safe to use from the event loop and from worker threads. ``watch(login, callback)`` calls
``callback()`` (from the thread that forgot) whenever that login's account changes; open
websockets use it to re-check themselves at once.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from cti.auth.service import Account
from cti.clock import Clock

Lookup = Callable[[str], Account | None]


@dataclass(frozen=True, slots=True)
class _Entry:
    account: Account | None
    until: float


class AccountCache:
    def __init__(self, lookup: Lookup, clock: Clock, ttl: float) -> None:
        self._lookup = lookup
        self._clock = clock
        self._ttl = ttl
        self._entries: dict[str, _Entry] = {}
        self._generation: dict[str, int] = defaultdict(int)
        self._watchers: dict[str, set[Callable[[], None]]] = defaultdict(set)
        self._lock = threading.Lock()

    def cached(self, login: str) -> tuple[bool, Account | None]:
        """``(True, account)`` if a fresh lookup is held (``account`` None: no such login)."""
        entry = self._entries.get(login)
        if entry is None or entry.until <= self._clock.now():
            return False, None
        return True, entry.account

    def load(self, login: str) -> Account | None:
        """Look the account up (blocking: the database) and keep it unless it changed."""
        with self._lock:
            generation = self._generation[login]
        account = self._lookup(login)
        with self._lock:
            if self._generation[login] == generation and self._ttl > 0:
                self._entries[login] = _Entry(account, self._clock.now() + self._ttl)
        return account

    def get(self, login: str) -> Account | None:
        hit, account = self.cached(login)
        return account if hit else self.load(login)

    def forget(self, login: str) -> None:
        with self._lock:
            self._generation[login] += 1
            self._entries.pop(login, None)
            watchers = tuple(self._watchers.get(login, ()))
        for callback in watchers:
            callback()

    def forget_all(self) -> None:
        """After announcements may have been missed: every login is looked up again."""
        with self._lock:
            logins = set(self._entries) | set(self._watchers)
        for login in logins:
            self.forget(login)

    def watch(self, login: str, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback()`` on each change to ``login``; returns the function that stops it."""
        with self._lock:
            self._watchers[login].add(callback)

        def stop() -> None:
            with self._lock:
                watchers = self._watchers.get(login)
                if watchers is not None:
                    watchers.discard(callback)
                    if not watchers:
                        del self._watchers[login]

        return stop
