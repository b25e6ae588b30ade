"""Why a call went where it did, and why a waiting call is still waiting.

Every decision is recorded on the call as it is made (the rule, who was chosen, who was
passed over and why). ``explain`` adds the present: which agents of the call's queues could
take it now, and what blocks each of the others.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from acd.agents import Agent, AgentState
from acd.eligibility import why_not
from acd.model import WaitingCall

MAX_LISTED = 50


@dataclass(frozen=True, slots=True)
class Decision:
    at: float
    rule: str
    chosen: tuple[str, ...]
    passed_over: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Explanation:
    call_id: str
    queue: str
    queues: tuple[str, ...]
    waiting_seconds: float
    score: float
    priority: int
    requirements: dict[str, int]
    alternatives: dict[str, int]
    language: str | None
    reasons: tuple[str, ...]
    offered_to: tuple[str, ...]
    decisions: tuple[Decision, ...]
    eligible_available: tuple[str, ...]
    blocked: tuple[tuple[str, str], ...]
    summary: str


def blocked_reason(agent: Agent, call: WaitingCall, now: float) -> str | None:
    if agent.state is not AgentState.AVAILABLE:
        reason = agent.pause_reason if agent.state is AgentState.PAUSED else agent.call_id
        return f"{agent.state.value}" + (f" ({reason})" if reason else "")
    return why_not(agent, call, now)


def summarise(
    call: WaitingCall, offered: tuple[str, ...], eligible: list[str], blocked: list[tuple[str, str]]
) -> str:
    if offered:
        return f"ringing {', '.join(offered)}"
    if call.callback_number:
        return f"the caller asked to be called back on {call.callback_number}; keeps its place"
    if eligible:
        return f"{len(eligible)} eligible agent(s) available; it is offered at the next decision"
    if not blocked:
        return "no agent serves this call's queues"
    states = Counter(reason.split(" (")[0] for _, reason in blocked)
    parts = ", ".join(f"{n} {state}" for state, n in states.most_common(4))
    return f"no eligible agent is available: {parts}"
