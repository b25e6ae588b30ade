"""Sorted indexes that make a routing decision a short walk instead of a scan.

- available agents per queue, in the queue's strategy order;
- available agents per skill, longest idle first (for escalation to other skills; kept only
  once some queue escalates to skills, so a centre without it pays nothing for it);
- waiting calls per queue and per escalation skill, best score first (FIFO on ties).

A call being offered (its agent's phone ringing) is out of the waiting indexes and goes back
with its original key if the ring fails, so it keeps its place.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from sortedcontainers import SortedList

from acd import strategies
from acd.agents import Agent
from acd.eligibility import serves
from acd.model import QueueConfig, WaitingCall

Entry = tuple[SortedList, tuple[object, ...]]


class Index:
    def __init__(self, queues: dict[str, QueueConfig]) -> None:
        self.queues = queues
        self.agents_by_queue: dict[str, SortedList] = defaultdict(SortedList)
        self.agents_by_skill: dict[str, SortedList] = defaultdict(SortedList)
        self.calls_by_queue: dict[str, SortedList] = defaultdict(SortedList)
        self.calls_by_skill: dict[str, SortedList] = defaultdict(SortedList)
        self.served: dict[str, tuple[str, ...]] = {}
        self.members: dict[str, set[str]] = defaultdict(set)
        self._agent_entries: dict[str, list[Entry]] = {}
        self._call_entries: dict[str, list[Entry]] = {}
        self.on_place: Callable[[str, tuple[str, ...]], None] = lambda agent_id, queues: None
        self._queues_by_skill: dict[str, list[QueueConfig]] = defaultdict(list)
        self.by_skill = False  # whether agents_by_skill is kept (never turned off again)
        self.queues_changed()

    # -- membership (all states) --------------------------------------------------
    def queues_changed(self) -> None:
        """Rebuild the skill → queues map (after a queue is created, changed or deleted)."""
        self._queues_by_skill = defaultdict(list)
        for queue in self.queues.values():
            first = queue.skills[0][0] if queue.skills else ""
            self._queues_by_skill[first].append(queue)
            self.by_skill = self.by_skill or any(s.add_skills for s in queue.escalation)

    def place(self, agent: Agent) -> None:
        """Recompute which queues ``agent`` serves (after a skills or queue change)."""
        for queue in self.served.get(agent.agent_id, ()):
            self.members[queue].discard(agent.agent_id)
        candidates = [q for skill, _ in agent.skills for q in self._queues_by_skill.get(skill, ())]
        candidates += self._queues_by_skill.get("", [])
        served = tuple(sorted(q.name for q in candidates if serves(agent, q)))
        self.served[agent.agent_id] = served
        self.on_place(agent.agent_id, served)
        for queue in served:
            self.members[queue].add(agent.agent_id)

    def forget(self, agent_id: str) -> None:
        self.agent_busy(agent_id)
        for queue in self.served.pop(agent_id, ()):
            self.members[queue].discard(agent_id)

    # -- available agents ---------------------------------------------------------
    def agent_available(self, agent: Agent, occupancy: float, position: int) -> None:
        self.agent_busy(agent.agent_id)
        entries: list[Entry] = []
        for name in self.served.get(agent.agent_id, ()):
            key = strategies.key(self.queues[name], agent, occupancy, position)
            entries.append((self.agents_by_queue[name], (key, agent.agent_id)))
        if self.by_skill:
            for skill, _ in agent.skills:
                entries.append((self.agents_by_skill[skill], (agent.idle_since, agent.agent_id)))
        for sorted_list, entry in entries:
            sorted_list.add(entry)
        self._agent_entries[agent.agent_id] = entries

    def agent_busy(self, agent_id: str) -> None:
        for sorted_list, item in self._agent_entries.pop(agent_id, ()):
            sorted_list.discard(item)

    def is_available(self, agent_id: str) -> bool:
        return agent_id in self._agent_entries

    # -- waiting calls ------------------------------------------------------------
    def call_waiting(self, call: WaitingCall) -> None:
        self.call_gone(call.call_id)
        item = (call.key, call.call_id)
        entries: list[Entry] = [(self.calls_by_queue[q], item) for q in call.queues]
        entries += [(self.calls_by_skill[skill], item) for skill, _ in call.alternatives]
        for sorted_list, entry in entries:
            sorted_list.add(entry)
        self._call_entries[call.call_id] = entries

    def call_gone(self, call_id: str) -> None:
        for sorted_list, item in self._call_entries.pop(call_id, ()):
            sorted_list.discard(item)

    def is_waiting(self, call_id: str) -> bool:
        return call_id in self._call_entries
