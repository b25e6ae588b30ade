"""Run-time configuration of routing: queues, skills and agent skills, validated and stored.

Changes apply to the ACD at once (the next decision uses them; what the ACD decides in reply
goes to ``carry_out``, the live call centre's) and are written to the database so they
survive a restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from acd.commands import Commands
from acd.config import QueueSpec, validate_against
from acd.engine import Acd
from acd.errors import InvalidConfig, NoSuchQueue, QueueInUse
from acd.model import QueueConfig
from acd.stats import Counters, interval_start
from acd.store import RoutingStore

Persist = Callable[[Callable[[], Any]], Any]
CarryOut = Callable[[Commands], None]


class RoutingService:
    def __init__(
        self, acd: Acd, store: RoutingStore, skills: dict[str, str], carry_out: CarryOut
    ) -> None:
        self.acd = acd
        self.carry_out = carry_out
        self.store = store
        self.skills = skills  # the catalogue: name -> description

    # -- queues ---------------------------------------------------------------------
    async def put_queue(self, name: str, spec: QueueSpec) -> QueueConfig:
        validate_against(name, spec, set(self.skills), set(self.acd.queues) | {name})
        config = spec.to_config(name)
        await asyncio.to_thread(self.store.save_queue, config)
        self.carry_out(self.acd.configure_queue(config))
        return config

    async def refresh(self) -> None:
        """Take up the queues and skills stored since this process loaded them: a standby
        that becomes active must route by what the active process last configured."""
        queues = await asyncio.to_thread(self.store.load_queues)
        self.skills.update(await asyncio.to_thread(self.store.skills))
        for config in queues:
            if self.acd.queues.get(config.name) != config:
                self.carry_out(self.acd.configure_queue(config))

    async def delete_queue(self, name: str) -> None:
        self.acd.queue(name)
        users = [q.name for q in self.acd.queues.values() if _refers_to(q, name)]
        if users:
            raise QueueInUse(
                f"queue {name!r} is an escalation or overflow target of {', '.join(users)}",
                details={"queue": name, "used_by": users},
            )
        self.carry_out(self.acd.delete_queue(name))
        await asyncio.to_thread(self.store.delete_queue, name)

    # -- skills ---------------------------------------------------------------------
    async def put_skill(self, name: str, description: str) -> None:
        await asyncio.to_thread(self.store.save_skill, name, description)
        self.skills[name] = description

    async def delete_skill(self, name: str) -> None:
        if name not in self.skills:
            raise InvalidConfig(f"skill {name!r} does not exist", details={"field": "name"})
        queues = [q.name for q in self.acd.queues.values() if name in dict(q.skills)]
        agents = [a.agent_id for a in self.acd.agents() if a.level(name)]
        if queues or agents:
            raise InvalidConfig(
                f"skill {name!r} is in use by {len(queues)} queue(s) and {len(agents)} agent(s)",
                details={"field": "name", "queues": queues, "agents": agents[:20]},
            )
        await asyncio.to_thread(self.store.delete_skill, name)
        del self.skills[name]

    def check_agent_skills(self, skills: dict[str, int]) -> None:
        for name in skills:
            if name not in self.skills:
                raise InvalidConfig(
                    f"skills.{name}: skill {name!r} does not exist",
                    details={"field": f"skills.{name}"},
                )

    # -- statistics -----------------------------------------------------------------
    def dirty_intervals(self) -> list[tuple[str, int, Counters]]:
        """A copy of the intervals changed since last time, taken on the event loop."""
        return [(q, start, replace(c)) for q, start, c in self.acd.stats.take_dirty()]

    async def intervals(self, queue: str, hours: int) -> list[tuple[int, Counters]]:
        if queue not in self.acd.queues:
            raise NoSuchQueue(f"no queue {queue!r}", details={"queue": queue})
        until = interval_start(self.acd.clock.now()) + 900
        stored = await asyncio.to_thread(self.store.intervals, queue, until - hours * 3600, until)
        live = {s: c for (q, s), c in self.acd.stats.intervals.items() if q == queue}
        merged = {start: counters for start, counters in stored}
        merged.update(live)  # the running process knows better than its last flush
        return sorted(merged.items())


def _refers_to(queue: QueueConfig, name: str) -> bool:
    if queue.name == name:
        return False
    widened = any(name in step.add_queues for step in queue.escalation)
    return widened or (queue.overflow is not None and queue.overflow.target == name)
