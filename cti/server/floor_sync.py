"""The ACD follows the directory: an account created, changed, disabled or demoted (by the
users API, or by ``switchboard users`` in another process over Redis) changes who is on the
floor, without a restart.

- An enabled agent account is an ACD agent (added logged out) with the account's skills.
- A disabled account, or one that is no longer an agent, is logged out of the ACD. One on a
  call stays until the call ends (the ACD refuses to log out a busy agent); its desktop's
  sessions have ended already.
"""

from __future__ import annotations

import asyncio

import structlog

from acd.agents import AgentState
from cti.calls.members import observed_skills
from cti.calls.service import CallCentre
from cti.crm.directory import AgentAccount, Directory
from cti.errors import SwitchboardError
from cti.roles import Role

log = structlog.get_logger(__name__)


class FloorSync:
    def __init__(self, directory: Directory, centre: CallCentre, routing: bool) -> None:
        self._directory, self._centre, self._routing = directory, centre, routing

    async def follow(self, login: str) -> None:
        account = await asyncio.to_thread(self._directory.find_agent, login)
        self.apply(login, account)

    def apply(self, login: str, account: AgentAccount | None) -> None:
        acd = self._centre.acd
        present = acd.find_agent(login)
        if account is not None and account.enabled and account.role is Role.AGENT:
            skills = self._skills(account)
            if present is None:
                acd.add_agent(login, account.display_name, skills)
                log.info("floor.agent_added", agent_id=login)
            elif present.skills != skills and self._routing:
                self._centre.set_skills(login, skills)
            return
        if present is not None and present.state is not AgentState.LOGGED_OUT:
            self._log_out(login)

    def _skills(self, account: AgentAccount) -> tuple[tuple[str, int], ...]:
        if self._routing:
            return account.skills
        queues = list(self._centre.acd.queues)  # observe mode: the PBX's members decide
        return observed_skills(account.skills, queues)

    def _log_out(self, login: str) -> None:
        try:
            self._centre.set_agent_state(login, AgentState.LOGGED_OUT, None)
            log.info("floor.agent_logged_out", agent_id=login)
        except SwitchboardError as exc:
            log.info("floor.agent_stays_until_call_ends", agent_id=login, reason=exc.message)
