"""``AsteriskTelephony``: the ``TelephonyPort`` on a real Asterisk, over AMI.

It talks through an ``AmiLink`` (``cti.asterisk.link``): the socket client (``AmiClient``)
live, a recorded capture (``CaptureLink``) in replay; ``build_adapter()`` is the one way both
build it. Events go through the ``ChannelIndex`` (call id -> channel name) and a normaliser
(``cti.asterisk.normalise``), whose domain events go to the subscribers. After every
(re)connection it resyncs: ``CoreShowChannels`` + ``QueueStatus`` into
``normaliser.resync()``, so calls that changed while the link was down are caught up.

Commands become AMI actions (``Dialplan`` names the contexts; ``docs/asterisk`` ships them):

- ``Originate`` (click-to-dial): ``Originate`` with the agent's leg first, ``Channel`` = the
  agent, ``Application: Dial`` to the customer, the variables passed along. ``ChannelId``
  gives the agent leg a Uniqueid chosen here, so the new call id is known at once;
- ``Transfer``: ``Redirect`` of the caller's channel to ``<queue>@queue_context``,
  ``<number>@outbound_context`` or ``<agent>@agent_context``. ``Redirect`` works wherever the
  caller is (queued, in the IVR, bridged); ``BlindTransfer`` would need the agent's channel
  and a bridge;
- ``Hangup``: ``Hangup`` of the caller's channel;
- ``ConnectAgent`` (Switchboard routes; the caller waits in the holding context):
  ``Originate`` of the agent's leg into ``connect_exten@connect_context``, which runs
  ``Bridge(${SB_CALLER_CHANNEL})`` once the agent answers, pulling the caller out of
  music-on-hold. ``Timeout`` is the ring timeout; nothing is bridged if the agent does not
  answer, and the caller keeps waiting;
- ``Hold``: not supported. AMI has no hold action: hold is a SIP re-INVITE the phone sends.
  Parking or a Redirect to music-on-hold would tear the bridge down, which is not a hold;
- ``Answer``: not supported. A desk phone answers itself; AMI cannot lift its handset.

Outbound campaigns (``execute_outbound``, the port's ``OutboundDialling``) are carried out by
``cti.asterisk.campaign_actions`` and followed by ``cti.asterisk.outbound``, whose events go to
the same subscribers.

A refusal raises the ``AmiActionFailed`` (a ``CommandRefused``) with the PBX's message; an
unknown call id raises ``NoSuchCall``.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Protocol

import structlog

from cti.asterisk.ami import ActionResult, Event, builders
from cti.asterisk.campaign_actions import DIALER_PLAN, CampaignActions, DialerPlan
from cti.asterisk.channels import ChannelIndex
from cti.asterisk.config import AmiConfig
from cti.asterisk.link import AmiLink
from cti.asterisk.normalise import AmiNormaliser
from cti.asterisk.outbound import OutboundLines
from cti.clock import Clock
from cti.telephony import commands as cmd
from cti.telephony import events as ev
from cti.telephony.errors import NoSuchCall, NotSupported, TelephonyError
from cti.telephony.events import CommandFailed, TelephonyEvent
from cti.telephony.outbound import OutboundCommand
from cti.telephony.port import EventHandler, PortEvent

log = structlog.get_logger(__name__)


class Normaliser(Protocol):
    """AMI events in, domain events out (``cti.asterisk.normalise.AmiNormaliser``)."""

    def feed(self, event: Event, now: float) -> list[TelephonyEvent]: ...

    def resync(
        self, channels: ActionResult, queue_status: ActionResult, now: float
    ) -> list[TelephonyEvent]: ...


@dataclass(frozen=True, slots=True)
class Dialplan:
    """Where the PBX takes what Switchboard asks; the defaults match ``docs/asterisk``."""

    agent_channel: str = "Local/{agent}@switchboard-agents/n"  # /n: never optimised away
    customer_dial: str = "Local/{number}@switchboard-outbound/n"
    member_interface: str = "Local/{agent}@switchboard-agents/n"
    member_state_interface: str | None = "PJSIP/{agent}"
    queue_context: str = "switchboard-inbound"
    outbound_context: str = "switchboard-outbound"
    agent_context: str = "switchboard-agents"
    connect_context: str = "switchboard-connect"
    connect_exten: str = "bridge"
    caller_id: str | None = None  # what the customer sees on click-to-dial
    dial_timeout: int = 30  # seconds the customer's leg rings
    agent_ring_timeout: float = 20.0  # seconds the agent's leg rings on click-to-dial
    resync_queue: str | None = None  # QueueStatus of one queue, or of all when None
    dialer: DialerPlan = DIALER_PLAN  # outbound campaigns (cti.asterisk.campaign_actions)


class AsteriskTelephony:
    def __init__(
        self,
        link: AmiLink,
        normaliser: Normaliser,
        clock: Clock,
        *,
        dialplan: Dialplan = Dialplan(),
        rng: random.Random | None = None,
    ) -> None:
        self._normaliser = normaliser
        self._clock = clock
        self._dialplan = dialplan
        self._channels = ChannelIndex()
        self._connecting: dict[str, cmd.ConnectAgent] = {}  # agent leg Uniqueid -> command
        self._dialling: dict[str, tuple[cmd.Originate, float]] = {}  # click-to-dial, sent at
        self._handlers: list[EventHandler] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._sequence = itertools.count((rng or random.Random()).randrange(1, 10**6))
        self._lines = OutboundLines()
        self._campaigns = CampaignActions(
            link,
            self._lines,
            clock,
            self._emit,
            agent_channel=dialplan.agent_channel,
            plan=dialplan.dialer,
        )
        self.link = link
        link.attach(self._on_event, self._resync)

    # The port

    def subscribe(self, handler: EventHandler) -> None:
        self._handlers.append(handler)

    @property
    def connected(self) -> bool:
        return self.link.connected

    @property
    def channels(self) -> ChannelIndex:
        """Which channel name each live call id has, as the events told it (read only)."""
        return self._channels

    async def start(self) -> None:
        """Start the link; a live one keeps (re)connecting in the background."""
        await self.link.start()

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.link.stop()

    async def execute(self, command: cmd.Command) -> str | None:
        if isinstance(command, cmd.Originate):
            return await self._originate(command)
        if isinstance(command, cmd.Transfer):
            await self._transfer(command)
        elif isinstance(command, cmd.Hangup):
            channel = self._channel(command.call_id)
            await self.link.execute(partial(builders.hangup, channel=channel))
        elif isinstance(command, cmd.ConnectAgent):
            await self._connect_agent(command)
        elif isinstance(command, cmd.Consult | cmd.EndConsult):
            raise NotSupported(
                "on Asterisk, consult with the phone's attended transfer (features.conf atxfer); "
                "hanging up completes it",
                details={"command": type(command).__name__},
            )
        elif isinstance(command, cmd.Hold):
            raise NotSupported(
                "hold is not available over AMI: the agent's phone puts the call on hold",
                details={"command": "Hold"},
            )
        else:
            raise NotSupported(
                "a desk phone answers itself; Asterisk cannot answer it from the desktop",
                details={"command": type(command).__name__},
            )
        return None

    async def execute_outbound(self, command: OutboundCommand) -> None:
        """A campaign's command (``cti.telephony.outbound``): ``cti.asterisk.campaign_actions``."""
        await self._campaigns.execute(command)

    def dispatch(self, command: cmd.Command) -> None:
        task = asyncio.get_running_loop().create_task(self._dispatch(command))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _dispatch(self, command: cmd.Command) -> None:
        try:
            await self.execute(command)
        except TelephonyError as exc:
            now = self._clock.now()
            self._emit([CommandFailed(command.command_id, now, exc.error_id, exc.message)])

    # Queue members and recording

    async def queue_add(
        self,
        queue: str,
        agent_id: str,
        *,
        member_name: str | None = None,
        penalty: int | None = None,
        paused: bool | None = None,
        reason: str | None = None,
    ) -> None:
        """Add the agent to ``queue``; the member name is the agent id unless given, since
        that is how the normaliser (and ``queue_log``) tell agents apart."""
        state = self._dialplan.member_state_interface
        add = partial(
            builders.queue_add,
            queue=queue,
            interface=self._interface(agent_id),
            member_name=member_name or agent_id,
            state_interface=state.format(agent=agent_id) if state else None,
            penalty=penalty,
            paused=paused,
            reason=reason,
        )
        await self.link.execute(add)

    async def queue_remove(self, queue: str, agent_id: str) -> None:
        interface = self._interface(agent_id)
        await self.link.execute(partial(builders.queue_remove, queue=queue, interface=interface))

    async def queue_pause(
        self, agent_id: str, paused: bool, *, queue: str | None = None, reason: str | None = None
    ) -> None:
        """Pause (or unpause) the agent in ``queue``, or in every queue when it is None."""
        pause = partial(
            builders.queue_pause,
            interface=self._interface(agent_id),
            paused=paused,
            queue=queue,
            reason=reason,
        )
        await self.link.execute(pause)

    async def queue_penalty(self, queue: str, agent_id: str, penalty: int) -> None:
        interface = self._interface(agent_id)
        await self.link.execute(
            partial(builders.queue_penalty, interface=interface, penalty=penalty, queue=queue)
        )

    async def mix_monitor_start(
        self, call_id: str, file: str, *, options: str | None = None
    ) -> str | None:
        """Record the call into ``file``; the ``MixMonitorID`` to stop it by, if any."""
        start = partial(
            builders.mix_monitor, channel=self._channel(call_id), file=file, options=options
        )
        result = await self.link.execute(start)
        return result.response.headers.get("MixMonitorID")

    async def mix_monitor_stop(self, call_id: str, mix_monitor_id: str | None = None) -> None:
        channel = self._channel(call_id)
        await self.link.execute(
            partial(builders.stop_mix_monitor, channel=channel, mix_monitor_id=mix_monitor_id)
        )

    # Commands

    async def _originate(self, command: cmd.Originate) -> str:
        plan = self._dialplan
        call_id = f"switchboard-{int(self._clock.now())}.{next(self._sequence)}"
        customer = plan.customer_dial.format(number=command.number)
        originate = partial(
            builders.originate,
            channel=plan.agent_channel.format(agent=command.agent_id),
            application="Dial",
            data=f"{customer},{plan.dial_timeout}",
            caller_id=plan.caller_id,
            timeout_ms=int(plan.agent_ring_timeout * 1000),
            variables=dict(command.variables),
            channel_id=call_id,
        )
        self._dialling[call_id] = (command, self._clock.now())
        try:
            await self.link.execute(originate)
        except TelephonyError:
            self._dialling.pop(call_id, None)
            raise
        return call_id

    def _dial_outcome(self, event: Event) -> None:
        """A click-to-dial whose agent leg was never answered has no channel events a call
        could be made of: log it (offered, rung, ended) and tell the agent."""
        sent = self._dialling.pop(event.get("Uniqueid") or "", None)
        if sent is None or (event.get("Response") or "").lower() == "success":
            return
        command, at = sent
        call_id, now = event.get("Uniqueid") or "", self._clock.now()
        busy = event.get("Reason") == "5"  # Asterisk's AST_CONTROL_BUSY
        message = (
            f"{command.agent_id}'s phone {'was busy' if busy else 'did not answer'}: "
            f"{command.number} was not dialled"
        )
        number = command.number
        self._emit(
            [
                ev.CallOffered(call_id, at, number, None, number, ev.Direction.OUTBOUND),
                ev.AgentRinging(call_id, at, command.agent_id),
                ev.AgentRingNoAnswer(call_id, now, command.agent_id, ring_seconds=now - at),
                ev.CallEnded(call_id, now, ev.EndCause.BUSY if busy else ev.EndCause.NO_ANSWER),
                CommandFailed(
                    command.command_id, now, "agent-did-not-answer", message, command.agent_id
                ),
            ]
        )

    async def _transfer(self, command: cmd.Transfer) -> None:
        contexts = {
            "queue": self._dialplan.queue_context,
            "number": self._dialplan.outbound_context,
            "agent": self._dialplan.agent_context,
        }
        context = contexts.get(command.target_kind)
        if context is None:
            raise NotSupported(f"cannot transfer to a {command.target_kind!r}")
        redirect = partial(
            builders.redirect,
            channel=self._channel(command.call_id),
            context=context,
            exten=command.target,
        )
        await self.link.execute(redirect)

    async def _connect_agent(self, command: cmd.ConnectAgent) -> None:
        """Ring the agent's leg; once it answers, the dialplan bridges it to the caller.

        The leg's Uniqueid is chosen here (``ChannelId``), so its ``OriginateResponse`` tells
        us the outcome: ``Success`` (answered, bridging) or ``Failure`` (no answer, busy…).
        """
        plan = self._dialplan
        leg = f"switchboard-{int(self._clock.now())}.{next(self._sequence)}"
        variables = {
            "SB_CALLER_CHANNEL": self._channel(command.call_id),
            "SB_CALL_ID": command.call_id,
            "SB_AGENT_ID": command.agent_id,
            "SB_QUEUE": command.queue,
        }
        originate = partial(
            builders.originate,
            channel=plan.agent_channel.format(agent=command.agent_id),
            context=plan.connect_context,
            exten=plan.connect_exten,
            timeout_ms=int(command.ring_timeout * 1000),
            variables=variables,
            channel_id=leg,
        )
        self._connecting[leg] = command
        try:
            await self.link.execute(originate)
        except TelephonyError:
            self._connecting.pop(leg, None)
            self._emit([self._ring_failed(command)])
            raise
        now = self._clock.now()
        self._emit([ev.AgentRinging(command.call_id, now, command.agent_id, command.queue)])

    def _ring_failed(self, command: cmd.ConnectAgent) -> ev.TelephonyEvent:
        now = self._clock.now()
        return ev.AgentRingNoAnswer(command.call_id, now, command.agent_id, command.queue)

    def _connect_outcome(self, event: Event) -> None:
        command = self._connecting.pop(event.get("Uniqueid") or "", None)
        if command is None:
            return
        if (event.get("Response") or "").lower() == "success":
            now = self._clock.now()
            self._emit([ev.CallAnswered(command.call_id, now, command.agent_id, command.queue)])
        else:
            self._emit([self._ring_failed(command)])

    def _channel(self, call_id: str) -> str:
        channel = self._channels.channel(call_id)
        if channel is None:
            raise NoSuchCall(f"no live channel for call {call_id}", details={"call_id": call_id})
        return channel

    def _interface(self, agent_id: str) -> str:
        return self._dialplan.member_interface.format(agent=agent_id)

    # Events

    def _on_event(self, event: Event) -> None:
        self._channels.observe(event)
        if event.name == "OriginateResponse":
            self._connect_outcome(event)
            self._dial_outcome(event)
        if events := self._normaliser.feed(event, self._clock.now()):  # most events: none
            self._emit(events)
        if outbound := self._lines.feed(event, self._clock.now()):
            self._emit(outbound)

    async def _resync(self) -> None:
        self._channels.mark()
        self._lines.mark()
        channels = await self.link.execute(builders.core_show_channels)
        self._channels.reset(channels)
        queues = await self.link.execute(
            partial(builders.queue_status, queue=self._dialplan.resync_queue)
        )
        caught_up = self._normaliser.resync(channels, queues, self._clock.now())
        log.info("ami.resynced", channels=len(self._channels), events=len(caught_up))
        self._emit(caught_up)
        self._emit(self._lines.resync(self._channels.channel, self._clock.now()))

    def _emit(self, events: Iterable[PortEvent]) -> None:
        for event in events:
            for handler in self._handlers:
                try:
                    handler(event)
                except Exception:  # one subscriber's bug must not starve the others
                    log.exception("telephony.handler_failed", domain_event=type(event).__name__)


def build_adapter(
    config: AmiConfig,
    link: AmiLink,
    clock: Clock,
    *,
    dialplan: Dialplan = Dialplan(),
    rng: random.Random | None = None,
) -> AsteriskTelephony:
    """The adapter as the server and ``switchboard replay`` both build it: over ``link``
    (the socket client live, a capture in replay), with the normaliser ``config`` asks for."""
    normaliser = AmiNormaliser(inbound_contexts=config.inbound_contexts)
    return AsteriskTelephony(link, normaliser, clock, dialplan=dialplan, rng=rng)
