"""The call engine: telephony events in; ACD decisions, screen-pops and call-log legs out.

The caller's CRM record is looked up when the call is *offered* and pushed when an agent's
phone starts *ringing*, so the pop costs no database round trip on the hot path. The lookup
runs beside the engine (``cti.calls.lookups``) and its answer comes back as an event,
``CallerIdentified``. An external CRM (``enrich``) is asked at the same time; the pop never
waits for it: it goes out at ring with what is known (the CRM's part ``pending``), and the
CRM's answer, when it comes, is pushed to the agent's desktop as an enrichment.

The ACD returns its decisions (``acd.commands``); ``carry_out`` does them in order: rings
phones, dials callbacks, transfers overflows, tells desktops and the board, and starts the
timers the ACD asked for. Whoever changes the ACD from outside goes through the centre's
methods (``apply``, ``set_skills``, ``configure_queue``, ``delete_queue``) or hands what
the ACD returned to ``carry_out``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Protocol

import structlog

from acd import agents as ag
from acd.agents import Agent, AgentState
from acd.commands import (
    AgentChanged,
    CallbackDue,
    Commands,
    Offer,
    Overflowed,
    PhoneFailed,
    QueueChanged,
    Wake,
)
from acd.engine import Acd
from acd.model import OverflowKind, QueueConfig, Requirements
from acd.requirements import CallerProfile, Policy, requirements_for
from cti.calls import members, model
from cti.calls.events import CallerEnriched, CallerIdentified
from cti.calls.lookups import CrmLookups, EnrichFn, LookupFn
from cti.calls.model import Call, Phase
from cti.clock import Clock
from cti.crm.cards import CallerLookup
from cti.crm.external import ExternalLookup, pending
from cti.errors import SwitchboardError
from cti.telephony import commands as cmd
from cti.telephony import events as ev
from cti.telephony.errors import NoSuchCall
from cti.telephony.outbound import OUTBOUND_EVENTS
from cti.telephony.port import PortEvent, TelephonyPort

log = structlog.get_logger(__name__)

__all__ = ["CallCentre", "EnrichFn", "LookupFn", "Notifier"]

LegSink = Callable[[Call, CallerLookup | None], None]


class Notifier(Protocol):
    """One method per outbound event (the websocket hub implements it)."""

    def pop(
        self,
        agent_id: str,
        call: Call,
        lookup: CallerLookup | None,
        crm: ExternalLookup | None = None,
    ) -> None: ...

    def enriched(self, agent_id: str, call: Call, crm: ExternalLookup) -> None: ...

    def call_changed(self, agent_id: str, call: Call, change: str) -> None: ...

    def agent_changed(self, agent: Agent) -> None: ...

    def queue_changed(self, queue: str) -> None: ...

    def command_failed(self, event: ev.CommandFailed) -> None: ...

    def phone_failed(self, alert: PhoneFailed) -> None: ...


class CallCentre:
    def __init__(
        self,
        clock: Clock,
        port: TelephonyPort,
        queues: list[QueueConfig],
        notifier: Notifier,
        lookup: LookupFn,
        on_leg_done: LegSink,
        *,
        routing: bool = True,
        enrich: EnrichFn | None = None,
    ) -> None:
        self.clock = clock
        self.port = port
        self.notifier = notifier
        self._on_leg_done = on_leg_done
        self.policy = Policy()
        self.acd = Acd(clock, queues, routing=routing)
        self.members = members.Memberships(self.acd, self.carry_out)
        self.lookups = CrmLookups(lookup, self.handle, enrich)
        self._enriches = enrich is not None
        self.calls: dict[str, Call] = {}
        self._found: dict[str, CallerLookup | None] = {}  # CRM answers, per call
        self._external: dict[str, ExternalLookup] = {}  # the external CRM's, per call
        self._pops_waiting: dict[str, list[str]] = {}  # agents ringing before the answer
        self.alerts: dict[str, PhoneFailed] = {}  # agent -> their phone's last failure
        # Takes the ACD's offers of a dialer's calls (cti.calls.outbound); False: not its call.
        self.outbound_offers: Callable[[Offer], bool] | None = None
        port.subscribe(self.handle)

    # -- carrying out what the ACD decided ----------------------------------------
    def carry_out(self, commands: Commands) -> None:
        """Do what the ACD decided, in the order it decided it."""
        for command in commands:
            if isinstance(command, AgentChanged):
                self.notifier.agent_changed(command.agent)
            elif isinstance(command, QueueChanged):
                self.notifier.queue_changed(command.queue)
            elif isinstance(command, Offer):
                if self.outbound_offers is not None and self.outbound_offers(command):
                    continue  # a dialer's call: bridged to the agent's persistent leg
                self.port.dispatch(
                    cmd.ConnectAgent(
                        command.call_id, command.agent_id, command.queue, command.ring_timeout
                    )
                )
            elif isinstance(command, CallbackDue):
                self._callback_due(command)
            elif isinstance(command, Overflowed):
                self._overflowed(command)
            elif isinstance(command, Wake):
                delay = command.at - self.clock.now()
                self.clock.call_later(delay, partial(self._wake, command))
            elif isinstance(command, PhoneFailed):
                log.warning("phone_failed", agent_id=command.agent_id, failures=command.failures)
                self.alerts[command.agent_id] = command
                self.notifier.phone_failed(command)

    def _wake(self, wake: Wake) -> None:
        self.carry_out(self.acd.wake(wake))

    def _callback_due(self, due: CallbackDue) -> None:
        """The caller's turn has come: dial them for the agent, agent's leg first."""
        variables = (("CALLBACK_OF", due.call_id), ("CALLBACK_QUEUE", due.queue))
        self.port.dispatch(cmd.Originate(due.agent_id, due.number, variables))

    def _overflowed(self, overflow: Overflowed) -> None:
        if overflow.kind is OverflowKind.CALLBACK:
            call = self.calls.get(overflow.call_id)
            if call is not None and call.caller_number:
                self.request_callback(call.call_id, call.caller_number)
                return
            self.carry_out(self.acd.left_queue(overflow.call_id))
        self.port.dispatch(cmd.Transfer(overflow.call_id, overflow.target, overflow.kind))

    # -- telephony events and the CRM's answers -----------------------------------
    def handle(self, event: PortEvent | CallerIdentified | CallerEnriched) -> None:
        if isinstance(event, OUTBOUND_EVENTS):
            return  # the dialer's (cti.telephony.outbound), on the same stream
        if isinstance(event, CallerIdentified):
            self._identified(event)
            return
        if isinstance(event, CallerEnriched):
            self._enriched(event)
            return
        if isinstance(event, ev.CommandFailed):
            log.warning("command_failed", command_id=event.command_id, error=event.error_id)
            self.notifier.command_failed(event)
            return
        if isinstance(event, ev.CallOffered):
            self._offered(event)
            return
        if isinstance(event, ev.QueueMemberChanged):
            if not self.acd.routing:  # routing, agents come from the directory alone
                self.members.changed(event)
            return
        call = self.calls.get(event.call_id)
        if call is None:
            call = self._adopt(event)
            if call is None:
                return
        new, legs = model.transition(call, event)
        self.calls[new.call_id] = new
        try:
            self._side_effects(call, new, event)
        except SwitchboardError as exc:  # the PBX is the truth; the call model has moved on
            log.warning("acd_disagrees_with_pbx", call_id=new.call_id, error=exc.message)
            self.carry_out(self.acd.take())  # what the ACD decided before it refused
        for leg in legs:
            self._on_leg_done(leg, self.lookup_result(leg.call_id))
        if new.phase is Phase.ENDED:
            self._forget(new.call_id)

    def _offered(self, event: ev.CallOffered) -> None:
        self.calls[event.call_id] = model.offered(event)
        self._pops_waiting[event.call_id] = []
        if self._enriches:
            self._external[event.call_id] = pending(event.caller_number)
        self.lookups.ask(event.call_id, event.caller_number)

    def _identified(self, event: CallerIdentified) -> None:
        call = self.calls.get(event.call_id)
        if call is None:
            return  # the call ended before the CRM answered
        self._found[event.call_id] = event.lookup
        self._refresh_requirements(event.call_id)
        for agent_id in self._pops_waiting.pop(event.call_id, []):
            current, agent = self.calls.get(call.call_id), self.acd.find_agent(agent_id)
            if current is not None and agent is not None and agent.call_id == call.call_id:
                self.notifier.pop(
                    agent_id, current, event.lookup, self.external_result(call.call_id)
                )

    def _enriched(self, event: CallerEnriched) -> None:
        call = self.calls.get(event.call_id)
        if call is None:
            return  # the call ended before the external CRM answered
        self._external[event.call_id] = event.lookup
        self._refresh_requirements(event.call_id)
        popped = event.call_id not in self._pops_waiting
        if call.agent_id and popped and call.phase in (Phase.RINGING, Phase.CONNECTED):
            self.notifier.enriched(call.agent_id, call, event.lookup)

    # -- routing requirements: queue, then IVR, then CRM --------------------------
    def _requirements(self, call: Call, queue: str) -> Requirements:
        return requirements_for(
            self.acd.queue(queue), dict(call.variables), self._profile(call.call_id), self.policy
        )

    def _profile(self, call_id: str) -> CallerProfile | None:
        lookup = self.lookup_result(call_id)
        if lookup is None or len(lookup.matches) != 1:
            return self._external_profile(call_id)
        card = lookup.matches[0]
        return CallerProfile(str(card.tier), card.churn_risk, card.owner_agent)

    def _external_profile(self, call_id: str) -> CallerProfile | None:
        """A caller the local records do not know may still be known to the external CRM."""
        crm = self._external.get(call_id)
        if crm is None or len(crm.cards) != 1 or crm.cards[0].tier is None:
            return None
        card = crm.cards[0]
        return CallerProfile(str(card.tier), card.churn_risk or 0.0, None)

    def _refresh_requirements(self, call_id: str) -> None:
        call, waiting = self.calls.get(call_id), self.acd.waiting_call(call_id)
        if call is not None and waiting is not None:
            wanted = self._requirements(call, waiting.queue)
            self.carry_out(self.acd.update_requirements(call_id, wanted))

    def _adopt(self, event: ev.TelephonyEvent) -> Call | None:
        """A call whose start we never saw (joined a busy PBX): begin it from this event."""
        if not isinstance(event, ev.CallQueued | ev.AgentRinging | ev.CallAnswered):
            return None
        offered = ev.CallOffered(event.call_id, event.at, None, None, "")
        self._offered(offered)
        return self.calls[event.call_id]

    def _side_effects(self, old: Call, new: Call, event: ev.TelephonyEvent) -> None:
        acd, do = self.acd, self.carry_out
        match event:
            case ev.CallQueued(queue=queue, at=at):
                if old.phase is not Phase.QUEUED or old.queue != queue:
                    if not acd.routing:
                        do(members.ensure_queue(acd, queue))
                    wanted = self._requirements(new, queue)
                    do(acd.enqueue(new.call_id, queue, since=at, requirements=wanted))
            case ev.CallVariables():
                self._refresh_requirements(new.call_id)
            case ev.AgentRinging(agent_id=agent, queue=queue):
                do(acd.ringing(new.call_id, agent, queue))
                self._push_pop(agent, new)
            case ev.AgentRingNoAnswer(agent_id=agent, failed=failed):
                self.notifier.call_changed(agent, new, "missed")
                do(acd.ring_no_answer(new.call_id, agent, failed=failed))
            case ev.CallAnswered(agent_id=agent):
                self.alerts.pop(agent, None)
                do(acd.answered(new.call_id, agent, new.queue, new.wait_seconds or 0.0))
                self.notifier.call_changed(agent, new, "answered")
            case ev.CallHeld() if new.agent_id:
                self.notifier.call_changed(new.agent_id, new, "held" if new.on_hold else "resumed")
            case ev.CallTransferred(target=target, target_kind="agent"):
                self._leave_agent(old, "transferred")
                do(acd.left_queue(new.call_id))
                self._take_over_consultation(target, new.call_id)
            case ev.CallTransferred():
                self._leave_agent(old, "transferred")
                do(acd.left_queue(new.call_id))
            case ev.CallEnded(cause=ev.EndCause.PBX_LOST):
                do(acd.left_queue(new.call_id))  # the PBX lost it: no abandon to count
                self._leave_agent(old, "ended")
            case ev.CallEnded():
                if old.answered_at is None:
                    do(acd.abandoned(new.call_id))
                self._leave_agent(old, "ended")

    def _take_over_consultation(self, agent_id: str, call_id: str) -> None:
        """After a consultation, the consulted agent takes the customer's call as is."""
        agent = self.acd.find_agent(agent_id)
        consult = self.calls.get(agent.call_id or "") if agent else None
        if agent is not None and consult is not None and consult.variable("CONSULT_OF") == call_id:
            self.carry_out(self.acd.hand_over(agent_id, consult.call_id, call_id))

    def _leave_agent(self, old: Call, change: str) -> None:
        if old.agent_id is None:
            return
        self.carry_out(self.acd.call_done(old.call_id, old.agent_id, old.queue))
        self.notifier.call_changed(old.agent_id, old, change)

    def _push_pop(self, agent_id: str, call: Call) -> None:
        waiting = self._pops_waiting.get(call.call_id)
        if waiting is None:  # the CRM has answered (or was never asked)
            crm = self.external_result(call.call_id)
            self.notifier.pop(agent_id, call, self.lookup_result(call.call_id), crm)
        else:
            waiting.append(agent_id)

    def lookup_result(self, call_id: str) -> CallerLookup | None:
        """What the CRM answered for this call's caller; ``None`` before it answers."""
        return self._found.get(call_id)

    def external_result(self, call_id: str) -> ExternalLookup | None:
        """What the external CRM answered (``pending`` until it does); ``None`` without one."""
        return self._external.get(call_id)

    def _forget(self, call_id: str) -> None:
        self.calls.pop(call_id, None)
        self._found.pop(call_id, None)
        self._external.pop(call_id, None)
        self._pops_waiting.pop(call_id, None)

    # -- requests from agents and supervisors -----------------------------------
    def set_agent_state(self, agent_id: str, state: AgentState, reason: str | None) -> Agent:
        """An agent or supervisor asks for a state; the ACD refuses what is illegal (409)."""
        current = self.acd.agent(agent_id).state
        event: ag.AgentEvent
        if state is AgentState.AVAILABLE:
            event = ag.Login() if current is AgentState.LOGGED_OUT else ag.MakeAvailable()
        elif state is AgentState.PAUSED:
            event = ag.Pause(reason or "break")
        else:
            event = ag.Logout()
        return self.apply(agent_id, event)

    def apply(self, agent_id: str, event: ag.AgentEvent) -> Agent:
        """Apply an agent event to the ACD and carry out what follows.

        Returns the agent as the event left them, before any offer that followed from it
        (an agent made available is shown available, though a call may ring them next)."""
        commands = self.acd.apply(agent_id, event)
        after = next(
            (
                c.agent
                for c in commands
                if isinstance(c, AgentChanged) and c.agent.agent_id == agent_id
            ),
            None,
        )
        self.carry_out(commands)
        return after or self.acd.agent(agent_id)

    def set_skills(self, agent_id: str, skills: tuple[tuple[str, int], ...]) -> Agent:
        self.carry_out(self.acd.set_skills(agent_id, skills))
        return self.acd.agent(agent_id)

    def configure_queue(self, config: QueueConfig) -> None:
        self.carry_out(self.acd.configure_queue(config))

    def delete_queue(self, name: str) -> None:
        self.carry_out(self.acd.delete_queue(name))

    def request_callback(self, call_id: str, number: str) -> None:
        """The caller leaves the line and keeps their place; the PBX hangs them up."""
        self.carry_out(self.acd.request_callback(call_id, number))
        self.port.dispatch(cmd.Hangup(call_id))

    def call_for_agent(self, agent_id: str) -> Call | None:
        agent = self.acd.agent(agent_id)
        return self.calls.get(agent.call_id) if agent.call_id else None

    def require_call(self, call_id: str) -> Call:
        call = self.calls.get(call_id)
        if call is None:
            raise NoSuchCall(f"no active call {call_id!r}", details={"call_id": call_id})
        return call
