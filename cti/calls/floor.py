"""What the agent and waiting-call routes act on: the call centre (its ACD, its authorisation
floor), the routing configuration's skill catalogue, and where an agent's skills are kept."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

from acd.agents import Agent
from acd.service import RoutingService
from cti.calls.service import CallCentre


class SkillsStore(Protocol):
    """Where agents' skills are kept (``cti.crm.directory.Directory`` in the wiring)."""

    def set_agent_skills(self, login: str, skills: tuple[tuple[str, int], ...]) -> object: ...


@dataclass(frozen=True, slots=True)
class Floor:
    centre: CallCentre
    routing: RoutingService
    skills: SkillsStore

    async def change_skills(self, agent_id: str, skills: dict[str, int]) -> Agent:
        """Check the skills against the catalogue, keep them, then route with them."""
        self.centre.acd.agent(agent_id)
        self.routing.check_agent_skills(skills)
        levels = tuple(skills.items())
        await asyncio.to_thread(self.skills.set_agent_skills, agent_id, levels)
        return self.centre.set_skills(agent_id, levels)
