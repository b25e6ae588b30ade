"""Live queue statistics and the snapshot supervisors see on the board.

Service level here is *answered within the target over calls offered that have an outcome*
(answered + abandoned); abandons shorter than ``SHORT_ABANDON_SECONDS`` are counted but left
out of the denominator, the usual contact-centre convention.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SHORT_ABANDON_SECONDS = 5.0


@dataclass(slots=True)
class QueueCounters:
    offered: int = 0
    answered: int = 0
    answered_in_sl: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    answer_wait_total: float = 0.0

    def on_answered(self, wait: float, target: float) -> None:
        self.answered += 1
        self.answered_in_sl += wait <= target
        self.answer_wait_total += wait

    def on_abandoned(self, wait: float) -> None:
        self.abandoned += 1
        self.short_abandoned += wait < SHORT_ABANDON_SECONDS

    def service_level(self) -> float | None:
        denominator = self.answered + self.abandoned - self.short_abandoned
        return self.answered_in_sl / denominator if denominator else None

    def abandon_rate(self) -> float | None:
        done = self.answered + self.abandoned
        return self.abandoned / done if done else None

    def asa(self) -> float | None:
        return self.answer_wait_total / self.answered if self.answered else None


@dataclass(frozen=True, slots=True)
class QueueSnapshot:
    queue: str
    label: str
    waiting: int
    longest_wait: float
    offered: int
    answered: int
    abandoned: int
    service_level: float | None
    service_level_target: float
    abandon_rate: float | None
    asa: float | None
    agents: dict[str, int] = field(default_factory=dict)
