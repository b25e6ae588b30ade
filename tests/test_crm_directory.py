"""Agents, passwords and skills, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy.orm import Session, sessionmaker

from cti.crm import Directory, InvalidAgent, NoSuchAgent
from cti.crm.models import Agent
from cti.roles import Role

#: Cheap hashing parameters: these tests are about the directory, not argon2's cost.
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def directory(session_factory: sessionmaker[Session]) -> Directory:
    return Directory(session_factory, hasher=FAST)


def test_authentication_works_and_wrong_passwords_fail(directory: Directory) -> None:
    directory.create_agent("agent01", "Kim Park", "correct horse", skills=[("sales", 3)])
    account = directory.authenticate("agent01", "correct horse")
    assert account is not None
    assert (account.login, account.display_name, account.role) == ("agent01", "Kim Park", "agent")
    assert account.skills == (("sales", 3),)
    assert directory.authenticate("agent01", "Correct horse") is None
    assert directory.authenticate("agent01", "") is None
    assert directory.authenticate("nobody", "correct horse") is None


def test_a_hash_made_with_weaker_parameters_is_upgraded_at_login(
    session_factory: sessionmaker[Session],
) -> None:
    Directory(session_factory, hasher=FAST).create_agent("agent01", "Kim Park", "pw")
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    assert Directory(session_factory, hasher=stronger).authenticate("agent01", "pw") is not None
    with session_factory() as session:
        stored = session.query(Agent.password_hash).filter_by(login="agent01").scalar()
    assert stored is not None and not stronger.check_needs_rehash(stored)


def test_skills_are_replaced_and_listed_by_name(directory: Directory) -> None:
    directory.create_agent("agent01", "Kim Park", "pw", skills=[("sales", 3)])
    directory.create_agent("super01", "Lee Chan", "pw", role=Role.SUPERVISOR)
    updated = directory.set_agent_skills("agent01", [("support", 5), ("billing", 1)])
    assert updated.skills == (("billing", 1), ("support", 5))
    assert [(a.login, a.role, a.skills) for a in directory.list_agents()] == [
        ("agent01", Role.AGENT, (("billing", 1), ("support", 5))),
        ("super01", Role.SUPERVISOR, ()),
    ]


@pytest.mark.parametrize("skills", [[("sales", 0)], [("sales", 6)], [("Sales Team", 3)]])
def test_a_skill_outside_levels_one_to_five_or_badly_named_is_refused(
    directory: Directory, skills: list[tuple[str, int]]
) -> None:
    directory.create_agent("agent01", "Kim Park", "pw", skills=[("sales", 3)])
    with pytest.raises(InvalidAgent) as caught:
        directory.set_agent_skills("agent01", skills)
    assert (caught.value.status, caught.value.details["field"]) == (422, "skills")
    assert directory.get_agent("agent01").skills == (("sales", 3),)


def test_skills_of_an_unknown_agent_are_a_404(directory: Directory) -> None:
    with pytest.raises(NoSuchAgent) as caught:
        directory.set_agent_skills("ghost", [("sales", 3)])
    assert caught.value.error_id == "no-such-agent"


def test_a_login_can_be_taken_only_once(directory: Directory) -> None:
    directory.create_agent("agent01", "Kim Park", "pw")
    with pytest.raises(InvalidAgent) as caught:
        directory.create_agent("agent01", "Someone Else", "pw")
    assert caught.value.details["field"] == "login"


def test_changes_that_end_sessions_bump_the_token_version_and_tell_listeners(
    directory: Directory,
) -> None:
    heard: list[str] = []
    directory.on_account_change(heard.append)
    created = directory.create_agent("agent01", "Kim Park", "pw")
    assert (created.token_version, created.enabled) == (0, True)
    versions = [
        directory.set_password("agent01", "new pw").token_version,
        directory.set_role("agent01", Role.SUPERVISOR).token_version,
        directory.revoke_tokens("agent01").token_version,
        directory.set_enabled("agent01", False).token_version,
    ]
    assert versions == [1, 2, 3, 4]
    assert directory.authenticate("agent01", "new pw") is None  # disabled
    directory.set_enabled("agent01", True)
    account = directory.authenticate("agent01", "new pw")
    assert account is not None and account.role == Role.SUPERVISOR
    directory.delete_agent("agent01")
    assert directory.find_agent("agent01") is None
    assert heard == ["agent01"] * 7
    with pytest.raises(NoSuchAgent):
        directory.set_role("agent01", Role.ADMIN)
