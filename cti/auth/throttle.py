"""The log-in throttle: failures per account and per source address, with backoff.

Each key (``account:<login>``, ``address:<ip>``) counts failed log-ins; a key forgets them
``window`` seconds after its last failure, and a successful log-in clears its account's
count (not its address's: one good account must not unlock guessing at the others). The
first ``free`` failures cost nothing; after each one past them, a key is held off for
``base, 2 base, 4 base, ...`` seconds after its last failure, up to ``max_backoff``. The
same generic refusal answers every case, known login or not.

The counts live where every process sees them: Redis when configured, else the database
(``cti.auth.throttle_stores``). The policy here is pure: it takes ``now``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from cti.clock import Clock


@dataclass(frozen=True, slots=True)
class Failures:
    count: int
    last_at: float


class ThrottleStore(Protocol):
    """Blocking calls (run them in a worker thread); atomic across processes."""

    def read(self, keys: list[str], since: float) -> list[Failures]:
        """The counts of the keys whose last failure is after ``since``."""
        ...

    def record(self, keys: list[str], now: float, since: float) -> None:
        """One more failure on each key; a key with none after ``since`` restarts at 1."""
        ...

    def clear(self, key: str) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Limit:
    free: int  # failures that cost no wait
    max_backoff: float
    base: float = 1.0  # the first wait


def held_off_until(failures: Failures, limit: Limit) -> float:
    """When this key may try again (in the past when it may now)."""
    over = failures.count - limit.free - 1
    if over < 0:
        return -math.inf
    return failures.last_at + min(limit.base * 2.0**over, limit.max_backoff)


class LoginThrottle:
    def __init__(
        self, store: ThrottleStore, clock: Clock, *, account: Limit, address: Limit, window: float
    ) -> None:
        self._store, self._clock, self._window = store, clock, window
        self._limits = {"account": account, "address": address}

    @staticmethod
    def keys(login: str, address: str) -> list[str]:
        return [f"account:{login.strip().lower()[:100]}", f"address:{address[:64]}"]

    def retry_after(self, keys: list[str]) -> int:
        """Whole seconds to wait before trying (0: go ahead)."""
        now = self._clock.now()
        waits = [0.0]
        for key, failures in zip(keys, self._store.read(keys, now - self._window), strict=True):
            limit = self._limits[key.split(":", 1)[0]]
            waits.append(held_off_until(failures, limit) - now)
        return math.ceil(max(waits))

    def failed(self, keys: list[str]) -> None:
        now = self._clock.now()
        self._store.record(keys, now, now - self._window)

    def succeeded(self, keys: list[str]) -> None:
        self._store.clear(keys[0])  # the account's; the address keeps its count

    def close(self) -> None:
        self._store.close()
