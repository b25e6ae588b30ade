"""Call control and wrap-up on behalf of an agent, checked against what the ACD knows."""

from __future__ import annotations

from dataclasses import dataclass

from acd import agents as ag
from acd.agents import Agent, AgentState
from acd.errors import IllegalStateChange
from cti.auth.service import Principal
from cti.calls.journal import WrapUp
from cti.calls.policy import Action, authorise
from cti.calls.service import CallCentre
from cti.calls.writer import CallLogWriter
from cti.telephony import commands as cmd
from cti.telephony.errors import CommandRefused
from cti.telephony.port import QueueMembers


@dataclass(frozen=True, slots=True)
class CallControl:
    """What the call-control routes act on: the call centre (and its PBX) and the writer that
    keeps a wrap-up in the call log."""

    centre: CallCentre
    writer: CallLogWriter


async def change_state(
    centre: CallCentre, who: Principal, agent_id: str, state: AgentState, reason: str | None
) -> Agent:
    """An agent's state change, if ``who`` may make it. Observing Asterisk, its queues must
    hear of it too, or app_queue would keep ringing a paused agent: the pause goes first."""
    authorise(who, Action.SET_STATE, agent_id, what="state")
    centre.acd.agent(agent_id)
    port = centre.port
    if not centre.acd.routing and isinstance(port, QueueMembers):
        paused = state is not AgentState.AVAILABLE
        why = reason or ("logged out" if state is AgentState.LOGGED_OUT else None)
        await port.queue_pause(agent_id, paused, reason=why if paused else None)
        centre.members.paused_everywhere(agent_id, (why or "paused") if paused else None)
    return centre.set_agent_state(agent_id, state, reason)


def check_transfer_target(centre: CallCentre, target: str, target_kind: str) -> None:
    """A queue must exist; an agent must exist and be free to take the call."""
    if target_kind == "queue":
        centre.acd.queue(target)
    elif target_kind == "agent":
        agent = centre.acd.agent(target)
        if agent.state not in (AgentState.AVAILABLE, AgentState.PAUSED):
            raise CommandRefused(
                f"{target} cannot take a call while {agent.state.value}",
                details={"agent_id": target, "state": agent.state.value},
            )


async def originate(centre: CallCentre, agent_id: str, number: str, customer_id: int | None) -> str:
    agent = centre.acd.agent(agent_id)
    if agent.state not in (AgentState.AVAILABLE, AgentState.PAUSED):
        raise IllegalStateChange(
            f"agent {agent_id} cannot dial while {agent.state.value}",
            details={"agent_id": agent_id, "state": agent.state.value},
        )
    variables = (("CRM_CUSTOMER_ID", str(customer_id)),) if customer_id is not None else ()
    call_id = await centre.port.execute(cmd.Originate(agent_id, number, variables))
    return call_id or ""


async def wrap_up(
    centre: CallCentre,
    writer: CallLogWriter,
    agent_id: str,
    call_id: str,
    disposition: str,
    notes: str,
    follow_up: str | None,
) -> int:
    """Save the wrap-up form on the interaction; end the agent's wrap-up if it is running."""
    agent = centre.acd.agent(agent_id)
    in_wrap = agent.state is AgentState.WRAP_UP and agent.call_id == call_id
    wrap_seconds = centre.clock.now() - agent.since if in_wrap else None
    interaction_id = await writer.wrap_up(
        WrapUp(call_id, agent_id, disposition, notes, follow_up, wrap_seconds)
    )
    if in_wrap and centre.acd.agent(agent_id).state is AgentState.WRAP_UP:
        centre.apply(agent_id, ag.EndWrapUp())
    return interaction_id
