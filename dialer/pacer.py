"""The pacer: a campaign's state, updated by events, and the dial decision at ``now``.

``apply(event)`` updates the state (no I/O, no clock); ``decide(now)`` returns how many lines
to dial and why, and changes nothing. The caller dials that many, feeding back ``Dialled``.
The same object runs live, in a replay and inside SimPy: only ``now`` differs.

The decision has two parts. *Covered* dials (one per free agent no call in flight has yet
claimed) are always allowed: each has an agent reserved. *Uncovered* dials come from the
model (``dialer.forecast``) and are capped by the hard bound (``dialer.bound``). An agent who
leaves while reserved is held, still counted free, until the calls in flight no longer need
them (``held``); the adapter keeps that agent for the campaign meanwhile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from dialer import events as ev
from dialer.bound import Bound
from dialer.errors import UnknownAgent, UnknownCall
from dialer.forecast import Situation, lines_to_dial
from dialer.rates import LiveRate, RingTimes
from dialer.settings import PacingSettings
from dialer.survival import HandleTimes

ALPHA_STAR_RANGE = 5.0  # alpha* is a knob on a biased forecast, kept within target * [1/20, 5]


class Reason(StrEnum):
    NO_AGENTS = "no-agents"
    BOUND = "bound-reached: dialling only for free, reserved agents"
    MODEL = "model"
    HELD_BY_BOUND = "model, held by the bound"
    LINE_CAP = "line cap"


class LinePhase(StrEnum):
    RINGING = "ringing"
    SCREENING = "screening"  # answered, AMD deciding
    WAITING = "waiting"  # a person, waiting for an agent


@dataclass(frozen=True, slots=True)
class PacingDecision:
    dial: int
    covered: int
    uncovered: int
    reason: Reason
    slack: int  # uncovered calls the bound still allowed
    model_lines: int  # what the model alone would dial
    alpha_star: float


@dataclass(slots=True)
class _Call:
    dialled_at: float
    period: int
    phase: LinePhase = LinePhase.RINGING


class Pacer:
    def __init__(self, settings: PacingSettings) -> None:
        s = self.settings = settings
        self.bound = Bound(s.limit, s.window_seconds, s.origin, s.amd_false_positive)
        self.handle = HandleTimes(s.handle_seconds)
        self.ring = RingTimes(s.seconds_to_person, s.seconds_to_person * 2)
        self.live = LiveRate(s.live_rate)
        self.person_if_answered = LiveRate(0.6)
        self.alpha_star = s.target_rate
        self.calls: dict[str, _Call] = {}
        self.free: set[str] = set()
        self.held: set[str] = set()  # asked to leave while reserved
        self.busy: dict[str, float] = {}  # agent → since
        self._ringing: dict[str, float] = {}  # call → dialled at
        self._screening = 0
        self._waiting = 0

    # -- the bound's terms ----------------------------------------------------------
    @property
    def uncovered(self) -> int:
        """O: calls in flight with no reserved free agent."""
        return max(0, len(self.calls) - len(self.free))

    def slack(self, now: float) -> int:
        return self.bound.slack(now, self.uncovered)

    # -- events ---------------------------------------------------------------------
    def apply(self, event: ev.PacingEvent) -> None:
        match event:
            case ev.Dialled(call_id, at):
                self._dialled(call_id, at)
            case ev.Unanswered(call_id, at) | ev.Machine(call_id, at):
                call = self._end(call_id)
                self.ring.add_other(at - call.dialled_at)
                self.live.add(False)
                if isinstance(event, ev.Machine):
                    self.person_if_answered.add(False)
            case ev.Answered(call_id, _):
                self._move(call_id, LinePhase.SCREENING)
            case ev.Person(call_id, at):
                self._person(call_id, at)
            case ev.Connected(call_id, agent_id, at):
                self._connected(call_id, agent_id, at)
            case ev.Abandoned(call_id, _):
                self.bound.book(self._end(call_id).period).abandoned += 1
                self._trim(abandoned=True)
            case ev.AgentFree(agent_id, at):
                self._agent_free(agent_id, at)
            case ev.AgentAway(agent_id, at):
                self._agent_away(agent_id, at)
        self._release_held()

    def _dialled(self, call_id: str, at: float) -> None:
        if call_id in self.calls:
            raise UnknownCall(f"call {call_id!r} was dialled twice", details={"call_id": call_id})
        period = self.bound.period(at)
        self.calls[call_id] = _Call(at, period)
        self._ringing[call_id] = at
        self.bound.book(period).in_flight += 1

    def _call(self, call_id: str) -> _Call:
        call = self.calls.get(call_id)
        if call is None:
            raise UnknownCall(f"no call {call_id!r} in flight", details={"call_id": call_id})
        return call

    def _move(self, call_id: str, phase: LinePhase) -> _Call:
        call = self._call(call_id)
        self._leave_phase(call_id, call)
        call.phase = phase
        if phase is LinePhase.SCREENING:
            self._screening += 1
        elif phase is LinePhase.WAITING:
            self._waiting += 1
        return call

    def _leave_phase(self, call_id: str, call: _Call) -> None:
        if call.phase is LinePhase.RINGING:
            del self._ringing[call_id]
        elif call.phase is LinePhase.SCREENING:
            self._screening -= 1
        else:
            self._waiting -= 1

    def _end(self, call_id: str) -> _Call:
        call = self._call(call_id)
        self._leave_phase(call_id, call)
        del self.calls[call_id]
        self.bound.book(call.period).in_flight -= 1
        return call

    def _person(self, call_id: str, at: float) -> None:
        screened = self._call(call_id).phase is LinePhase.SCREENING
        call = self._move(call_id, LinePhase.WAITING)
        self.bound.book(call.period).live += 1
        self.ring.add_person(at - call.dialled_at)
        self.live.add(True)
        if screened:
            self.person_if_answered.add(True)

    def _connected(self, call_id: str, agent_id: str, at: float) -> None:
        if agent_id not in self.free:
            raise UnknownAgent(f"agent {agent_id!r} is not free", details={"agent_id": agent_id})
        self._end(call_id)
        self.free.discard(agent_id)
        self.held.discard(agent_id)
        self.busy[agent_id] = at
        self._trim(abandoned=False)

    def _agent_free(self, agent_id: str, at: float) -> None:
        since = self.busy.pop(agent_id, None)
        if since is not None:
            self.handle.add(at - since)
        self.free.add(agent_id)
        self.held.discard(agent_id)  # back before being let go: no longer leaving

    def _agent_away(self, agent_id: str, at: float) -> None:
        since = self.busy.pop(agent_id, None)
        if since is not None:
            self.handle.add(at - since, ended=False)
        elif agent_id in self.free:
            self.held.add(agent_id)
        else:
            raise UnknownAgent(f"no agent {agent_id!r} signed in", details={"agent_id": agent_id})

    def _release_held(self) -> None:
        while self.held and len(self.free) > len(self.calls):
            agent_id = min(self.held)
            self.held.discard(agent_id)
            self.free.discard(agent_id)

    def _trim(self, abandoned: bool) -> None:
        """A slow multiplicative step of alpha* towards the target rate."""
        target = self.settings.target_rate
        x = 1.0 if abandoned else 0.0
        self.alpha_star *= math.exp(self.settings.trim_gain * (target - x) / target)
        self.alpha_star = min(max(self.alpha_star, target / 20), target * ALPHA_STAR_RANGE)

    # -- the decision ---------------------------------------------------------------
    def decide(self, now: float) -> PacingDecision:
        self.bound.forget_closed(now)
        staffed = len(self.free) - len(self.held) + len(self.busy)
        if staffed <= 0:
            return PacingDecision(0, 0, 0, Reason.NO_AGENTS, 0, 0, self.alpha_star)
        in_flight = len(self.calls)
        room = max(0, math.ceil(self.settings.max_lines_per_agent * staffed) - in_flight)
        covered = min(max(0, len(self.free) - len(self.held) - in_flight), room)
        slack = self.slack(now)
        if slack <= 0:
            return PacingDecision(covered, covered, 0, Reason.BOUND, slack, 0, self.alpha_star)
        most = min(room, covered + slack + 1)  # one past what the bound allows: "held"
        lines = max(lines_to_dial(self.situation(now), self.alpha_star, most).lines, covered)
        uncovered = min(lines - covered, slack)
        reason = Reason.HELD_BY_BOUND if uncovered < lines - covered else Reason.MODEL
        if lines >= room and room <= covered + slack:
            reason = Reason.LINE_CAP
        dial = covered + uncovered
        return PacingDecision(dial, covered, uncovered, reason, slack, lines, self.alpha_star)

    def situation(self, now: float) -> Situation:
        tau = self.ring.seconds_to_person
        busy = now - np.fromiter(self.busy.values(), np.float64, len(self.busy))
        ringing = now - np.fromiter(self._ringing.values(), np.float64, len(self._ringing))
        p = self.live.mean
        people = self.ring.person_given_ringing(ringing, p, tau)
        if self._screening:
            screened = np.full(self._screening, self.person_if_answered.mean)
            people = np.concatenate((people, screened))
        return Situation(
            free=len(self.free) - len(self.held),
            waiting=self._waiting,
            free_within=self.handle.free_within(busy, tau),
            person_probs=people,
            live_a=self.live.alpha,
            live_b=self.live.beta,
        )
