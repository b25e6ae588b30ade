"""Who may log in, with which role and skills.

The queues are the ACD's: ``acd.store.RoutingStore`` keeps them.

Passwords are argon2id hashes (argon2-cffi). ``authenticate`` spends the same hashing effort
on an unknown login as on a wrong password, so response times do not reveal which logins
exist, and upgrades hashes made with weaker parameters as their owners log in.

Every token carries its account's ``token_version``. The changes that must end sessions
(a new password, a new role, disabling, deleting, logging out) bump it, and each write
that touches an account tells the ``on_account_change`` listeners (the token checker's
cache) once it is committed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from cti.crm.errors import InvalidAgent, NoSuchAgent
from cti.crm.models import Agent, AgentSkill
from cti.roles import Role

_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_SKILL = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
MIN_LEVEL, MAX_LEVEL = 1, 5


@dataclass(frozen=True, slots=True)
class AgentAccount:
    login: str
    display_name: str
    role: Role
    skills: tuple[tuple[str, int], ...]  # (skill, level 1-5), by skill name
    enabled: bool = True
    token_version: int = 0


class Directory:
    def __init__(
        self, session_factory: sessionmaker[Session], hasher: PasswordHasher | None = None
    ) -> None:
        self._sessions = session_factory
        self._hasher = hasher or PasswordHasher()
        self._decoy: str | None = None
        self._listeners: list[Callable[[str], None]] = []

    def on_account_change(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(login)`` after each committed change to that account."""
        self._listeners.append(listener)

    def authenticate(self, login: str, password: str) -> AgentAccount | None:
        with self._sessions.begin() as session:
            agent = _agent(session, login)
            if agent is None:
                self._verify(self._decoy_hash(), password)
                return None
            if not self._verify(agent.password_hash, password) or not agent.enabled:
                return None
            if self._hasher.check_needs_rehash(agent.password_hash):
                agent.password_hash = self._hasher.hash(password)
            return to_account(agent)

    def list_agents(self) -> list[AgentAccount]:
        with self._sessions() as session:
            return [to_account(a) for a in session.scalars(select(Agent).order_by(Agent.login))]

    def get_agent(self, login: str) -> AgentAccount:
        with self._sessions() as session:
            return to_account(_existing(session, login))

    def find_agent(self, login: str) -> AgentAccount | None:
        """The account, or None if there is none (the token checker's lookup)."""
        with self._sessions() as session:
            agent = _agent(session, login)
            return None if agent is None else to_account(agent)

    def set_password(self, login: str, password: str) -> AgentAccount:
        """A new password; every token issued before stops working."""
        if not password:
            raise InvalidAgent("password", "must not be empty")
        password_hash = self._hasher.hash(password)
        return self._change(login, password_hash=password_hash)

    def set_role(self, login: str, role: Role) -> AgentAccount:
        """A new role; every token issued before stops working, whatever it claimed."""
        return self._change(login, role=Role(role).value)

    def rename(self, login: str, display_name: str) -> AgentAccount:
        """A new display name; the account's sessions carry on."""
        if not display_name.strip():
            raise InvalidAgent("display_name", "must not be empty")
        with self._sessions.begin() as session:
            agent = _existing(session, login)
            agent.display_name = display_name.strip()
            session.flush()
            account = to_account(agent)
        self._changed(login)
        return account

    def set_enabled(self, login: str, enabled: bool) -> AgentAccount:
        """Disable (every token stops working, no log-in) or enable the account."""
        return self._change(login, enabled=enabled)

    def revoke_tokens(self, login: str) -> AgentAccount:
        """Log the account out everywhere: every token issued before stops working."""
        return self._change(login)

    def delete_agent(self, login: str) -> None:
        with self._sessions.begin() as session:
            _existing(session, login)
            session.execute(delete(Agent).where(Agent.login == login))
        self._changed(login)

    def _change(self, login: str, **values: object) -> AgentAccount:
        """Set ``values`` and bump the token version, in one statement, then tell listeners."""
        with self._sessions.begin() as session:
            _existing(session, login)
            bump = {"token_version": Agent.token_version + 1}
            session.execute(update(Agent).where(Agent.login == login).values(**values, **bump))
            session.expire_all()
            account = to_account(_existing(session, login))
        self._changed(login)
        return account

    def _changed(self, login: str) -> None:
        for listener in self._listeners:
            listener(login)

    def create_agent(
        self,
        login: str,
        display_name: str,
        password: str,
        role: Role = Role.AGENT,
        skills: Iterable[tuple[str, int]] = (),
    ) -> AgentAccount:
        _check_login(login)
        if not display_name.strip():
            raise InvalidAgent("display_name", "must not be empty")
        levels = validated_skills(skills)
        agent = Agent(
            login=login,
            display_name=display_name.strip(),
            role=Role(role).value,
            password_hash=self._hasher.hash(password),
            skills=[AgentSkill(skill=skill, level=level) for skill, level in levels],
        )
        try:
            with self._sessions.begin() as session:
                session.add(agent)
                session.flush()
                account = to_account(agent)
        except IntegrityError:
            raise InvalidAgent("login", f"{login!r} is already in use") from None
        self._changed(login)  # a token for this login, refused while it had no account
        return account

    def set_agent_skills(self, login: str, skills: Iterable[tuple[str, int]]) -> AgentAccount:
        """Replace the agent's skills with ``skills`` (skill name, level 1-5)."""
        levels = validated_skills(skills)
        with self._sessions.begin() as session:
            agent = _existing(session, login)
            agent.skills = [AgentSkill(skill=skill, level=level) for skill, level in levels]
            session.flush()
            account = to_account(agent)
        self._changed(login)  # the floor follows the directory (cti.server.floor_sync)
        return account

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _decoy_hash(self) -> str:
        if self._decoy is None:
            self._decoy = self._hasher.hash("decoy password for unknown logins")
        return self._decoy


def validated_skills(skills: Iterable[tuple[str, int]]) -> Sequence[tuple[str, int]]:
    levels: dict[str, int] = {}
    for skill, level in skills:
        if not _SKILL.match(skill):
            raise InvalidAgent("skills", f"{skill!r} is not a skill name (a-z, 0-9, _ and -)")
        if not MIN_LEVEL <= level <= MAX_LEVEL:
            raise InvalidAgent("skills", f"level of {skill} must be 1 to 5, not {level}")
        levels[skill] = level
    return sorted(levels.items())


def to_account(agent: Agent) -> AgentAccount:
    return AgentAccount(
        login=agent.login,
        display_name=agent.display_name,
        role=Role(agent.role),
        skills=tuple(sorted((s.skill, s.level) for s in agent.skills)),
        enabled=agent.enabled,
        token_version=agent.token_version,
    )


def _check_login(login: str) -> None:
    if not _LOGIN.match(login):
        raise InvalidAgent("login", "must be 1 to 64 of a-z, 0-9, '.', '_' and '-'")


def _agent(session: Session, login: str) -> Agent | None:
    return session.scalars(select(Agent).where(Agent.login == login)).one_or_none()


def _existing(session: Session, login: str) -> Agent:
    agent = _agent(session, login)
    if agent is None:
        raise NoSuchAgent(f"no agent with login {login!r}", details={"login": login})
    return agent
