"""The routing decisions, pure over the ACD's indexes: no clock reads, no side effects.

*A call is waiting* → ``choose_agents``: the owner agent alone during the owner window; then
the home queue's available agents in strategy order, then queues and skills added by
escalation (bullseye rings, innermost first). The first eligible agent is chosen (all of
them for ring-all; a weighted draw for weighted-random).

*An agent frees up* → ``choose_call``: in every queue the agent serves, and every escalation
skill list the agent qualifies for, the first call the agent may take; of those, the highest
score ``priority + weight * wait`` wins, ties to the earliest arrival. One rule, documented,
deterministic.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from sortedcontainers import SortedList

from acd.agents import Agent
from acd.eligibility import why_not
from acd.index import Index
from acd.model import QueueConfig, Strategy, WaitingCall

MAX_EXPLAINED = 12  # passed-over entries kept per decision


@dataclass(frozen=True, slots=True)
class Choice:
    agent_ids: tuple[str, ...]
    rule: str
    passed_over: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class CallChoice:
    call: WaitingCall
    agent_id: str
    source: str  # the queue, or the escalation skill list, the call came from
    passed_over: tuple[tuple[str, str], ...]

    @property
    def rule(self) -> str:
        """Written only when asked (for the decision log), not on every decision."""
        return (
            f"best score across {self.agent_id}'s queues (from {self.source}): "
            "priority + weight * wait"
        )


class _Passed:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, who: str, reason: str) -> None:
        if len(self.items) < MAX_EXPLAINED:
            self.items.append((who, reason))


def choose_agents(
    index: Index,
    call: WaitingCall,
    agents: dict[str, Agent],
    now: float,
    *,
    rr_last: dict[str, float],
    rng: random.Random,
) -> Choice | None:
    passed = _Passed()
    owner = call.requirements.owner
    if owner is not None and call.owner_until > now:
        if index.is_available(owner) and why_not(agents[owner], call, now) is None:
            return Choice((owner,), "owner-first: the customer's own agent", ())
        passed.add("*", f"waiting for owner {owner} for {call.owner_until - now:.0f} s")
        return None
    for queue_name in call.queues:
        queue = index.queues.get(queue_name)
        if queue is None:  # deleted since the call was widened to it
            continue
        via = None if queue_name == call.queue else queue
        chosen = _from_queue(index, queue, call, agents, now, via, passed, rr_last, rng)
        if chosen is not None:
            return Choice(chosen, _rule(queue, via), tuple(passed.items))
    for skill, level in call.alternatives:
        for _, agent_id in index.agents_by_skill.get(skill, ()):
            if (
                agents[agent_id].level(skill) >= level
                and why_not(agents[agent_id], call, now) is None
            ):
                rule = f"escalation: any agent with {skill} ≥ {level}"
                return Choice((agent_id,), rule, tuple(passed.items))
    return None


def _rule(queue: QueueConfig, via: QueueConfig | None) -> str:
    if via is not None:
        return f"escalation: widened to queue {via.name} ({via.strategy.value})"
    return f"{queue.strategy.value} in {queue.name}"


def _from_queue(
    index: Index,
    queue: QueueConfig,
    call: WaitingCall,
    agents: dict[str, Agent],
    now: float,
    via: QueueConfig | None,
    passed: _Passed,
    rr_last: dict[str, float],
    rng: random.Random,
) -> tuple[str, ...] | None:
    available = index.agents_by_queue.get(queue.name)
    if not available:
        return None
    strategy = queue.strategy
    if strategy in (Strategy.RING_ALL, Strategy.WEIGHTED_RANDOM):
        eligible = [a for a in _eligible(available, call, agents, now, via, passed)]
        if not eligible:
            return None
        if strategy is Strategy.RING_ALL:
            return tuple(eligible)
        weights = [sum(agents[a].level(s) for s, _ in queue.skills) or 1 for a in eligible]
        return (rng.choices(eligible, weights=weights)[0],)
    ordered = (
        _round_robin(available, rr_last.get(queue.name))
        if strategy is Strategy.ROUND_ROBIN
        else available
    )
    for agent_id in _eligible(ordered, call, agents, now, via, passed):
        return (agent_id,)
    return None


def _round_robin(available: SortedList, last: float | None) -> Iterator[tuple[object, str]]:
    """Agents after the last one served, wrapping round (app_queue's rrmemory)."""
    start = 0 if last is None else available.bisect_left(((last, 1.0, ""), ""))
    yield from available.islice(start)
    yield from available.islice(0, start)


def _eligible(
    ordered: SortedList | Iterator[tuple[object, str]],
    call: WaitingCall,
    agents: dict[str, Agent],
    now: float,
    via: QueueConfig | None,
    passed: _Passed,
) -> Iterator[str]:
    declined = []
    for _, agent_id in ordered:
        if agent_id in call.declined_by:
            passed.add(agent_id, "let this call ring out")
            declined.append(agent_id)
            continue
        reason = why_not(agents[agent_id], call, now, via)
        if reason is None:
            yield agent_id
        else:
            passed.add(agent_id, reason)
    for agent_id in declined:  # an agent who let it ring out, only if nobody else can
        if why_not(agents[agent_id], call, now, via) is None:
            yield agent_id


def choose_call(
    index: Index, agent: Agent, calls: dict[str, WaitingCall], now: float
) -> CallChoice | None:
    passed = _Passed()
    best: tuple[tuple[bool, float, float, int], WaitingCall, str] | None = None
    for source, entries, via in _sources(index, agent):
        call = _first_takeable(entries, agent, calls, now, via, passed)
        if call is None:
            continue
        declined = agent.agent_id in call.declined_by  # only if nothing else is takeable
        rank = (declined, -call.score(now), call.since, call.seq)
        if best is None or rank < best[0]:
            best = (rank, call, source)
    if best is None:
        return None
    _, call, source = best
    return CallChoice(call, agent.agent_id, source, tuple(passed.items))


def _sources(index: Index, agent: Agent) -> Iterator[tuple[str, SortedList, QueueConfig | None]]:
    by_queue, queues = index.calls_by_queue, index.queues
    for queue_name in index.served.get(agent.agent_id, ()):
        entries = by_queue.get(queue_name)
        if entries and queue_name in queues:
            yield queue_name, entries, queues[queue_name]
    for skill, _ in agent.skills:
        entries = index.calls_by_skill.get(skill)
        if entries:
            yield f"escalation skill {skill}", entries, None


def _first_takeable(
    entries: SortedList,
    agent: Agent,
    calls: dict[str, WaitingCall],
    now: float,
    via: QueueConfig | None,
    passed: _Passed,
) -> WaitingCall | None:
    fallback = None
    for _, call_id in entries:
        call = calls[call_id]
        home = via is not None and via.name == call.queue
        reason = why_not(agent, call, now, None if home or via is None else via)
        if reason is not None:
            passed.add(call_id, reason)
        elif agent.agent_id not in call.declined_by:
            return call
        elif fallback is None:
            fallback = call
    return fallback
