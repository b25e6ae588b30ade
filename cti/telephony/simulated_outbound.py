"""The simulated PBX's outbound side (``cti.telephony.outbound``): leads that answer or not.

Each ``DialLead`` draws its fate at the dial, from ``OutboundProfile``:

- a person answers with probability ``live_rate`` after a lognormal ring (mean
  ``person_ring_seconds``), a machine with ``machine_rate`` after ``machine_ring_seconds``;
  of the rest, ``busy_share`` are busy (after 3 s), ``failed_share`` fail (after 1 s), and the
  others ring out at the attempt's ``ring_timeout`` (no answer);
- with AMD on, the verdict comes ``amd_seconds`` after the answer, with the stated error
  rates: a person is taken for a machine with probability ``amd_false_positive``, a machine
  passes for a person with ``amd_false_negative``; with AMD off the verdict is ``off``;
- a person bridged to an agent talks for a lognormal time (mean ``mean_talk``) and hangs up;
  a machine bridged to an agent is hung up by the agent after ``machine_talk_seconds``;
- the safe-harbour message lasts ``message_seconds``; a person presses the opt-out digit
  during it with probability ``opt_out_share``; a machine message lasts as long.

Agents' persistent legs answer ``leg_answer_seconds`` after ``OpenAgentLeg``. A person
nobody connects hangs up after ``person_patience`` seconds of silence; a machine nobody
hangs up stops recording after ``machine_recording_seconds``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from cti.clock import Clock, Timer
from cti.telephony import outbound as ob
from cti.telephony.errors import CommandRefused, NoSuchCall


@dataclass(frozen=True, slots=True)
class OutboundProfile:
    live_rate: float = 0.30
    machine_rate: float = 0.20
    busy_share: float = 0.10
    failed_share: float = 0.05
    person_ring_seconds: float = 9.0
    machine_ring_seconds: float = 8.0
    amd_seconds: float = 2.5
    amd_false_positive: float = 0.005  # people AMD takes for machines
    amd_false_negative: float = 0.10  # machines AMD lets through
    mean_talk: float = 120.0
    talk_sigma: float = 0.6
    machine_talk_seconds: float = 8.0
    message_seconds: float = 10.0
    opt_out_share: float = 0.1
    person_patience: float = 6.0
    machine_recording_seconds: float = 30.0
    leg_answer_seconds: float = 1.0


@dataclass(slots=True)
class _Lead:
    attempt_id: str
    person: bool
    answered: bool = False
    agent_id: str | None = None
    timers: list[Timer] = field(default_factory=list)

    def cancel(self) -> None:
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()


class SimulatedOutbound:
    def __init__(
        self,
        clock: Clock,
        rng: random.Random,
        emit: Callable[[ob.OutboundEvent], None],
        profile: OutboundProfile | None = None,
    ) -> None:
        self.clock = clock
        self.rng = rng
        self.emit = emit
        self.profile = profile or OutboundProfile()
        self.leads: dict[str, _Lead] = {}
        self.legs: dict[str, str | None] = {}  # agent -> the attempt bridged to them
        self._opening: dict[str, Timer] = {}

    async def execute_outbound(self, command: ob.OutboundCommand) -> None:
        match command:
            case ob.DialLead():
                self._dial(command)
            case ob.OpenAgentLeg(agent_id):
                self._open(agent_id)
            case ob.CloseAgentLeg(agent_id):
                self._close(agent_id)
            case ob.ConnectLead(attempt_id, agent_id):
                self._connect(self._lead(attempt_id), agent_id)
            case ob.PlaySafeHarbour(attempt_id):
                self._message(self._lead(attempt_id), opt_out=True)
            case ob.PlayMachineMessage(attempt_id):
                self._message(self._lead(attempt_id), opt_out=False)
            case ob.HangupLead(attempt_id):
                self._end(self._lead(attempt_id), ob.LineOutcome.HUNG_UP, "hung up by Switchboard")

    def stop(self) -> None:
        for lead in self.leads.values():
            lead.cancel()
        for timer in self._opening.values():
            timer.cancel()

    # -- dialling -------------------------------------------------------------------
    def _dial(self, command: ob.DialLead) -> None:
        if command.attempt_id in self.leads:
            raise CommandRefused(f"attempt {command.attempt_id} is already dialled")
        p, u = self.profile, self.rng.random()
        lead = _Lead(command.attempt_id, person=u < p.live_rate)
        self.leads[lead.attempt_id] = lead
        self.emit(ob.LeadRinging(lead.attempt_id, self.clock.now()))
        timeout = command.ring_timeout
        if u < p.live_rate + p.machine_rate:
            mean = p.person_ring_seconds if lead.person else p.machine_ring_seconds
            ring = min(self._lognormal(mean, 0.6), timeout - 0.5)
            self._after(lead, ring, lambda: self._answered(lead, command.amd))
            return
        rest = (u - p.live_rate - p.machine_rate) / max(1e-9, 1.0 - p.live_rate - p.machine_rate)
        if rest < p.busy_share:
            outcome, after, cause = ob.LineOutcome.BUSY, 3.0, "17"  # Q.850 user busy
        elif rest < p.busy_share + p.failed_share:
            outcome, after, cause = ob.LineOutcome.FAILED, 1.0, "34"  # no circuit available
        else:
            outcome, after, cause = ob.LineOutcome.NO_ANSWER, timeout, "19"  # no answer
        self._after(lead, after, lambda: self._end(lead, outcome, cause))

    def _answered(self, lead: _Lead, amd: bool) -> None:
        lead.answered = True
        answered_at = self.clock.now()
        if not amd:
            self.emit(ob.LeadAnswered(lead.attempt_id, ob.AmdVerdict.OFF, answered_at, answered_at))
            self._patience(lead)
            return
        p = self.profile

        def verdict() -> None:
            wrong = p.amd_false_positive if lead.person else 1.0 - p.amd_false_negative
            says_machine = self.rng.random() < wrong
            v = ob.AmdVerdict.MACHINE if says_machine else ob.AmdVerdict.HUMAN
            self.emit(ob.LeadAnswered(lead.attempt_id, v, self.clock.now(), answered_at))
            if lead.attempt_id in self.leads and lead.agent_id is None:
                self._patience(lead)  # until Switchboard bridges, plays or hangs up

        self._after(lead, p.amd_seconds, verdict)

    def _patience(self, lead: _Lead) -> None:
        p = self.profile
        wait = p.person_patience if lead.person else p.machine_recording_seconds
        hang_up = lambda: self._end(lead, ob.LineOutcome.CALLEE_HUNG_UP, "16")  # noqa: E731
        self._after(lead, wait, hang_up)

    # -- agents' legs and bridges -----------------------------------------------------
    def _open(self, agent_id: str) -> None:
        if agent_id in self.legs or agent_id in self._opening:
            return

        def ready() -> None:
            self._opening.pop(agent_id, None)
            self.legs[agent_id] = None
            self.emit(ob.AgentLegReady(agent_id, self.clock.now()))

        self._opening[agent_id] = self.clock.call_later(self.profile.leg_answer_seconds, ready)

    def _close(self, agent_id: str) -> None:
        timer = self._opening.pop(agent_id, None)
        if timer is not None:
            timer.cancel()
        if self.legs.pop(agent_id, "absent") != "absent":
            self.emit(ob.AgentLegGone(agent_id, self.clock.now(), "closed by Switchboard"))

    def _connect(self, lead: _Lead, agent_id: str) -> None:
        if not lead.answered or lead.agent_id is not None:
            raise CommandRefused(f"attempt {lead.attempt_id} cannot be bridged now")
        if agent_id not in self.legs:
            raise CommandRefused(
                f"{agent_id} has no persistent leg", details={"agent_id": agent_id}
            )
        if self.legs[agent_id] is not None:
            raise CommandRefused(
                f"{agent_id}'s leg is bridged already", details={"agent_id": agent_id}
            )
        lead.cancel()  # the callee's patience timer
        lead.agent_id, self.legs[agent_id] = agent_id, lead.attempt_id
        self.emit(ob.LeadConnected(lead.attempt_id, agent_id, self.clock.now()))
        p = self.profile
        if lead.person:
            talk, cause = self._lognormal(p.mean_talk, p.talk_sigma), "16"
            self._after(lead, talk, lambda: self._end(lead, ob.LineOutcome.CALLEE_HUNG_UP, cause))
        else:
            done = lambda: self._end(lead, ob.LineOutcome.HUNG_UP, "agent hung up on a machine")  # noqa: E731
            self._after(lead, p.machine_talk_seconds, done)

    def _message(self, lead: _Lead, opt_out: bool) -> None:
        if not lead.answered:
            raise CommandRefused(f"attempt {lead.attempt_id} is not answered")
        lead.cancel()
        seconds = self.profile.message_seconds
        if opt_out and lead.person and self.rng.random() < self.profile.opt_out_share:
            pressed = lambda: self.emit(ob.LeadOptedOut(lead.attempt_id, self.clock.now()))  # noqa: E731
            self._after(lead, seconds * 0.8, pressed)
        self._after(
            lead, seconds, lambda: self._end(lead, ob.LineOutcome.HUNG_UP, "message played")
        )

    # -- helpers ----------------------------------------------------------------------
    def _lead(self, attempt_id: str) -> _Lead:
        lead = self.leads.get(attempt_id)
        if lead is None:
            raise NoSuchCall(f"no attempt {attempt_id!r}", details={"attempt_id": attempt_id})
        return lead

    def _end(self, lead: _Lead, outcome: ob.LineOutcome, cause: str) -> None:
        if self.leads.pop(lead.attempt_id, None) is None:
            return
        lead.cancel()
        if lead.agent_id is not None and self.legs.get(lead.agent_id) == lead.attempt_id:
            self.legs[lead.agent_id] = None  # the agent's leg waits in its bridge again
        self.emit(ob.LeadEnded(lead.attempt_id, outcome, self.clock.now(), cause))

    def _after(self, lead: _Lead, delay: float, action: Callable[[], None]) -> None:
        lead.timers.append(self.clock.call_later(delay, action))

    def _lognormal(self, mean: float, sigma: float) -> float:
        return self.rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)
