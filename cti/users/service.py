"""What the users API, the admin page and ``switchboard users`` act on: the directory's
accounts, checked against the provisioning rules before anything is written.

- A password has at least ``MIN_PASSWORD`` characters.
- Skills must be in the routing catalogue (``catalogue()``), levels 1 to 5.
- The last enabled admin can be neither disabled nor demoted.

Every write goes through ``cti.crm.directory.Directory``, which bumps the token version where
sessions must end (a new password, a new role, disabling) and announces the change: the
token checker forgets the account, its open websockets re-check and close, and the ACD
follows (``cti.server.floor_sync``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from cti.crm.directory import AgentAccount, Directory
from cti.crm.errors import InvalidAgent
from cti.roles import Role
from cti.users.errors import AlreadyInitialised, LastAdmin

MIN_PASSWORD = 10
MAX_PASSWORD = 256

Skills = tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class NewUser:
    login: str
    display_name: str
    password: str
    role: Role = Role.AGENT
    skills: Skills = ()


@dataclass(frozen=True, slots=True)
class UserChange:
    """What to change; ``None`` leaves a field as it is."""

    display_name: str | None = None
    role: Role | None = None
    skills: Skills | None = None
    enabled: bool | None = None


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidAgent("password", f"must be at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidAgent("password", f"must be at most {MAX_PASSWORD} characters")


class Users:
    def __init__(self, directory: Directory, catalogue: Callable[[], Collection[str]]) -> None:
        self.directory = directory
        self._catalogue = catalogue

    def accounts(self) -> list[AgentAccount]:
        return self.directory.list_agents()

    def get(self, login: str) -> AgentAccount:
        return self.directory.get_agent(login)

    def admins(self) -> list[str]:
        """The logins of the enabled admins."""
        return [a.login for a in self.accounts() if a.role is Role.ADMIN and a.enabled]

    def create(self, new: NewUser) -> AgentAccount:
        check_password(new.password)
        self.check_skills(new.skills)
        return self.directory.create_agent(
            new.login, new.display_name, new.password, Role(new.role), new.skills
        )

    def first_admin(self, login: str, display_name: str, password: str) -> AgentAccount:
        """The first admin of a fresh centre; refused once there is one."""
        admins = self.admins()
        if admins:
            raise AlreadyInitialised(
                f"there is an admin already ({', '.join(admins)})", details={"admins": admins}
            )
        return self.create(NewUser(login, display_name, password, Role.ADMIN))

    def change(self, login: str, change: UserChange) -> AgentAccount:
        account = self.get(login)
        demoted = change.role is not None and change.role is not Role.ADMIN
        if account.role is Role.ADMIN and account.enabled and (demoted or change.enabled is False):
            self._keep_an_admin(login)
        if change.skills is not None:
            self.check_skills(change.skills)
            account = self.directory.set_agent_skills(login, change.skills)
        if change.display_name is not None and change.display_name != account.display_name:
            account = self.directory.rename(login, change.display_name)
        if change.role is not None and change.role is not account.role:
            account = self.directory.set_role(login, change.role)
        if change.enabled is not None and change.enabled != account.enabled:
            account = self.directory.set_enabled(login, change.enabled)
        return account

    def disable(self, login: str) -> AgentAccount:
        return self.change(login, UserChange(enabled=False))

    def set_password(self, login: str, password: str) -> AgentAccount:
        """A new password; every session of the account ends at once."""
        check_password(password)
        return self.directory.set_password(login, password)

    def check_skills(self, skills: Iterable[tuple[str, int]]) -> None:
        known = self._catalogue()
        for name, _ in skills:
            if name not in known:
                raise InvalidAgent(f"skills.{name}", f"skill {name!r} does not exist")

    def _keep_an_admin(self, login: str) -> None:
        if self.admins() == [login]:
            raise LastAdmin(
                f"{login} is the only enabled admin: make another admin first",
                details={"login": login},
            )
