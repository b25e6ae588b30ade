"""Baselines the pacer is measured against, on the same events and the same ``decide(now)``.

``Progressive`` dials one line per free agent that no call in flight has claimed (1:1).

``VicidialAdaptHardLimit`` is our own reimplementation, from its published behaviour, of
VICIdial's ``ADAPT_HARD_LIMIT`` dial method as ``AST_VDadapt.pl`` computes it, with intensity 0
and maximum level 3:

- the dial level is lines per active agent: it keeps ``⌊level * agents⌋`` calls up, counting
  calls ringing, waiting and talking, so at level 1 it is progressive;
- every 15 s it multiplies the level by ``1 + (ready - waiting) / agents`` from the 15-second
  averages of ready agents, people waiting for an agent and active agents (intensity 0: no
  modifier), clamped to [1, 3];
- at the same moment, once 50 people have answered since the start of the day (here: the
  start of the regulatory period), it compares the drop ratio since then with the limit. Over
  it, the level is halved; more than twice over it, it goes back to 1. While over, the level
  is not raised.

It has no model of talk time or hit rate, and no memory of the window beyond that ratio.
"""

from __future__ import annotations

import math

from dialer import events as ev
from dialer.pacer import PacingDecision, Reason

ADAPT_SECONDS = 15.0
MAX_LEVEL = 3.0
MIN_ANSWERED = 50


class Tracker:
    """Free and busy agents, calls in flight and people waiting: all a baseline looks at."""

    def __init__(self) -> None:
        self.free: set[str] = set()
        self.busy: set[str] = set()
        self.in_flight: set[str] = set()
        self.waiting: set[str] = set()

    def apply(self, event: ev.PacingEvent) -> None:
        match event:
            case ev.Dialled(call_id, _):
                self.in_flight.add(call_id)
            case ev.Unanswered(call_id, _) | ev.Machine(call_id, _):
                self.in_flight.discard(call_id)
            case ev.Person(call_id, _):
                self.waiting.add(call_id)
                self.answered(call_id)
            case ev.Connected(call_id, agent_id, _):
                self._gone(call_id)
                self.free.discard(agent_id)
                self.busy.add(agent_id)
            case ev.Abandoned(call_id, _):
                self._gone(call_id)
                self.dropped(call_id)
            case ev.AgentFree(agent_id, _):
                self.busy.discard(agent_id)
                self.free.add(agent_id)
            case ev.AgentAway(agent_id, _):
                self.busy.discard(agent_id)
                self.free.discard(agent_id)

    def _gone(self, call_id: str) -> None:
        self.in_flight.discard(call_id)
        self.waiting.discard(call_id)

    def answered(self, call_id: str) -> None:
        """A person answered (for subclasses that count)."""

    def dropped(self, call_id: str) -> None:
        """A person was abandoned (for subclasses that count)."""


class Progressive(Tracker):
    def decide(self, now: float) -> PacingDecision:
        if not self.free and not self.busy:
            return PacingDecision(0, 0, 0, Reason.NO_AGENTS, 0, 0, 0.0)
        covered = max(0, len(self.free) - len(self.in_flight))
        return PacingDecision(covered, covered, 0, Reason.MODEL, 0, covered, 0.0)


class VicidialAdaptHardLimit(Tracker):
    def __init__(self, limit: float, period_seconds: float, origin: float = 0.0) -> None:
        super().__init__()
        self.limit = limit
        self.period_seconds = period_seconds
        self.origin = origin
        self.level = 1.0
        self._period = 0
        self._answered = 0
        self._drops = 0
        self._next_adapt = origin + ADAPT_SECONDS
        self._samples: list[tuple[int, int, int]] = []  # ready, waiting, agents

    def answered(self, call_id: str) -> None:
        self._answered += 1

    def dropped(self, call_id: str) -> None:
        self._drops += 1

    def decide(self, now: float) -> PacingDecision:
        self._new_period(now)
        agents = len(self.free) + len(self.busy)
        self._samples.append((len(self.free), len(self.waiting), agents))
        while now >= self._next_adapt:
            self._adapt()
            self._next_adapt += ADAPT_SECONDS
        if not agents:
            return PacingDecision(0, 0, 0, Reason.NO_AGENTS, 0, 0, 0.0)
        up = len(self.in_flight) + len(self.busy)
        dial = max(0, math.floor(self.level * agents) - up)
        covered = min(dial, max(0, len(self.free) - len(self.in_flight)))
        return PacingDecision(dial, covered, dial - covered, Reason.MODEL, 0, dial, 0.0)

    def _new_period(self, now: float) -> None:
        period = math.floor((now - self.origin) / self.period_seconds)
        if period != self._period:
            self._period, self._answered, self._drops = period, 0, 0

    def _adapt(self) -> None:
        samples, self._samples = self._samples, []
        if not samples:
            return
        n = len(samples)
        ready = sum(s[0] for s in samples) / n
        waiting = sum(s[1] for s in samples) / n
        agents = sum(s[2] for s in samples) / n
        over = self._answered >= MIN_ANSWERED and self._drops > self.limit * self._answered
        if over:
            ratio = self._drops / self._answered
            self.level = 1.0 if ratio > 2 * self.limit else max(1.0, self.level / 2)
            return
        if agents > 0:
            self.level *= 1.0 + (ready - waiting) / agents
        self.level = min(MAX_LEVEL, max(1.0, self.level))
