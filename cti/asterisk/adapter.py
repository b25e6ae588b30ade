"""``AsteriskTelephony``: the ``TelephonyPort`` on a real Asterisk, over AMI.

It talks through an ``AmiLink`` (``cti.asterisk.link``): the socket client (``AmiClient``)
live, a recorded capture (``CaptureLink``) in replay; ``build_adapter()`` is the one way both
build it. Events go through the ``ChannelIndex`` (call id -> channel name) and a normaliser
(``cti.asterisk.normalise``), whose domain events go to the subscribers. After every
(re)connection it resyncs: ``CoreShowChannels`` + ``QueueStatus`` into
``normaliser.resync()``, so calls that changed while the link was down are caught up.

The PBX going away is told apart from the link going away: the adapter notes the moment a
connection is lost, and each resync first asks ``CoreStatus`` for the PBX's start-up time.
If it differs from the one the previous connection saw, Asterisk restarted (``kill -9``, a
crash, a restart) while we were away, and every call we followed died with it: the resync
ends them at the moment the link was lost, cause ``pbx-lost``, not at the reconnection.

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
from cti.asterisk.legs import AgentLegs, Leg
from cti.asterisk.link import AmiLink
from cti.asterisk.normalise import AmiNormaliser
from cti.asterisk.outbound import OutboundLines
from cti.asterisk.resync import RoutedLegs, ended_times
from cti.asterisk.routed import failed_at_once
from cti.clock import Clock
from cti.telephony import commands as cmd
from cti.telephony import events as ev
from cti.telephony.errors import NoSuchCall, NotSupported, TelephonyError
from cti.telephony.events import CommandFailed, TelephonyEvent
from cti.telephony.outbound import OutboundCommand
from cti.telephony.port import EventHandler, PortEvent

log = structlog.get_logger(__name__)

LEG_GRACE_SECONDS = 5.0  # beyond its ring timeout, how long a ringing leg may take to end


class Normaliser(Protocol):
    """AMI events in, domain events out (``cti.asterisk.normalise.AmiNormaliser``)."""

    def feed(self, event: Event, now: float) -> list[TelephonyEvent]: ...

    def resync(
        self,
        channels: ActionResult,
        queue_status: ActionResult,
        now: float,
        *,
        pbx_lost_at: float | None = None,
        routed: RoutedLegs | None = None,
    ) -> list[TelephonyEvent]: ...

    def agent_ringing(
        self, call_id: str, agent: str, leg: str, queue: str | None, now: float
    ) -> list[TelephonyEvent]: ...

    def agent_rang_out(
        self,
        call_id: str,
        agent: str,
        leg: str,
        queue: str | None,
        now: float,
        *,
        ring_seconds: float,
        failed: bool,
    ) -> list[TelephonyEvent]: ...

    def agent_connected(
        self, call_id: str, agent: str, leg: str, queue: str | None, now: float
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
    hold_context: str | None = None  # mode (b): where callers wait for Switchboard's ACD


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
        self._legs = AgentLegs()  # mode (b): the agent legs rung for ConnectAgent
        self._freed: dict[str, asyncio.Event] = {}  # a ringing leg's end, awaited by the next
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
        self._lost_at: float | None = None  # when the last logged-in connection went down
        self._heard_at: float | None = None  # when the last event came in
        self._unheard_since: float | None = None  # the last event before the link went down
        self._started: str | None = None  # the PBX's start-up time, as CoreStatus said
        self.link = link
        self.ami_events = 0  # every AMI event heard since start (for /metrics)
        link.attach(self._on_event, self._resync, self._on_lost)

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

    @property
    def lines(self) -> OutboundLines:
        """The campaigns' attempts and agents' persistent legs, as the events told them."""
        return self._lines

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
        self._legs.release(command.call_id)  # its agent's leg hangs up: the call goes on
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
        An agent whose phone still rings for another caller is rung once that leg is over.
        """
        if not await self._phone_free(command):
            return
        plan, now = self._dialplan, self._clock.now()
        leg = f"switchboard-{int(now)}.{next(self._sequence)}"
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
        self._legs.ring(Leg(leg, command, now))
        self._emit(
            self._normaliser.agent_ringing(
                command.call_id, command.agent_id, leg, command.queue, now
            )
        )
        try:
            await self.link.execute(originate)
        except TelephonyError:
            self._leg_over(leg, answered=False)
            raise

    async def _phone_free(self, command: cmd.ConnectAgent) -> bool:
        """Wait for the agent's ringing leg, if any, to end; ``False`` if it rings on."""
        waited = command.ring_timeout + LEG_GRACE_SECONDS
        while (pending := self._legs.ringing_for(command.agent_id)) is not None:
            freed = self._freed.setdefault(pending, asyncio.Event())
            try:
                await asyncio.wait_for(freed.wait(), waited)
            except TimeoutError:
                log.warning("agent_leg_still_ringing", agent_id=command.agent_id, leg=pending)
                now = self._clock.now()
                self._emit(
                    [ev.AgentRingNoAnswer(command.call_id, now, command.agent_id, command.queue)]
                )
                return False
        return True

    def _connect_outcome(self, event: Event) -> None:
        answered = (event.get("Response") or "").lower() == "success"
        self._leg_over(event.get("Uniqueid") or "", answered=answered)

    def _leg_over(self, uniqueid: str, *, answered: bool) -> None:
        """A ``ConnectAgent`` leg rings no more: answered (connected) or not (rang out)."""
        freed = self._freed.pop(uniqueid, None)
        if freed is not None:
            freed.set()
        leg = self._legs.outcome(uniqueid, answered)
        if leg is None:  # not ours, or its call is gone
            return
        c, now, normaliser = leg.command, self._clock.now(), self._normaliser
        if answered:
            self._emit(normaliser.agent_connected(c.call_id, c.agent_id, uniqueid, c.queue, now))
            return
        rang = now - leg.sent_at
        failed = failed_at_once(rang, c.ring_timeout)
        self._emit(
            normaliser.agent_rang_out(
                c.call_id, c.agent_id, uniqueid, c.queue, now, ring_seconds=rang, failed=failed
            )
        )

    def _follow_legs(self, event: Event) -> None:
        """A talking agent leg that hangs up ends the conversation; a leg rung for a call
        that is gone is hung up as soon as its channel exists."""
        uniqueid = event.get("Uniqueid") or ""
        if event.name == "Hangup":
            call_id = self._legs.hung_up(uniqueid)
            caller = self._channels.channel(call_id) if call_id else None
            if caller is not None:
                self._hang_up(caller)
        elif event.name == "Newchannel" and self._legs.cancelled(uniqueid):
            self._hang_up(event.get("Channel") or "")

    def _call_over(self, events: Iterable[PortEvent]) -> None:
        for event in events:
            if isinstance(event, ev.CallEnded):
                for leg in self._legs.cancel(event.call_id):
                    channel = self._channels.channel(leg)
                    if channel is not None:
                        self._hang_up(channel)

    def _hang_up(self, channel: str) -> None:
        """Hang ``channel`` up in the background; that it is gone already is no error."""
        task = asyncio.get_running_loop().create_task(self._hang_up_quietly(channel))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _hang_up_quietly(self, channel: str) -> None:
        try:
            await self.link.execute(partial(builders.hangup, channel=channel))
        except TelephonyError as exc:
            log.info("ami.hangup_refused", channel=channel, error=exc.message)

    def _channel(self, call_id: str) -> str:
        channel = self._channels.channel(call_id)
        if channel is None:
            raise NoSuchCall(f"no live channel for call {call_id}", details={"call_id": call_id})
        return channel

    def _interface(self, agent_id: str) -> str:
        return self._dialplan.member_interface.format(agent=agent_id)

    # Events

    def _on_event(self, event: Event) -> None:
        self.ami_events += 1
        self._heard_at = now = self._clock.now()  # one reading: when this event was heard
        self._channels.observe(event)
        if event.name == "OriginateResponse":
            self._connect_outcome(event)
            self._dial_outcome(event)
        elif event.name in ("Hangup", "Newchannel"):
            self._follow_legs(event)
        if events := self._normaliser.feed(event, now):  # most events: none
            self._emit(events)
        if outbound := self._lines.feed(event, now):
            self._emit(outbound)

    def _on_lost(self) -> None:
        self._lost_at = self._clock.now()
        self._unheard_since = self._heard_at
        self._lines.link_lost()

    async def _resync(self) -> None:
        restarted = await self._pbx_restarted()
        self._channels.mark()
        channels = await self.link.execute(builders.core_show_channels)
        self._channels.reset(channels)
        queues = await self.link.execute(
            partial(builders.queue_status, queue=self._dialplan.resync_queue)
        )
        lost_at = self._lost_at if restarted else None
        now = self._clock.now()
        routed = await self._routed_legs(channels) if self._dialplan.hold_context else None
        caught_up = self._normaliser.resync(
            channels, queues, now, pbx_lost_at=lost_at, routed=routed
        )
        self._lost_at = None
        log.info(
            "ami.resynced", channels=len(self._channels), events=len(caught_up), restarted=restarted
        )
        self._emit(caught_up)
        self._emit(self._lines.resync(self._channels.channel, self._clock.now()))

    async def _pbx_restarted(self) -> bool:
        """Whether the PBX started again since the previous connection (``CoreStatus``)."""
        try:
            status = (await self.link.execute(builders.core_status)).response.headers
        except TelephonyError as exc:  # an older PBX, an account without ``reporting``
            log.warning("ami.core_status_failed", error=exc.message)
            return False
        started = f"{status.get('CoreStartupDate', '')} {status.get('CoreStartupTime', '')}"
        before, self._started = self._started, started.strip() or None
        return before is not None and self._started is not None and before != self._started

    async def _routed_legs(self, channels: ActionResult) -> RoutedLegs:
        """Mode (b): each bridged agent leg's call and agent (``Getvar``), followed again so
        that its hang-up ends the call; a leg that rings, whose outcome nobody awaits any
        more (Switchboard restarted), is hung up: the call is offered again."""
        plan, legs = self._dialplan, {}
        for row in channels.events:
            uniqueid, name = row.get("Uniqueid") or "", row.get("Channel") or ""
            if not uniqueid or uniqueid in legs:
                continue
            if not row.get("BridgeId"):
                if self._legs.ringing_for_leg(uniqueid) is None and await self._unawaited_ring(
                    row, name
                ):
                    self._hang_up(name)
                continue
            if row.get("Context") != plan.connect_context:
                continue
            call_id = await self._getvar(name, "SB_CALL_ID")
            agent = await self._getvar(name, "SB_AGENT_ID")
            if call_id and agent:
                legs[uniqueid] = (call_id, agent)
                self._legs.adopt(uniqueid, call_id)
        return RoutedLegs(plan.hold_context or "", legs, await self._ended_meanwhile())

    async def _ended_meanwhile(self) -> dict[str, float]:
        """When the calls the dialplan noted in ``SB_ENDED`` ended, those after the last event
        heard before the link went down (a link can die silently, found only by the next
        ping); a note older than that is of an end seen live: a transfer's, an answer's."""
        noted = ended_times(await self._getvar(None, "SB_ENDED") or "")
        since = self._unheard_since
        return {c: at for c, at in noted.items() if since is None or at > since}

    async def _unawaited_ring(self, row: Event, name: str) -> bool:
        """An agent leg another session rang and that still rings: its Originate channel is
        in the agent context until it answers (in the connect context, once it has), and
        only a connect leg carries ``SB_CALL_ID`` (a click-to-dial's agent leg does not)."""
        plan = self._dialplan
        if row.get("Context") == plan.connect_context:
            return True
        if row.get("Context") != plan.agent_context or not name.endswith(";1"):
            return False
        return await self._getvar(name, "SB_CALL_ID") is not None

    async def _getvar(self, channel: str | None, variable: str) -> str | None:
        try:
            result = await self.link.execute(
                partial(builders.getvar, channel=channel, variable=variable)
            )
        except TelephonyError:
            return None
        return result.response.headers.get("Value") or None

    def _emit(self, events: Iterable[PortEvent]) -> None:
        events = list(events)
        self._call_over(events)
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
