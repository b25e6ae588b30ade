"""Helpers for tests that run the real FastAPI app in-process on the embedded default."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import WebSocketTestSession

from acd.agents import AgentState
from cti.db import make_session_factory
from cti.server.app import create_app
from cti.server.services import Services
from cti.settings import Settings

PASSWORD = "switchboard"


def settings_for(tmp: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp / 'switchboard.db'}",
        "call_log_spool": tmp / "call-log-spool.jsonl",
        "jwt_secret_file": tmp / "jwt-secret",
        "demo": True,
        "demo_calls_per_minute": 0.0,
        "demo_customers": 300,
        "demo_traffic_days": 0,  # weeks of call log only where a test asks for them
        "demo_password": PASSWORD,
    }
    values.update(overrides)
    return Settings(**values)


@contextmanager
def running_app(tmp: Path, **overrides: Any) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(tmp, **overrides))) as client:
        yield client


def services(client: TestClient) -> Services:
    return client.app.state.services  # type: ignore[attr-defined,no-any-return]


def database(client: TestClient) -> sessionmaker[Session]:
    """Sessions on the running app's own database (its engine, as ``/readyz`` probes it)."""
    engine = services(client).database
    assert engine is not None, "the app was built without its database engine"
    return make_session_factory(engine)


def token(client: TestClient, login: str, password: str = PASSWORD) -> str:
    res = client.post("/api/auth/token", data={"username": login, "password": password})
    assert res.status_code == 200, res.text
    return str(res.json()["access_token"])


def bearer(access_token: str) -> list[str]:
    """The subprotocols a websocket offers to carry its token (never in the URL)."""
    return ["switchboard", f"bearer.{access_token}"]


def auth(client: TestClient, login: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(client, login)}"}


def agent_with_skill(client: TestClient, skill: str) -> str:
    agents = services(client).centre.acd.agents()
    return next(a.agent_id for a in agents if a.level(skill) >= 1)


def only_available(client: TestClient, login: str) -> None:
    """Pause every other agent, through the API as a supervisor would."""
    headers = auth(client, "super01")
    for agent in services(client).centre.acd.agents():
        state = "available" if agent.agent_id == login else "paused"
        if agent.state in (AgentState.AVAILABLE, AgentState.PAUSED, AgentState.LOGGED_OUT):
            res = client.put(
                f"/api/agents/{agent.agent_id}/state",
                json={"state": state, "reason": "test"},
                headers=headers,
            )
            assert res.status_code == 200, res.text


def place_call(client: TestClient, queue: str, number: str | None) -> str:
    phone = services(client).telephony
    return str(client.portal.call(phone.place_call, queue, number))  # type: ignore[attr-defined,union-attr]


#: How long one websocket message may take before the test fails, rather than hangs.
RECEIVE_SECONDS = 60.0


def receive_json_within(ws: WebSocketTestSession, seconds: float | None = None) -> Any:
    """The next JSON message, as ``ws.receive_json()``, but an AssertionError after
    ``seconds`` (default ``RECEIVE_SECONDS``; Starlette's own waits for ever when the server
    sends nothing)."""
    seconds = RECEIVE_SECONDS if seconds is None else seconds

    async def receive() -> dict[str, Any]:
        with anyio.fail_after(seconds):
            message: dict[str, Any] = await ws._send_rx.receive()
            return message

    try:
        message = ws.portal.call(receive)
    except TimeoutError:
        raise AssertionError(f"no websocket message within {seconds:g} s") from None
    ws._raise_on_close(message)  # a close or a refusal, as receive_json raises it
    return json.loads(message["text"])


def next_of(ws: WebSocketTestSession, kind: str, limit: int = 50) -> dict[str, Any]:
    for _ in range(limit):
        message: dict[str, Any] = receive_json_within(ws)
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind!r} message in {limit}")


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Poll ``condition`` on the event loop until it holds; fail after ``seconds``."""
    for _ in range(int(seconds / 0.005)):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"the condition did not come true in {seconds} s")
