"""The call engine: telephony events in; ACD decisions, screen-pops and call-log legs out.

The caller's CRM record is looked up when the call is *offered* and pushed when an agent's
phone starts *ringing*, so the pop costs no database round trip on the hot path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

import structlog

from acd import agents as ag
from acd.agents import Agent, AgentState
from acd.model import QueueConfig, Requirements
from acd.requirements import CallerProfile, Policy, requirements_for
from acd.engine import Acd, AcdListener, CallbackDue, Offer, Overflowed
from cti.calls import members, model
from cti.calls.model import Call, Phase
from cti.clock import Clock
from cti.crm.cards import CallerLookup
from cti.errors import SwitchboardError
from cti.telephony import commands as cmd
from cti.telephony import events as ev
from cti.telephony.errors import NoSuchCall
from cti.telephony.port import TelephonyPort

log = structlog.get_logger(__name__)

LookupFn = Callable[[str | None], Coroutine[Any, Any, CallerLookup]]
LegSink = Callable[[Call, CallerLookup | None], None]


class Notifier(Protocol):
    """One method per outbound event (the websocket hub implements it)."""

    def pop(self, agent_id: str, call: Call, lookup: CallerLookup | None) -> None: ...

    def call_changed(self, agent_id: str, call: Call, change: str) -> None: ...

    def agent_changed(self, agent: Agent) -> None: ...

    def queue_changed(self, queue: str) -> None: ...

    def command_failed(self, event: ev.CommandFailed) -> None: ...


class CallCentre(AcdListener):
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
    ) -> None:
        self.clock = clock
        self.port = port
        self.notifier = notifier
        self._lookup = lookup
        self._on_leg_done = on_leg_done
        self.policy = Policy()
        self.acd = Acd(clock, queues, self, routing=routing)
        self.members = members.Memberships(self.acd)
        self.calls: dict[str, Call] = {}
        self._lookups: dict[str, asyncio.Task[CallerLookup]] = {}
        port.subscribe(self.handle)

    # -- ACD listener -----------------------------------------------------------
    def offer(self, offer: Offer) -> None:
        self.port.dispatch(
            cmd.ConnectAgent(offer.call_id, offer.agent_id, offer.queue, offer.ring_timeout)
        )

    def callback_due(self, due: CallbackDue) -> None:
        """The caller's turn has come: dial them for the agent, agent's leg first."""
        variables = (("CALLBACK_OF", due.call_id), ("CALLBACK_QUEUE", due.queue))
        self.port.dispatch(cmd.Originate(due.agent_id, due.number, variables))

    def overflowed(self, overflow: Overflowed) -> None:
        if overflow.kind == "callback":
            call = self.calls.get(overflow.call_id)
            if call is not None and call.caller_number:
                self.request_callback(call.call_id, call.caller_number)
                return
            self.acd.left_queue(overflow.call_id)
        self.port.dispatch(cmd.Transfer(overflow.call_id, overflow.target, overflow.kind))

    def agent_changed(self, agent: Agent) -> None:
        self.notifier.agent_changed(agent)

    def queue_changed(self, queue: str) -> None:
        self.notifier.queue_changed(queue)

    # -- telephony events -------------------------------------------------------
    def handle(self, event: ev.TelephonyEvent) -> None:
        if isinstance(event, ev.CommandFailed):
            log.warning("command_failed", command_id=event.command_id, error=event.error_id)
            self.notifier.command_failed(event)
            return
        if isinstance(event, ev.CallOffered):
            self._offered(event)
            return
        if isinstance(event, ev.QueueMemberChanged):
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
        for leg in legs:
            self._on_leg_done(leg, self.lookup_result(leg.call_id))
        if new.phase is Phase.ENDED:
            self._forget(new.call_id)

    def _offered(self, event: ev.CallOffered) -> None:
        self.calls[event.call_id] = model.offered(event)
        task = asyncio.get_running_loop().create_task(self._lookup(event.caller_number))
        task.add_done_callback(lambda _: self._refresh_requirements(event.call_id))
        self._lookups[event.call_id] = task

    # -- routing requirements: queue, then IVR, then CRM --------------------------
    def _requirements(self, call: Call, queue: str) -> Requirements:
        return requirements_for(
            self.acd.queue(queue), dict(call.variables), self._profile(call.call_id), self.policy
        )

    def _profile(self, call_id: str) -> CallerProfile | None:
        lookup = self.lookup_result(call_id)
        if lookup is None or len(lookup.matches) != 1:
            return None
        card = lookup.matches[0]
        return CallerProfile(str(card.tier), card.churn_risk, card.owner_agent)

    def _refresh_requirements(self, call_id: str) -> None:
        call, waiting = self.calls.get(call_id), self.acd.waiting_call(call_id)
        if call is not None and waiting is not None:
            self.acd.update_requirements(call_id, self._requirements(call, waiting.queue))

    def _adopt(self, event: ev.TelephonyEvent) -> Call | None:
        """A call whose start we never saw (joined a busy PBX): begin it from this event."""
        if not isinstance(event, ev.CallQueued | ev.AgentRinging | ev.CallAnswered):
            return None
        offered = ev.CallOffered(event.call_id, event.at, None, None, "")
        self._offered(offered)
        return self.calls[event.call_id]

    def _side_effects(self, old: Call, new: Call, event: ev.TelephonyEvent) -> None:
        match event:
            case ev.CallQueued(queue=queue, at=at):
                if old.phase is not Phase.QUEUED or old.queue != queue:
                    if not self.acd.routing:
                        members.ensure_queue(self.acd, queue)
                    wanted = self._requirements(new, queue)
                    self.acd.enqueue(new.call_id, queue, since=at, requirements=wanted)
            case ev.CallVariables():
                self._refresh_requirements(new.call_id)
            case ev.AgentRinging(agent_id=agent, queue=queue):
                self.acd.ringing(new.call_id, agent, queue)
                self._push_pop(agent, new)
            case ev.AgentRingNoAnswer(agent_id=agent):
                self.notifier.call_changed(agent, new, "missed")
                self.acd.ring_no_answer(new.call_id, agent)
            case ev.CallAnswered(agent_id=agent):
                self.acd.answered(new.call_id, agent, new.queue, new.wait_seconds or 0.0)
                self.notifier.call_changed(agent, new, "answered")
            case ev.CallHeld() if new.agent_id:
                self.notifier.call_changed(new.agent_id, new, "held" if new.on_hold else "resumed")
            case ev.CallTransferred(target=target, target_kind="agent"):
                self._leave_agent(old, "transferred")
                self.acd.left_queue(new.call_id)
                self._take_over_consultation(target, new.call_id)
            case ev.CallTransferred():
                self._leave_agent(old, "transferred")
                self.acd.left_queue(new.call_id)
            case ev.CallEnded():
                if old.answered_at is None:
                    self.acd.abandoned(new.call_id)
                self._leave_agent(old, "ended")

    def _take_over_consultation(self, agent_id: str, call_id: str) -> None:
        """After a consultation, the consulted agent takes the customer's call as is."""
        agent = self.acd.find_agent(agent_id)
        consult = self.calls.get(agent.call_id or "") if agent else None
        if agent is not None and consult is not None and consult.variable("CONSULT_OF") == call_id:
            self.acd.hand_over(agent_id, consult.call_id, call_id)

    def _leave_agent(self, old: Call, change: str) -> None:
        if old.agent_id is None:
            return
        self.acd.call_done(old.call_id, old.agent_id, old.queue)
        self.notifier.call_changed(old.agent_id, old, change)

    def _push_pop(self, agent_id: str, call: Call) -> None:
        task = self._lookups.get(call.call_id)
        if task is None or task.done():
            self.notifier.pop(agent_id, call, self.lookup_result(call.call_id))
            return

        def later(_: asyncio.Task[CallerLookup]) -> None:
            current = self.calls.get(call.call_id)
            agent = self.acd.find_agent(agent_id)
            if current is not None and agent is not None and agent.call_id == call.call_id:
                self.notifier.pop(agent_id, current, self.lookup_result(call.call_id))

        task.add_done_callback(later)

    def lookup_result(self, call_id: str) -> CallerLookup | None:
        task = self._lookups.get(call_id)
        if task is None or not task.done() or task.cancelled() or task.exception():
            return None
        return task.result()

    def _forget(self, call_id: str) -> None:
        self.calls.pop(call_id, None)
        self._lookups.pop(call_id, None)

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
        return self.acd.apply(agent_id, event)

    def request_callback(self, call_id: str, number: str) -> None:
        """The caller leaves the line and keeps their place; the PBX hangs them up."""
        self.acd.request_callback(call_id, number)
        self.port.dispatch(cmd.Hangup(call_id))

    def call_for_agent(self, agent_id: str) -> Call | None:
        agent = self.acd.agent(agent_id)
        return self.calls.get(agent.call_id) if agent.call_id else None

    def require_call(self, call_id: str) -> Call:
        call = self.calls.get(call_id)
        if call is None:
            raise NoSuchCall(f"no active call {call_id!r}", details={"call_id": call_id})
        return call
