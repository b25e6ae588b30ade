"""Live queue statistics, per running day and per 15-minute interval.

Service level is kept under both common definitions, for calls that have an outcome:

- ``service_level``: answered within the target ÷ (answered + abandoned - short abandons),
  abandons under ``SHORT_ABANDON_SECONDS`` being left out as callers who never really waited;
- ``service_level_all``: answered within the target ÷ (answered + abandoned).

ASA is the mean wait of answered calls; AHT is talk plus wrap-up time per answered call;
occupancy is the busy share (ringing, talking, wrapping) of the staffed time of the agents
serving the queue. Agent time is split at interval boundaries.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from acd.agents import Agent, AgentState
from acd.model import QueueConfig, WaitingCall
from cti.clock import Clock

SHORT_ABANDON_SECONDS = 5.0
INTERVAL_SECONDS = 900
BUSY = (AgentState.RESERVED, AgentState.ON_CALL, AgentState.WRAP_UP)
STAFFED = (*BUSY, AgentState.AVAILABLE)
_HANDLING = (AgentState.ON_CALL, AgentState.WRAP_UP)


@dataclass(slots=True)
class Counters:
    offered: int = 0
    answered: int = 0
    answered_in_sl: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    overflowed: int = 0
    answer_wait_total: float = 0.0
    handle_seconds: float = 0.0
    busy_seconds: float = 0.0
    staffed_seconds: float = 0.0

    def service_level(self) -> float | None:
        denominator = self.answered + self.abandoned - self.short_abandoned
        return self.answered_in_sl / denominator if denominator else None

    def service_level_all(self) -> float | None:
        denominator = self.answered + self.abandoned
        return self.answered_in_sl / denominator if denominator else None

    def abandon_rate(self) -> float | None:
        done = self.answered + self.abandoned
        return self.abandoned / done if done else None

    def asa(self) -> float | None:
        return self.answer_wait_total / self.answered if self.answered else None

    def aht(self) -> float | None:
        return self.handle_seconds / self.answered if self.answered else None

    def occupancy(self) -> float | None:
        return self.busy_seconds / self.staffed_seconds if self.staffed_seconds else None


@dataclass(frozen=True, slots=True)
class QueueSnapshot:
    queue: str
    label: str
    waiting: int
    longest_wait: float
    callbacks_waiting: int
    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    overflowed: int
    service_level: float | None
    service_level_all: float | None
    service_level_target: float
    abandon_rate: float | None
    asa: float | None
    aht: float | None
    occupancy: float | None
    agents: dict[str, int] = field(default_factory=dict)


class StatsBook:
    def __init__(self, clock: Clock, queues: dict[str, QueueConfig]) -> None:
        self.clock = clock
        self._targets = {name: q.service_level_seconds for name, q in queues.items()}
        self.day: dict[str, Counters] = defaultdict(Counters)
        self.intervals: dict[tuple[str, int], Counters] = defaultdict(Counters)
        self._dirty: set[tuple[str, int]] = set()
        self._agent_time: dict[str, defaultdict[str, float]] = defaultdict(
            lambda: defaultdict(float)
        )
        self._agent_busy: dict[str, list[float]] = {}  # agent → [busy, staffed] seconds
        self._served: dict[str, tuple[str, ...]] = {}

    def add_queue(self, queue: QueueConfig) -> None:
        self._targets[queue.name] = queue.service_level_seconds

    def serving(self, agent_id: str, queues: tuple[str, ...]) -> None:
        self._served[agent_id] = queues

    # -- counting -----------------------------------------------------------------
    def _both(self, queue: str, now: float | None = None) -> tuple[Counters, Counters]:
        at = self.clock.now() if now is None else now
        key = (queue, int(at // INTERVAL_SECONDS) * INTERVAL_SECONDS)
        self._dirty.add(key)
        return self.day[queue], self.intervals[key]

    def offered(self, queue: str, now: float | None = None) -> None:
        """``now``, when the caller has just read the clock, saves reading it again."""
        day, interval = self._both(queue, now)
        day.offered += 1
        interval.offered += 1

    def answered(self, queue: str, wait: float, now: float | None = None) -> None:
        within = wait <= self._targets.get(queue, 0.0)
        day, interval = self._both(queue, now)
        day.answered += 1
        day.answered_in_sl += within
        day.answer_wait_total += wait
        interval.answered += 1
        interval.answered_in_sl += within
        interval.answer_wait_total += wait

    def abandoned(self, queue: str, wait: float) -> None:
        for c in self._both(queue):
            c.abandoned += 1
            c.short_abandoned += wait < SHORT_ABANDON_SECONDS

    def overflowed(self, queue: str) -> None:
        for c in self._both(queue):
            c.overflowed += 1

    def agent_changed(self, before: Agent, after: Agent, now: float | None = None) -> None:
        """Account the time ``before`` spent in its state (state durations for reports).

        Runs on every agent change, so the usual case (the time falls in one interval) is
        written out without generators, lists or repeated lookups.
        """
        start, end = before.since, self.clock.now() if now is None else now
        if end <= start:
            return
        spent = end - start
        state, agent_id = before.state, before.agent_id
        self._agent_time[agent_id][state._value_] += spent
        handling = before.queue if state in _HANDLING else None
        if state not in STAFFED:
            return
        busy = state in BUSY
        totals = self._agent_busy.get(agent_id)
        if totals is None:
            totals = self._agent_busy[agent_id] = [0.0, 0.0]
        totals[1] += spent
        if busy:
            totals[0] += spent
        served = self._served.get(agent_id, ())
        first = int(start // INTERVAL_SECONDS) * INTERVAL_SECONDS  # interval_start, inline
        if end > first + INTERVAL_SECONDS:  # spans intervals: split it
            self._account_split(handling, served, busy, start, end)
            return
        day, intervals, dirty = self.day, self.intervals, self._dirty
        if handling:
            key = (handling, first)
            dirty.add(key)
            day[handling].handle_seconds += spent
            intervals[key].handle_seconds += spent
        for queue in served:
            key = (queue, first)
            dirty.add(key)
            d, i = day[queue], intervals[key]
            d.staffed_seconds += spent
            i.staffed_seconds += spent
            if busy:
                d.busy_seconds += spent
                i.busy_seconds += spent

    def _account_split(
        self, handling: str | None, served: tuple[str, ...], busy: bool, start: float, end: float
    ) -> None:
        if handling:
            for counters, seconds in self._split(handling, start, end):
                counters.handle_seconds += seconds
        for queue in served:
            for counters, seconds in self._split(queue, start, end):
                counters.staffed_seconds += seconds
                if busy:
                    counters.busy_seconds += seconds

    def _split(self, queue: str, start: float, end: float) -> list[tuple[Counters, float]]:
        """The day's counters and each interval's, with the seconds that fall in it."""
        first = interval_start(start)
        if end <= first + INTERVAL_SECONDS:  # the usual case: within one interval
            key = (queue, first)
            self._dirty.add(key)
            return [(self.day[queue], end - start), (self.intervals[key], end - start)]
        parts = [(self.day[queue], end - start)]
        t = start
        while t < end:
            boundary = interval_start(t) + INTERVAL_SECONDS
            key = (queue, interval_start(t))
            self._dirty.add(key)
            parts.append((self.intervals[key], min(end, boundary) - t))
            t = boundary
        return parts

    # -- reading ------------------------------------------------------------------
    def state_seconds(self, agent_id: str) -> dict[str, float]:
        return dict(self._agent_time[agent_id])

    def occupancy(self, agent_id: str) -> float:
        """Busy ÷ staffed seconds of this agent so far today (0 before any staffed time)."""
        totals = self._agent_busy.get(agent_id)
        return totals[0] / totals[1] if totals else 0.0

    def take_dirty(self) -> list[tuple[str, int, Counters]]:
        """Intervals changed since the last call, for persisting."""
        keys, self._dirty = sorted(self._dirty), set()
        return [(queue, start, self.intervals[(queue, start)]) for queue, start in keys]

    def snapshot(
        self, queue: QueueConfig, waiting: list[WaitingCall], members: list[Agent]
    ) -> QueueSnapshot:
        now, c = self.clock.now(), self.day[queue.name]
        live = [w for w in waiting if w.callback_number is None]
        return QueueSnapshot(
            queue=queue.name,
            label=queue.label or queue.name,
            waiting=len(live),
            longest_wait=max((now - w.since for w in live), default=0.0),
            callbacks_waiting=len(waiting) - len(live),
            offered=c.offered,
            answered=c.answered,
            abandoned=c.abandoned,
            short_abandoned=c.short_abandoned,
            overflowed=c.overflowed,
            service_level=c.service_level(),
            service_level_all=c.service_level_all(),
            service_level_target=queue.service_level_seconds,
            abandon_rate=c.abandon_rate(),
            asa=c.asa(),
            aht=c.aht(),
            occupancy=c.occupancy(),
            agents=dict(Counter(a.state.value for a in members)),
        )


def _seconds() -> defaultdict[str, float]:
    return defaultdict(float)


def interval_start(ts: float) -> int:
    return int(ts // INTERVAL_SECONDS) * INTERVAL_SECONDS
