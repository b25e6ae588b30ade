"""Several processes on one Redis: one runs the engine, the others stand by and take over."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
import redis
from starlette.websockets import WebSocketDisconnect

from tests.support import auth, running_app, services

LOCK_SECONDS = 5.0  # long enough that a loaded machine still renews it in time


def wait_for(check: object, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_one_process_runs_the_engine_and_a_standby_takes_over_when_it_stops(
    redis_url: str, tmp_path: Path
) -> None:
    shared = {
        "redis_url": redis_url,
        "redis_prefix": f"sbtest-{uuid.uuid4().hex[:8]}:",
        "engine_lock_seconds": LOCK_SECONDS,
    }
    first = running_app(tmp_path / "a", **shared)
    active = first.__enter__()
    try:
        assert active.get("/healthz").status_code == 200
        token = active.app.state.engine_lock.token  # type: ignore[attr-defined]
        with running_app(tmp_path / "b", **shared) as standby:
            health = standby.get("/healthz")
            assert health.status_code == 503
            assert health.json() == {"status": "standby", "engine": token}
            refused = standby.get("/api/queues")
            assert refused.status_code == 503 and refused.json()["error_id"] == "standby"
            assert not services(standby).centre.calls
            assert standby.get("/ui/").status_code == 200  # the pages still load
            with (
                pytest.raises(WebSocketDisconnect) as closed,
                standby.websocket_connect("/ws/board?token=x") as ws,
            ):
                ws.receive_json()
            assert closed.value.code == 1013  # try again later: on the active process
            first.__exit__(None, None, None)  # the active process shuts down
            first = None
            assert wait_for(lambda: standby.get("/healthz").status_code == 200)
            headers = auth(standby, "super01")
            assert standby.get("/api/queues", headers=headers).status_code == 200
    finally:
        if first is not None:
            first.__exit__(None, None, None)


def test_an_engine_that_cannot_renew_its_lock_stops_and_stands_by(
    redis_url: str, tmp_path: Path
) -> None:
    prefix = f"sbtest-{uuid.uuid4().hex[:8]}:"
    with running_app(
        tmp_path, redis_url=redis_url, redis_prefix=prefix, engine_lock_seconds=LOCK_SECONDS
    ) as app:
        assert app.get("/healthz").status_code == 200
        redis.Redis.from_url(redis_url).set(f"{prefix}engine", "someone-else", px=30_000)  # taken
        assert wait_for(lambda: app.get("/healthz").status_code == 503)
        assert app.get("/api/queues").json()["error_id"] == "standby"
        time.sleep(LOCK_SECONDS)
        assert app.get("/healthz").status_code == 503  # it does not take the engine back
