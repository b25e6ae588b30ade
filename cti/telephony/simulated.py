"""The embedded default PBX: synthetic callers on the injected clock, same port as Asterisk.

Callers arrive per queue as Poisson processes, wait with a patience drawn per caller
(exponential; they hang up when it runs out: an abandon), talk for a lognormal time once
answered. Switchboard routes: ``ConnectAgent`` rings the agent. An agent with no desktop
attached answers by itself after a short ring (demo mode); an attended agent answers with
``Answer`` or the ring times out (``AgentRingNoAnswer``).

It also runs campaigns (``OutboundDialling``): leads answer as people or machines, or not at
all, by the distributions in ``cti.telephony.simulated_outbound``; their events come on the
same ``subscribe`` stream as every other.
"""

from __future__ import annotations

import itertools
import math
import random
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from cti.clock import Clock, Timer
from cti.telephony import commands as cmd
from cti.telephony import events as ev
from cti.telephony import outbound as ob
from cti.telephony.errors import CommandRefused, NoSuchCall
from cti.telephony.port import EventHandler
from cti.telephony.simulated_outbound import OutboundProfile, SimulatedOutbound


@dataclass(frozen=True, slots=True)
class QueueTraffic:
    queue: str
    calls_per_minute: float
    mean_patience: float = 90.0
    mean_talk: float = 120.0
    talk_sigma: float = 0.6


@dataclass(frozen=True, slots=True)
class TrafficProfile:
    queues: tuple[QueueTraffic, ...]
    caller_numbers: tuple[str, ...] = ()
    withheld_share: float = 0.03
    unknown_share: float = 0.12
    auto_answer_delay: tuple[float, float] = (1.0, 3.0)


class FrontDoor(Protocol):
    """Takes new calls before any queue: the IVR on the simulated PBX."""

    def arrived(self, call_id: str, dialled: str, number: str | None) -> bool:
        """Return True to take the call (and later ``enqueue`` or end it)."""
        ...


@dataclass(slots=True)
class _SimCall:
    call_id: str
    number: str | None
    queue: str | None = None
    agent_id: str | None = None  # the agent connected
    answered: bool = False
    ringing: dict[str, Timer] = field(default_factory=dict)  # agent -> answer or ring-out
    timers: list[Timer] = field(default_factory=list)

    def cancel_timers(self) -> None:
        for timer in (*self.timers, *self.ringing.values()):
            timer.cancel()
        self.timers.clear()
        self.ringing.clear()


class SimulatedTelephony:
    def __init__(
        self,
        clock: Clock,
        profile: TrafficProfile,
        *,
        rng: random.Random,
        is_attended: Callable[[str], bool] = lambda agent_id: False,
        outbound: OutboundProfile | None = None,
    ) -> None:
        self._clock = clock
        self._profile = profile
        self._rng = rng
        self._is_attended = is_attended
        self._handlers: list[EventHandler] = []
        self._calls: dict[str, _SimCall] = {}
        self._ids = itertools.count(1)
        # Like Asterisk's Uniqueid (epoch.sequence), with a random part of this instance's
        # own: two processes starting in the same second (and with the same demo seed, so the
        # same traffic) never hand out the same ids.
        self._id_prefix = f"sim-{int(clock.now())}-{secrets.token_hex(6)}"
        self._arrival_timers: dict[str, Timer] = {}
        self._front_door: FrontDoor | None = None
        self._consults: dict[str, str] = {}  # call -> its consultation leg
        self._running = False
        self._outbound = SimulatedOutbound(clock, rng, self._emit_outbound, outbound)

    # -- port -------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return True

    def subscribe(self, handler: EventHandler) -> None:
        self._handlers.append(handler)

    async def start(self) -> None:
        self._running = True
        for traffic in self._profile.queues:
            self._schedule_arrival(traffic)

    async def stop(self) -> None:
        self._running = False
        for timer in self._arrival_timers.values():
            timer.cancel()
        for call in self._calls.values():
            call.cancel_timers()
        self._outbound.stop()

    async def execute_outbound(self, command: ob.OutboundCommand) -> None:
        await self._outbound.execute_outbound(command)

    async def execute(self, command: cmd.Command) -> str | None:
        return self._apply(command)

    def dispatch(self, command: cmd.Command) -> None:
        try:
            self._apply(command)
        except (NoSuchCall, CommandRefused) as exc:
            now = self._clock.now()
            self._emit(ev.CommandFailed(command.command_id, now, exc.error_id, exc.message))

    # -- traffic ----------------------------------------------------------------
    def set_front_door(self, front_door: FrontDoor) -> None:
        """Calls go to ``front_door`` (an IVR) first; it queues them with ``enqueue``."""
        self._front_door = front_door

    def place_call(self, dialled: str, number: str | None, name: str | None = None) -> str:
        """A caller dials in now: to the front door if it takes ``dialled``, else to the queue
        of that name (also used by tests and the demo)."""
        call = _SimCall(self._new_id(), number)
        self._calls[call.call_id] = call
        now = self._clock.now()
        self._emit(ev.CallOffered(call.call_id, now, number, name, dialled))
        if self._front_door is None or not self._front_door.arrived(call.call_id, dialled, number):
            self.enqueue(call.call_id, dialled)
        return call.call_id

    # -- what a front door (IVR) may do with a call it holds ------------------------
    def enqueue(self, call_id: str, queue: str) -> None:
        """The caller waits in ``queue`` from now on, with their patience."""
        call = self._call(call_id)
        call.queue = queue
        now = self._clock.now()
        self._emit(ev.CallQueued(call.call_id, now, queue, self._position(queue)))
        patience = self._patience(queue)
        call.timers.append(self._clock.call_later(patience, lambda: self._abandon(call)))

    def set_variables(self, call_id: str, variables: tuple[tuple[str, str], ...]) -> None:
        call = self._call(call_id)
        self._emit(ev.CallVariables(call.call_id, self._clock.now(), variables))

    def caller_hangs_up(self, call_id: str) -> None:
        if call_id in self._calls:
            self._end(self._calls[call_id], ev.EndCause.CALLER_HANGUP)

    def system_hangs_up(self, call_id: str) -> None:
        """The PBX ends the call itself (an IVR flow reached its ``hangup`` node)."""
        if call_id in self._calls:
            self._end(self._calls[call_id], ev.EndCause.SYSTEM)

    def is_up(self, call_id: str) -> bool:
        return call_id in self._calls

    def _schedule_arrival(self, traffic: QueueTraffic) -> None:
        if traffic.calls_per_minute <= 0 or not self._running:
            return
        gap = self._rng.expovariate(traffic.calls_per_minute / 60.0)

        def arrive() -> None:
            self.place_call(traffic.queue, self._draw_number())
            self._schedule_arrival(traffic)

        self._arrival_timers[traffic.queue] = self._clock.call_later(gap, arrive)

    def _draw_number(self) -> str | None:
        roll = self._rng.random()
        if roll < self._profile.withheld_share:
            return None
        if roll < self._profile.withheld_share + self._profile.unknown_share or not (
            self._profile.caller_numbers
        ):
            return f"+1{self._rng.randint(2002000000, 9899999999)}"
        return self._rng.choice(self._profile.caller_numbers)

    def _traffic(self, queue: str | None) -> QueueTraffic:
        for traffic in self._profile.queues:
            if traffic.queue == queue:
                return traffic
        return QueueTraffic(queue or "", 0.0)

    def _patience(self, queue: str) -> float:
        return self._rng.expovariate(1.0 / self._traffic(queue).mean_patience)

    def _talk_time(self, queue: str | None) -> float:
        traffic = self._traffic(queue)
        sigma = traffic.talk_sigma
        mu = math.log(traffic.mean_talk) - sigma * sigma / 2
        return self._rng.lognormvariate(mu, sigma)

    def _position(self, queue: str) -> int:
        return sum(1 for c in self._calls.values() if c.queue == queue and not c.answered)

    # -- commands ---------------------------------------------------------------
    def _apply(self, command: cmd.Command) -> str | None:
        match command:
            case cmd.ConnectAgent():
                self._ring(self._call(command.call_id), command.agent_id, command)
            case cmd.Answer():
                self._answer(self._call(command.call_id), command.agent_id)
            case cmd.Originate():
                return self._originate(command)
            case cmd.Transfer():
                self._transfer(self._call(command.call_id), command)
            case cmd.Hold():
                call = self._call(command.call_id)
                self._emit(ev.CallHeld(call.call_id, self._clock.now(), command.on_hold))
            case cmd.Hangup():
                self._end(self._call(command.call_id), ev.EndCause.AGENT_HANGUP)
            case cmd.Consult():
                self._consult(self._call(command.call_id), command)
            case cmd.EndConsult():
                self._end_consult(self._call(command.call_id), command.complete)
        return None

    def _call(self, call_id: str) -> _SimCall:
        try:
            return self._calls[call_id]
        except KeyError:
            raise NoSuchCall(f"no call {call_id!r}", details={"call_id": call_id}) from None

    def _ring(self, call: _SimCall, agent_id: str, command: cmd.ConnectAgent) -> None:
        if call.answered or agent_id in call.ringing:
            raise CommandRefused(f"call {call.call_id} cannot ring {agent_id} now")
        self._emit(ev.AgentRinging(call.call_id, self._clock.now(), agent_id, call.queue))
        if self._is_attended(agent_id):
            timeout = command.ring_timeout
            timer = self._clock.call_later(timeout, lambda: self._ring_out(call, agent_id))
        else:
            delay = self._rng.uniform(*self._profile.auto_answer_delay)
            timer = self._clock.call_later(delay, lambda: self._answer_quietly(call, agent_id))
        call.ringing[agent_id] = timer

    def _ring_out(self, call: _SimCall, agent_id: str) -> None:
        if call.ringing.pop(agent_id, None) is None or call.answered:
            return
        now = self._clock.now()
        self._emit(ev.AgentRingNoAnswer(call.call_id, now, agent_id, call.queue))

    def _answer(self, call: _SimCall, agent_id: str) -> None:
        if call.call_id not in self._calls or call.answered:
            raise CommandRefused(f"call {call.call_id} is no longer ringing")
        if agent_id not in call.ringing:
            raise CommandRefused(f"call {call.call_id} is not ringing {agent_id}")
        call.cancel_timers()  # the first answer wins; the other phones stop ringing
        call.answered, call.agent_id = True, agent_id
        self._emit(ev.CallAnswered(call.call_id, self._clock.now(), agent_id, call.queue))
        talk = self._talk_time(call.queue)
        call.timers.append(self._clock.call_later(talk, lambda: self._talk_over(call)))

    def _answer_quietly(self, call: _SimCall, agent_id: str) -> None:
        """A timer's answer: the call may have moved on meanwhile, which is no error."""
        if call.call_id in self._calls and not call.answered and agent_id in call.ringing:
            self._answer(call, agent_id)

    def _talk_over(self, call: _SimCall) -> None:
        by_caller = self._rng.random() < 0.4
        self._end(call, ev.EndCause.CALLER_HANGUP if by_caller else ev.EndCause.AGENT_HANGUP)

    def _abandon(self, call: _SimCall) -> None:
        if not call.answered:
            self._end(call, ev.EndCause.CALLER_HANGUP)

    def _end(self, call: _SimCall, cause: ev.EndCause) -> None:
        if self._calls.pop(call.call_id, None) is None:
            return
        call.cancel_timers()
        self._emit(ev.CallEnded(call.call_id, self._clock.now(), cause))

    def _transfer(self, call: _SimCall, command: cmd.Transfer) -> None:
        kind, target = command.target_kind, command.target
        if kind not in ("queue", "agent", "voicemail"):
            raise CommandRefused(
                f"the simulated PBX cannot transfer to a {kind}", details={"target_kind": kind}
            )
        call.cancel_timers()
        now = self._clock.now()
        call.agent_id, call.answered = None, False
        self._emit(ev.CallTransferred(call.call_id, now, target, kind))
        if kind == "voicemail":  # the caller leaves a message, then hangs up
            message = self._rng.uniform(15, 45)
            call.timers.append(
                self._clock.call_later(message, lambda: self._end(call, ev.EndCause.CALLER_HANGUP))
            )
            return
        if kind == "agent":
            self._ring(call, target, cmd.ConnectAgent(call.call_id, target, call.queue or ""))
            return
        call.queue = target
        self._emit(ev.CallQueued(call.call_id, now, target, self._position(target)))
        patience = self._patience(target)
        call.timers.append(self._clock.call_later(patience, lambda: self._abandon(call)))

    def _originate(self, command: cmd.Originate) -> str:
        call = _SimCall(self._new_id(), command.number)
        self._calls[call.call_id] = call
        now = self._clock.now()
        direction = ev.Direction.OUTBOUND
        self._emit(
            ev.CallOffered(call.call_id, now, command.number, None, command.number, direction)
        )
        if command.variables:
            self._emit(ev.CallVariables(call.call_id, now, command.variables))
        self._emit(ev.AgentRinging(call.call_id, now, command.agent_id, None))
        delay = self._rng.uniform(*self._profile.auto_answer_delay)
        call.ringing[command.agent_id] = self._clock.call_later(
            delay, lambda: self._answer_quietly(call, command.agent_id)
        )
        return call.call_id

    # -- consultation -------------------------------------------------------------
    def _consult(self, call: _SimCall, command: cmd.Consult) -> None:
        if command.target_kind != "agent":
            raise CommandRefused("the simulated PBX consults agents only")
        if not call.answered or call.agent_id != command.agent_id or call.call_id in self._consults:
            raise CommandRefused(f"{command.agent_id} is not talking on {call.call_id}")
        now = self._clock.now()
        self._emit(ev.CallHeld(call.call_id, now, True))
        leg = _SimCall(f"{call.call_id}-consult", command.agent_id)
        self._calls[leg.call_id] = leg
        self._consults[call.call_id] = leg.call_id
        direction = ev.Direction.OUTBOUND
        self._emit(
            ev.CallOffered(leg.call_id, now, command.agent_id, None, command.target, direction)
        )
        self._emit(ev.CallVariables(leg.call_id, now, (("CONSULT_OF", call.call_id),)))
        self._ring(leg, command.target, cmd.ConnectAgent(leg.call_id, command.target, ""))

    def _end_consult(self, call: _SimCall, complete: bool) -> None:
        leg = self._calls.get(self._consults.pop(call.call_id, ""))
        if leg is None:
            raise CommandRefused(f"no consultation on {call.call_id}")
        target, now = leg.agent_id, self._clock.now()
        if not complete or target is None:
            self._end(leg, ev.EndCause.AGENT_HANGUP)
            self._emit(ev.CallHeld(call.call_id, now, False))
            return
        call.cancel_timers()
        self._emit(ev.CallTransferred(call.call_id, now, target, "agent"))
        call.agent_id, call.ringing = target, {}
        self._emit(ev.CallHeld(call.call_id, now, False))
        self._emit(ev.CallAnswered(call.call_id, now, target, call.queue))
        leg.cancel_timers()
        self._calls.pop(leg.call_id, None)
        self._emit(ev.CallEnded(leg.call_id, now, ev.EndCause.TRANSFERRED_AWAY))
        talk = self._talk_time(call.queue)
        call.timers.append(self._clock.call_later(talk, lambda: self._talk_over(call)))

    def _new_id(self) -> str:
        return f"{self._id_prefix}.{next(self._ids)}"

    def _emit(self, event: ev.TelephonyEvent) -> None:
        for handler in self._handlers:
            handler(event)

    def _emit_outbound(self, event: ob.OutboundEvent) -> None:
        for handler in self._handlers:
            # The outbound events share the port's stream (cti.telephony.outbound); every
            # subscriber skips what is not its own.
            handler(event)


def profile_for(
    queues: Sequence[str],
    calls_per_minute: float,
    numbers: Sequence[str],
    *,
    mean_talk: float = 120.0,
    mean_patience: float = 90.0,
) -> TrafficProfile:
    """Spread ``calls_per_minute`` over ``queues`` (first queues busier, as in real centres)."""
    weights = [1.0 / (i + 1) for i in range(len(queues))]
    total = sum(weights) or 1.0
    return TrafficProfile(
        queues=tuple(
            QueueTraffic(q, calls_per_minute * w / total, mean_patience, mean_talk)
            for q, w in zip(queues, weights, strict=True)
        ),
        caller_numbers=tuple(numbers),
    )
