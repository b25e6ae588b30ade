"""Tokens are checked against the account as it is now, on REST and on open websockets."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from starlette.websockets import WebSocketDisconnect

from cti.auth.secret import signing_secret
from cti.crm.models import Agent
from cti.roles import Role
from tests.support import auth, bearer, database, next_of, running_app, services, token


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with running_app(tmp_path) as c:
        yield c


def me(client: TestClient, access_token: str) -> int:
    res = client.get("/api/auth/me", headers={"Authorization": f"Bearer {access_token}"})
    return res.status_code


def server_secret(client: TestClient) -> str:
    """The server's signing key, found as the server finds it (its settings)."""
    s = services(client).settings
    key = signing_secret(s.jwt_secret, demo=s.demo, demo_file=s.jwt_secret_file)
    return key.get_secret_value()


def forged(client: TestClient, **claims: Any) -> str:
    """A token signed with the server's real key, saying whatever ``claims`` say."""
    secret = server_secret(client)
    now = int(time.time())
    return jwt.encode({"iat": now, "exp": now + 600, "ver": 0, **claims}, secret, "HS256")


def closed_with(ws: Any, within: float = 20.0) -> tuple[int, str]:
    """Read until the server closes the socket: its close code and reason. A server that
    leaves the socket open fails the test after ``within`` seconds instead of hanging it."""

    async def next_message() -> dict[str, Any]:
        with anyio.fail_after(within):
            message: dict[str, Any] = await ws._send_rx.receive()
            return message

    for _ in range(100):
        message = ws.portal.call(next_message)
        if message["type"] == "websocket.close":
            return int(message.get("code", 1000)), str(message.get("reason", ""))
    raise AssertionError("the socket was not closed")


def test_a_token_for_a_login_with_no_account_is_refused(client: TestClient) -> None:
    ghost = forged(client, sub="ghost", role="admin", name="Ghost")
    res = client.get("/api/agents", headers={"Authorization": f"Bearer {ghost}"})
    assert res.status_code == 401 and res.json()["error_id"] == "session-revoked"


def test_a_role_claim_above_the_accounts_role_is_ignored(client: TestClient) -> None:
    boosted = forged(client, sub="agent01", role="admin", name="Agent")
    res = client.get("/api/agents", headers={"Authorization": f"Bearer {boosted}"})
    assert res.status_code == 403
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {boosted}"}).json()[
        "role"
    ] == ("agent")


def test_a_token_without_a_version_is_refused(client: TestClient) -> None:
    secret = server_secret(client)
    old_style = jwt.encode(
        {"sub": "admin", "role": "admin", "exp": int(time.time()) + 600}, secret, "HS256"
    )
    assert me(client, old_style) == 401


def test_a_deleted_accounts_token_is_refused(client: TestClient) -> None:
    access = token(client, "agent07")
    assert me(client, access) == 200
    services(client).directory.delete_agent("agent07")
    assert me(client, access) == 401


def test_a_disabled_account_loses_its_token_and_cannot_log_in(client: TestClient) -> None:
    access = token(client, "agent07")
    services(client).directory.set_enabled("agent07", False)
    assert me(client, access) == 401
    res = client.post("/api/auth/token", data={"username": "agent07", "password": "switchboard"})
    assert res.status_code == 401 and res.json()["error_id"] == "invalid-credentials"


def test_a_demoted_supervisors_token_stops_working(client: TestClient) -> None:
    access = token(client, "super01")
    headers = {"Authorization": f"Bearer {access}"}
    assert client.get("/api/agents", headers=headers).status_code == 200
    services(client).directory.set_role("super01", Role.AGENT)
    assert client.get("/api/agents", headers=headers).status_code == 401
    again = auth(client, "super01")
    assert client.get("/api/agents", headers=again).status_code == 403


def test_a_new_password_revokes_the_old_token(client: TestClient) -> None:
    access = token(client, "agent07")
    services(client).directory.set_password("agent07", "a new password")
    assert me(client, access) == 401
    assert me(client, token(client, "agent07", "a new password")) == 200


def test_logout_revokes_the_token(client: TestClient) -> None:
    access = token(client, "agent07")
    other_tab = token(client, "agent07")
    headers = {"Authorization": f"Bearer {access}"}
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    assert me(client, access) == 401
    assert me(client, other_tab) == 401  # logout ends every session of the account
    assert me(client, token(client, "agent07")) == 200


def test_the_socket_answers_with_the_switchboard_subprotocol_only(client: TestClient) -> None:
    with client.websocket_connect("/ws/agent", subprotocols=bearer(token(client, "agent01"))) as ws:
        assert ws.accepted_subprotocol == "switchboard"
        next_of(ws, "hello")


def test_a_token_in_the_url_is_refused(client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect(f"/ws/agent?token={token(client, 'agent01')}"),
    ):
        pass
    assert refused.value.code == 1008


def test_an_open_agent_socket_is_closed_when_its_token_is_revoked(client: TestClient) -> None:
    access = token(client, "agent01")
    with client.websocket_connect("/ws/agent", subprotocols=bearer(access)) as ws:
        next_of(ws, "hello")
        res = client.post("/api/auth/logout", headers={"Authorization": f"Bearer {access}"})
        assert res.status_code == 204
        code, reason = closed_with(ws)
    assert code == 1008 and "revoked" in reason


def test_an_open_board_socket_is_closed_when_the_supervisor_is_demoted(
    client: TestClient,
) -> None:
    with client.websocket_connect("/ws/board", subprotocols=bearer(token(client, "super01"))) as ws:
        ws.receive_json()
        services(client).directory.set_role("super01", Role.AGENT)
        code, _ = closed_with(ws)
    assert code == 1008


def test_an_open_socket_is_closed_when_its_token_expires(client: TestClient) -> None:
    svc = services(client)
    short = svc.auth.tokens.issue(svc.directory.get_agent("agent01"), ttl_seconds=2)
    with client.websocket_connect("/ws/agent", subprotocols=bearer(short)) as ws:
        next_of(ws, "hello")
        code, reason = closed_with(ws)
    assert code == 1008 and "expired" in reason
    assert svc.centre.acd.agent("agent01").state.value == "available"


def test_a_message_after_a_silent_revocation_is_refused_and_not_carried_out(
    tmp_path: Path,
) -> None:
    """Revoked in the database by another process, whose announcement never came: the next
    message is checked against the database (no cache here) and closes the socket unheard."""
    with running_app(tmp_path, auth_cache_seconds=0) as client:
        svc = services(client)
        with client.websocket_connect(
            "/ws/agent", subprotocols=bearer(token(client, "agent01"))
        ) as ws:
            assert next_of(ws, "hello")["agent"]["state"] == "available"
            with database(client).begin() as session:
                revoke = update(Agent).values(token_version=Agent.token_version + 1)
                session.execute(revoke.where(Agent.login == "agent01"))
            ws.send_json({"type": "set_state", "state": "paused", "reason": "break"})
            code, reason = closed_with(ws)
        assert code == 1008 and "revoked" in reason
        assert svc.centre.acd.agent("agent01").state.value == "available"
