"""A circuit breaker with an injected clock: after ``failures`` failures in a row the circuit
opens and calls fail at once for ``reset_seconds``; then one trial call is let through
(half-open): its success closes the circuit, its failure opens it again."""

from __future__ import annotations

from enum import StrEnum

from cti.clock import Clock


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitBreaker:
    def __init__(self, clock: Clock, failures: int = 5, reset_seconds: float = 30.0) -> None:
        self._clock = clock
        self._threshold = failures
        self._reset = reset_seconds
        self._failures = 0
        self._opened_at: float | None = None
        self._trial = False

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._clock.now() - self._opened_at >= self._reset:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def allow(self) -> bool:
        """Whether a call may go out now (in half-open, only the one trial)."""
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.HALF_OPEN and not self._trial:
            self._trial = True
            return True
        return False

    def succeeded(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._trial = False

    def failed(self) -> None:
        self._failures += 1
        if self._trial or self._failures >= self._threshold:
            self._opened_at = self._clock.now()
        self._trial = False
