"""The outbound commands of ``cti.telephony.outbound`` as AMI actions (``execute_outbound``).

``AsteriskTelephony`` hands each command here; ``OutboundLines`` (``cti.asterisk.outbound``)
keeps what the events said. The contexts are ``docs/asterisk/extensions.conf``'s:

- ``DialLead``: ``Originate`` of ``Local/<number>@switchboard-dialer-out/n`` (the trunk) into
  ``lead@switchboard-dialer``, ``Async``, ``ChannelId`` = the attempt id, ``Timeout`` = the
  ring timeout, the campaign's caller id, and ``SB_ATTEMPT_ID``, ``SB_AMD`` and
  ``SB_ABANDON_SECONDS`` for the dialplan (which runs ``AMD()`` and says its verdict);
- ``OpenAgentLeg``: ``Originate`` of the agent's phone into ``agent@switchboard-dialer-agent``,
  where the answered leg waits on hold music; ``CloseAgentLeg``: ``Hangup`` of that leg;
- ``ConnectLead``: ``Setvar SB_CONNECTED`` on the lead, then ``Bridge`` of the lead's channel
  with the agent's leg: two actions, no ringing. ``LeadConnected`` follows the PBX's
  "Channels have been bridged";
- ``PlaySafeHarbour`` / ``PlayMachineMessage``: ``Redirect`` of the lead to
  ``safe-harbour`` / ``machine-message`` in the dialer context;
- ``HangupLead``: ``Hangup`` of the lead's channel.

Channels are named in full (never by Uniqueid: AMI's ``Bridge`` matches a *prefix*, and the
Local channel's other half is ``<attempt id>;2``). A lead or leg not (or no longer) up
raises ``NoSuchCall``; a bad id or number ``BadOutboundCommand``; a refusal the link's
``AmiActionFailed``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from cti.asterisk.ami import ActionSpec, builders
from cti.asterisk.link import AmiLink
from cti.asterisk.outbound import OutboundLines, check_id, check_number
from cti.clock import Clock
from cti.telephony import outbound as ob
from cti.telephony.errors import NoSuchCall, TelephonyError


@dataclass(frozen=True, slots=True)
class DialerPlan:
    """Where campaigns' calls go in the dialplan; the defaults match ``docs/asterisk``."""

    lead_channel: str = "Local/{number}@switchboard-dialer-out/n"
    lead_context: str = "switchboard-dialer"
    lead_exten: str = "lead"
    safe_harbour_exten: str = "safe-harbour"
    machine_message_exten: str = "machine-message"
    agent_leg_context: str = "switchboard-dialer-agent"
    agent_leg_exten: str = "agent"
    agent_leg_ring_timeout: float = 30.0
    abandon_seconds: float = 2.0  # the dialplan's own fallback to the safe-harbour message


DIALER_PLAN = DialerPlan()


class CampaignActions:
    def __init__(
        self,
        link: AmiLink,
        lines: OutboundLines,
        clock: Clock,
        emit: Callable[[Iterable[ob.OutboundEvent]], None],
        *,
        agent_channel: str,
        plan: DialerPlan = DIALER_PLAN,
    ) -> None:
        self._link, self._lines, self._clock, self._emit = link, lines, clock, emit
        self._agent_channel, self._plan = agent_channel, plan
        self._legs = itertools.count(1)

    async def execute(self, command: ob.OutboundCommand) -> None:
        if isinstance(command, ob.DialLead):
            await self._dial(command)
        elif isinstance(command, ob.OpenAgentLeg):
            await self._open_leg(command.agent_id)
        elif isinstance(command, ob.CloseAgentLeg):
            channel = self._lines.leg_channel(command.agent_id, ready=False)
            await self._hangup(channel, f"agent {command.agent_id} has no persistent leg")
        elif isinstance(command, ob.ConnectLead):
            await self._connect(command)
        elif isinstance(command, ob.PlaySafeHarbour):
            await self._redirect(command.attempt_id, self._plan.safe_harbour_exten)
        elif isinstance(command, ob.PlayMachineMessage):
            await self._redirect(command.attempt_id, self._plan.machine_message_exten)
        else:
            channel = self._lines.lead_channel(command.attempt_id)
            self._lines.hung_up_here(command.attempt_id)
            await self._hangup(channel, f"attempt {command.attempt_id} has no line up")

    async def _dial(self, command: ob.DialLead) -> None:
        plan, attempt_id = self._plan, check_id("attempt_id", command.attempt_id)
        variables = {
            "SB_ATTEMPT_ID": attempt_id,
            "SB_AMD": "1" if command.amd else "0",
            "SB_ABANDON_SECONDS": f"{plan.abandon_seconds:g}",
            **dict(command.variables),
        }
        originate = partial(
            builders.originate,
            channel=plan.lead_channel.format(number=check_number(command.number)),
            context=plan.lead_context,
            exten=plan.lead_exten,
            timeout_ms=int(command.ring_timeout * 1000),
            caller_id=command.caller_id or None,
            variables=variables,
            channel_id=attempt_id,
        )
        await self._originate(attempt_id, originate, lambda: self._lines.dialling(attempt_id))

    async def _open_leg(self, agent_id: str) -> None:
        plan = self._plan
        # Unique across restarts too: a leg of the last run may still be up in Asterisk.
        stamp = int(self._clock.now())
        leg_id = f"sb-leg-{check_id('agent_id', agent_id)}-{stamp}.{next(self._legs)}"
        originate = partial(
            builders.originate,
            channel=self._agent_channel.format(agent=agent_id),
            context=plan.agent_leg_context,
            exten=plan.agent_leg_exten,
            timeout_ms=int(plan.agent_leg_ring_timeout * 1000),
            variables={"SB_AGENT_ID": agent_id},
            channel_id=leg_id,
        )
        await self._originate(leg_id, originate, lambda: self._lines.opening(agent_id, leg_id))

    async def _originate(
        self, key: str, originate: ActionSpec, register: Callable[[], None]
    ) -> None:
        register()  # before sending: the first events may come before the response
        try:
            await self._link.execute(originate)
        except TelephonyError:
            self._lines.forget(key)
            raise

    async def _connect(self, command: ob.ConnectLead) -> None:
        lead = self._lead(command.attempt_id)
        leg = self._lines.leg_channel(command.agent_id, ready=True)
        if leg is None:
            raise NoSuchCall(
                f"agent {command.agent_id} has no persistent leg waiting",
                details={"agent_id": command.agent_id},
            )
        self._lines.connecting(command.attempt_id, command.agent_id)
        setvar = partial(builders.setvar, channel=lead, variable="SB_CONNECTED")
        await self._link.execute(partial(setvar, value=command.agent_id))
        await self._link.execute(partial(builders.bridge, channel1=lead, channel2=leg))
        self._emit([ob.LeadConnected(command.attempt_id, command.agent_id, self._clock.now())])

    async def _redirect(self, attempt_id: str, exten: str) -> None:
        redirect = partial(
            builders.redirect,
            channel=self._lead(attempt_id),
            context=self._plan.lead_context,
            exten=exten,
        )
        await self._link.execute(redirect)

    async def _hangup(self, channel: str | None, missing: str) -> None:
        if channel is None:
            raise NoSuchCall(missing)
        await self._link.execute(partial(builders.hangup, channel=channel))

    def _lead(self, attempt_id: str) -> str:
        channel = self._lines.lead_channel(attempt_id)
        if channel is None:
            raise NoSuchCall(
                f"attempt {attempt_id} has no line up", details={"attempt_id": attempt_id}
            )
        return channel
