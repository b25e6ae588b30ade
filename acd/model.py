"""Queue configuration and waiting calls, as the router sees them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class QueueConfig:
    name: str
    label: str = ""
    required_skills: tuple[str, ...] = ()
    service_level_seconds: float = 20.0
    wrapup_seconds: float = 0.0
    ring_timeout: float = 15.0


@dataclass(frozen=True, slots=True)
class WaitingCall:
    """A call waiting in a queue. ``since`` is when it entered; it keeps that place."""

    call_id: str
    queue: str
    since: float
    seq: int
    declined_by: frozenset[str] = frozenset()

    @property
    def order(self) -> tuple[float, int]:
        return (self.since, self.seq)
