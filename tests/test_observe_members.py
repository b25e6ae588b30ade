"""Observe mode: Asterisk pauses a member per queue, Switchboard an agent as a whole. The agent
shows paused only when paused in every queue they serve, and no per-queue event in between
makes them flip."""

from __future__ import annotations

from acd import agents as ag
from acd.agents import AgentState
from acd.engine import Acd
from cti.calls.members import Memberships
from cti.clock import ManualClock
from cti.telephony.events import MemberChange, QueueMemberChanged

AGENT = "Erin Agent"


def member(
    change: MemberChange, queue: str, paused: bool = False, reason: str | None = None
) -> QueueMemberChanged:
    return QueueMemberChanged(AGENT, 0.0, queue, change, paused, reason)


def observed() -> tuple[Acd, Memberships]:
    acd = Acd(ManualClock(), [], routing=False)
    members = Memberships(acd, lambda commands: None)  # observing: nothing to carry out
    members.changed(member("added", "sales"))
    members.changed(member("added", "support"))
    return acd, members


def state(acd: Acd) -> tuple[AgentState, str | None]:
    agent = acd.agent(AGENT)
    return agent.state, agent.pause_reason


def test_paused_in_one_queue_the_agent_still_takes_the_others_calls() -> None:
    acd, members = observed()
    assert state(acd) == (AgentState.AVAILABLE, None)
    members.changed(member("paused", "sales", True, "Coaching"))
    assert state(acd) == (AgentState.AVAILABLE, None)
    members.changed(member("paused", "support", True, "Lunch"))
    assert state(acd) == (AgentState.PAUSED, "Lunch")
    members.changed(member("unpaused", "sales"))
    assert state(acd) == (AgentState.AVAILABLE, None)


def test_leaving_the_only_unpaused_queue_leaves_the_agent_paused_then_logged_out() -> None:
    acd, members = observed()
    members.changed(member("paused", "sales", True, "Coaching"))
    members.changed(member("removed", "support"))
    assert state(acd) == (AgentState.PAUSED, "Coaching")
    members.changed(member("removed", "sales"))
    assert acd.agent(AGENT).state is AgentState.LOGGED_OUT


def test_a_desktop_pause_is_not_undone_by_the_per_queue_events_that_confirm_it() -> None:
    acd, members = observed()
    members.paused_everywhere(AGENT, "Break")
    acd.apply(AGENT, ag.Pause("Break"))
    seen = []
    for queue in ("sales", "support"):
        members.changed(member("paused", queue, True, "Break"))
        seen.append(state(acd))
    assert seen == [(AgentState.PAUSED, "Break")] * 2
    members.paused_everywhere(AGENT, None)
    acd.apply(AGENT, ag.MakeAvailable())
    for queue in ("sales", "support"):
        members.changed(member("unpaused", queue))
        assert state(acd) == (AgentState.AVAILABLE, None)
