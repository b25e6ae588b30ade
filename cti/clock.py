"""The one clock. Routing, pacing, simulated telephony and WFM take ``now`` from here.

``LiveClock`` is wall time on the running asyncio loop; ``ManualClock`` is advanced by
tests and replays; the SimPy models adapt ``env.now`` to the same protocol. No other
module reads the system time.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


class Timer(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch (simulated clocks may start anywhere)."""
        ...

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer: ...


class LiveClock:
    """Wall time, with timers on the running asyncio loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop

    def now(self) -> float:
        return time.time()

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        loop = self._loop or asyncio.get_running_loop()
        return loop.call_later(max(0.0, delay), callback)


def monotonic() -> float:
    """For measuring durations only (benchmarks, latencies), never for domain time."""
    return time.perf_counter()


@dataclass(order=True)
class _Entry:
    when: float
    seq: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class ManualClock:
    """A clock that moves only when told; timers fire in time order, ties in FIFO order."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start
        self._heap: list[_Entry] = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self._now

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        entry = _Entry(self._now + max(0.0, delay), next(self._seq), callback)
        heapq.heappush(self._heap, entry)
        return entry

    def next_due(self) -> float | None:
        while self._heap and self._heap[0].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0].when if self._heap else None

    def advance(self, seconds: float) -> None:
        self.advance_to(self._now + seconds)

    def advance_to(self, when: float) -> None:
        while (due := self.next_due()) is not None and due <= when:
            entry = heapq.heappop(self._heap)
            self._now = entry.when
            entry.callback()
        self._now = max(self._now, when)
