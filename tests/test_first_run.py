"""First run without the demo, as an operator meets it: the demo follows the PBX,
``switchboard init`` makes the first admin, ``serve`` refuses until there is one, and
``switchboard users`` provisions from the command line."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from structlog.testing import capture_logs
from typer.testing import CliRunner

from cti.cli import app
from cti.crm.directory import Directory
from cti.db import make_engine, make_session_factory
from cti.server.app import create_app
from cti.settings import Settings, TelephonyBackend
from tests.server_process import TEST_JWT_SECRET, serve
from tests.support import services, settings_for

runner = CliRunner()
ADMIN_PASSWORD = "first-admin-password"


def env(tmp: Path, **more: str) -> dict[str, str]:
    values = {
        "SWITCHBOARD_DATABASE_URL": f"sqlite:///{tmp / 'switchboard.db'}",
        "SWITCHBOARD_DEMO": "false",
        "SWITCHBOARD_JWT_SECRET": TEST_JWT_SECRET,
        "SWITCHBOARD_CALL_LOG_SPOOL": str(tmp / "spool.jsonl"),
    }
    return {**values, **{f"SWITCHBOARD_{k.upper()}": v for k, v in more.items()}}


def directory(tmp: Path) -> Directory:
    return Directory(make_session_factory(make_engine(f"sqlite:///{tmp / 'switchboard.db'}")))


@pytest.fixture(autouse=True)
def no_switchboard_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [k for k in os.environ if k.startswith("SWITCHBOARD_")]:
        monkeypatch.delenv(key)


def test_the_demo_is_on_by_default_only_with_the_simulated_pbx() -> None:
    assert Settings().demo is True
    assert Settings(telephony=TelephonyBackend.ASTERISK).demo is False
    assert Settings(telephony=TelephonyBackend.ASTERISK, demo=True).demo is True
    assert Settings(demo=False).demo is False


def test_the_demo_is_off_with_asterisk_from_the_environment_unless_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SWITCHBOARD_TELEPHONY", "asterisk")
    assert Settings().demo is False
    monkeypatch.setenv("SWITCHBOARD_DEMO", "true")
    assert Settings().demo is True


def test_init_creates_the_first_admin_from_the_environment_when_not_interactive(
    tmp_path: Path,
) -> None:
    result = runner.invoke(app, ["init"], env=env(tmp_path, admin_password=ADMIN_PASSWORD))
    assert result.exit_code == 0, result.output
    account = directory(tmp_path).authenticate("admin", ADMIN_PASSWORD)
    assert account is not None and account.role.value == "admin"


def test_init_without_a_terminal_or_a_password_says_what_to_set(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init"], env=env(tmp_path))
    assert result.exit_code == 1
    assert "SWITCHBOARD_ADMIN_PASSWORD" in result.output


def test_init_refuses_a_short_password_and_a_second_run(tmp_path: Path) -> None:
    short = runner.invoke(app, ["init"], env=env(tmp_path, admin_password="short"))
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    first = runner.invoke(
        app, ["init", "--login", "root"], env=env(tmp_path, admin_password=ADMIN_PASSWORD)
    )
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["init"], env=env(tmp_path, admin_password=ADMIN_PASSWORD))
    assert again.exit_code == 1 and "already set up: the admins are root" in again.output


def test_init_refuses_while_the_demo_is_on(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["init"], env=env(tmp_path, demo="true", admin_password=ADMIN_PASSWORD)
    )
    assert result.exit_code == 1 and "SWITCHBOARD_DEMO=false" in result.output


def test_init_asks_for_the_password_twice_on_a_terminal(tmp_path: Path) -> None:
    """The real command on a pseudo-terminal, as an operator types at it."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "cti.cli", "init"],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env={**os.environ, **env(tmp_path)},
        cwd=tmp_path,
    )
    os.close(terminal)
    # click writes the prompt, then getpass turns echo off (discarding what was typed) and
    # writes the space after it: only after that space is typing safe
    seen = _until(controller, b"Password for admin: ")
    os.write(controller, ADMIN_PASSWORD.encode() + b"\n")
    seen += _until(controller, b"Repeat for confirmation: ")
    os.write(controller, ADMIN_PASSWORD.encode() + b"\n")
    assert process.wait(timeout=120) == 0
    os.close(controller)
    assert ADMIN_PASSWORD.encode() not in seen  # hidden as it is typed
    assert directory(tmp_path).authenticate("admin", ADMIN_PASSWORD) is not None


def _until(fd: int, wanted: bytes, timeout: float = 120) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen:
        assert time.monotonic() < deadline, f"no {wanted!r} in {seen!r}"
        seen += os.read(fd, 1024)
    return seen


def test_serve_refuses_to_start_without_an_admin_saying_what_to_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve"], env=env(tmp_path))
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: no admin account yet: run `switchboard init` to create the first one"
    ]


def test_after_init_the_server_starts_without_the_demo_and_the_admin_logs_in(
    tmp_path: Path,
) -> None:
    init = runner.invoke(app, ["init"], env=env(tmp_path, admin_password=ADMIN_PASSWORD))
    assert init.exit_code == 0, init.output
    url = f"sqlite:///{tmp_path / 'switchboard.db'}"
    with serve(tmp_path, url, demo="false") as server:
        access = server.token("admin", ADMIN_PASSWORD)
        users = httpx.get(
            f"{server.base}/api/users", headers={"Authorization": f"Bearer {access}"}
        ).json()
        assert [u["login"] for u in users] == ["admin"]  # no demo accounts
        res = httpx.post(
            f"{server.base}/api/auth/token",
            data={"username": "agent01", "password": "switchboard"},
        )
        assert res.status_code == 401


@pytest.mark.parametrize("starter", [True, False])
def test_init_creates_the_queues_the_shipped_ivr_flow_routes_to_so_it_is_active(
    tmp_path: Path, starter: bool
) -> None:
    flag = [] if starter else ["--no-starter-queues"]
    init = runner.invoke(app, ["init", *flag], env=env(tmp_path, admin_password=ADMIN_PASSWORD))
    assert init.exit_code == 0, init.output
    assert ("Starter queues billing, sales, support created" in init.output) is starter
    settings = settings_for(tmp_path, demo=False, jwt_secret=TEST_JWT_SECRET)
    with capture_logs() as logs, TestClient(create_app(settings)) as client:
        svc = services(client)
        queues = sorted(svc.centre.acd.queues)
        active = svc.ivr.active_names()
    invalid = [line for line in logs if line["event"] == "ivr.shipped_flow_invalid"]
    if starter:
        assert queues == ["billing", "sales", "support"]
        assert active == ["main-menu"] and invalid == []
    else:
        assert queues == [] and active == []
        [line] = invalid
        assert "queue 'sales' does not exist" in " ".join(line["errors"])


def test_users_are_added_listed_disabled_and_given_a_new_password_from_the_command_line(
    tmp_path: Path,
) -> None:
    base = env(tmp_path, admin_password=ADMIN_PASSWORD)
    assert runner.invoke(app, ["init"], env=base).exit_code == 0
    with_password = {**base, "SWITCHBOARD_NEW_PASSWORD": "agent-password-1"}
    added = runner.invoke(
        app,
        ["users", "add", "ada", "--name", "Ada Lovelace", "--role", "supervisor"],
        env=with_password,
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["users", "list"], env=base)
    assert "ada" in listed.output and "supervisor" in listed.output
    assert directory(tmp_path).authenticate("ada", "agent-password-1") is not None
    unknown_skill = runner.invoke(
        app, ["users", "add", "bob", "--name", "Bob", "--skills", "french:2"], env=with_password
    )
    assert unknown_skill.exit_code == 1 and "skill 'french' does not exist" in unknown_skill.output
    renewed = {**base, "SWITCHBOARD_NEW_PASSWORD": "agent-password-2"}
    assert runner.invoke(app, ["users", "passwd", "ada"], env=renewed).exit_code == 0
    assert directory(tmp_path).authenticate("ada", "agent-password-1") is None
    assert directory(tmp_path).authenticate("ada", "agent-password-2") is not None
    disabled = runner.invoke(app, ["users", "disable", "ada"], env=base)
    assert disabled.exit_code == 0 and not directory(tmp_path).get_agent("ada").enabled
    last = runner.invoke(app, ["users", "disable", "admin"], env=base)
    assert last.exit_code == 1 and "only enabled admin" in last.output


def test_an_import_from_the_command_line_names_each_refused_row(tmp_path: Path) -> None:
    base = env(tmp_path, admin_password=ADMIN_PASSWORD)
    assert runner.invoke(app, ["init"], env=base).exit_code == 0
    agents = tmp_path / "agents.csv"
    agents.write_text(
        "login,display_name,password,role\n"
        "ada,Ada Lovelace,analytical-engine,agent\n"
        "bad login,Bad,long-enough-pw,agent\n"
        "carl,Carl,long-enough-pw,boss\n"
        "dora,Dora,long-enough-pw,supervisor\n"
    )
    result = runner.invoke(app, ["users", "import", str(agents)], env=base)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[0].startswith(f"{agents}:3: login: must be")
    assert lines[1] == f"{agents}:4: role: 'boss' is not agent, supervisor or admin"
    assert lines[2] == "2 created, 2 refused"
    assert {a.login for a in directory(tmp_path).list_agents()} == {"admin", "ada", "dora"}


def test_a_user_disabled_from_the_command_line_is_cut_off_a_running_server_at_once_via_redis(
    tmp_path: Path, redis_url: str
) -> None:
    """Another process (the command) writes the account; Redis carries the announcement, so
    the running server closes the agent's websocket and logs them out of the ACD at once,
    long before any cache or re-check timer would."""
    from fastapi.testclient import TestClient

    from acd.agents import AgentState
    from cti.server.app import create_app
    from tests.support import bearer, next_of, settings_for, token
    from tests.test_auth_sessions import closed_with
    from tests.test_users_api import on_the_floor

    prefix = f"admin-cli-{time.monotonic_ns()}:"
    settings = settings_for(
        tmp_path,
        redis_url=redis_url,
        redis_prefix=prefix,
        demo_agents=4,
        demo_customers=20,
        auth_cache_seconds=60,
    )
    with TestClient(create_app(settings)) as client:
        access = token(client, "agent02")
        with client.websocket_connect("/ws/agent", subprotocols=bearer(access)) as ws:
            next_of(ws, "hello")
            command = {
                "SWITCHBOARD_DATABASE_URL": settings.database_url,
                "SWITCHBOARD_REDIS_URL": redis_url,
                "SWITCHBOARD_REDIS_PREFIX": prefix,
            }
            result = runner.invoke(app, ["users", "disable", "agent02"], env=command)
            assert result.exit_code == 0, result.output
            code, reason = closed_with(ws, within=5)  # the websocket re-check is 15 s
        assert code == 1008 and "revoked" in reason
        on_the_floor(client, "agent02", lambda a: a.state is AgentState.LOGGED_OUT)
