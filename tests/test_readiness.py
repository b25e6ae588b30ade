"""``/readyz`` in-process: every component up on a lone active process; on a standby sharing
its Redis, the engine is down (naming the holder) while the database and Redis are up."""

from __future__ import annotations

import uuid
from pathlib import Path

from tests.support import running_app


def test_a_lone_process_is_ready_with_each_component_up(tmp_path: Path) -> None:
    with running_app(tmp_path) as app:
        res = app.get("/readyz")
    assert res.status_code == 200
    body = res.json()
    assert body["status"] == "ready"
    assert set(body["components"]) == {"database", "pbx", "engine"}  # no Redis configured
    assert all(c["status"] == "up" for c in body["components"].values())
    assert body["components"]["engine"]["detail"] == "active"


def test_a_standby_is_alive_but_not_ready(redis_url: str, tmp_path: Path) -> None:
    shared = {"redis_url": redis_url, "redis_prefix": f"sbtest-{uuid.uuid4().hex[:8]}:"}
    with running_app(tmp_path / "a", **shared) as active:
        token = active.app.state.engine_lock.token  # type: ignore[attr-defined]
        ready = active.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["components"]["redis"]["status"] == "up"
        with running_app(tmp_path / "b", **shared) as standby:
            res = standby.get("/readyz")
    assert res.status_code == 503
    components = res.json()["components"]
    assert res.json()["status"] == "not-ready"
    assert components["engine"]["status"] == "down" and token in components["engine"]["detail"]
    assert components["database"]["status"] == "up" and components["redis"]["status"] == "up"
