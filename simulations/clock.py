"""The one clock, on SimPy time: ``now()`` is ``epoch + env.now``; timers are SimPy timeouts.

A timer is a bare ``env.timeout`` with a callback (no process), cancelled by a flag: SimPy
cannot withdraw a scheduled event, so a cancelled timer fires into nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import simpy


class SimTimer:
    __slots__ = ("callback", "cancelled")

    def __init__(self, callback: Callable[[], None]) -> None:
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def fire(self, _event: simpy.Event) -> None:
        if not self.cancelled:
            self.callback()


class SimClock:
    """``cti.clock.Clock`` on a SimPy environment."""

    def __init__(self, env: simpy.Environment, epoch: float = 0.0) -> None:
        self.env = env
        self.epoch = epoch

    def now(self) -> float:
        return self.epoch + self.env.now

    def call_later(self, delay: float, callback: Callable[[], None]) -> SimTimer:
        timer = SimTimer(callback)
        self.env.timeout(delay if delay > 0 else 0.0).callbacks.append(timer.fire)  # type: ignore[union-attr,unused-ignore]
        return timer

    def at(self, when: float, callback: Callable[[], None]) -> SimTimer:
        """A timer at the absolute time ``when`` (same scale as ``now()``)."""
        return self.call_later(when - self.now(), callback)
