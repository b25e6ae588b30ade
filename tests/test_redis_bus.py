"""Pushes cross server processes through a real Redis."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

from cti.clock import ManualClock
from cti.server.dialer_wiring import BoardWatch
from cti.server.hub import WATCH_LEASE, Hub
from cti.server.redis_bus import RedisBus
from tests.support import (
    agent_with_skill,
    bearer,
    only_available,
    place_call,
    running_app,
    services,
    token,
)


async def test_a_pop_published_by_one_process_reaches_a_socket_on_another(redis_url: str) -> None:
    prefix = f"sbtest-{uuid.uuid4().hex[:8]}:"
    engine_side, socket_side = (
        RedisBus(redis_url, prefix=prefix),
        RedisBus(redis_url, prefix=prefix),
    )
    await engine_side.start()
    await socket_side.start()
    try:
        sub = socket_side.subscribe("agent:agent01")
        other = socket_side.subscribe("agent:agent02")
        for n in range(3):
            engine_side.publish("agent:agent01", f"pop-{n}".encode())
        got = [await asyncio.wait_for(sub.get(), timeout=5) for _ in range(3)]
        assert got == [b"pop-0", b"pop-1", b"pop-2"]
        assert other.drain() == []
    finally:
        await engine_side.stop()
        await socket_side.stop()


async def test_buses_with_different_prefixes_do_not_hear_each_other(redis_url: str) -> None:
    a = RedisBus(redis_url, prefix=f"sbtest-{uuid.uuid4().hex[:8]}:")
    b = RedisBus(redis_url, prefix=f"sbtest-{uuid.uuid4().hex[:8]}:")
    await a.start()
    await b.start()
    try:
        sub = b.subscribe("board")
        a.publish("board", b"x")
        b.publish("board", b"y")
        assert await asyncio.wait_for(sub.get(), timeout=5) == b"y"
        await asyncio.sleep(0.1)
        assert sub.drain() == []
    finally:
        await a.stop()
        await b.stop()


def test_the_app_on_redis_still_pops_while_the_phone_rings(redis_url: str, tmp_path: Path) -> None:
    prefix = f"sbtest-{uuid.uuid4().hex[:8]}:"
    with running_app(tmp_path, redis_url=redis_url, redis_prefix=prefix) as client:
        assert isinstance(services(client).bus, RedisBus)
        agent = agent_with_skill(client, "sales")
        only_available(client, agent)
        with client.websocket_connect("/ws/agent", subprotocols=bearer(token(client, agent))) as ws:
            call_id = place_call(client, "sales", "+14155550142")
            for _ in range(20):
                message = ws.receive_json()
                if message["type"] == "pop":
                    break
            assert message["type"] == "pop" and message["call"]["call_id"] == call_id


def test_an_unreachable_redis_at_start_gives_one_clear_line(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SWITCHBOARD_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        "SWITCHBOARD_REDIS_URL": "redis://:hunter2@127.0.0.1:1/0",
    }
    done = subprocess.run(
        [sys.executable, "-m", "cti.cli", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 1 and len(lines) == 1, done.stderr
    assert "redis" in lines[0].lower() and "hunter2" not in done.stderr


async def test_a_board_open_on_another_process_counts_as_watching_the_campaigns(
    redis_url: str,
) -> None:
    """The dialer's process hears, through Redis, that a board is open on another process,
    and stops counting it as watched once that board is no longer heard of."""
    prefix = f"sbtest-{uuid.uuid4().hex[:8]}:"
    engine_side, socket_side = (
        RedisBus(redis_url, prefix=prefix),
        RedisBus(redis_url, prefix=prefix),
    )
    await engine_side.start()
    await socket_side.start()
    clock = ManualClock(1000.0)
    try:
        watch = BoardWatch(engine_side, clock)
        assert not watch.watched()
        Hub(socket_side, clock).board_watched()
        for _ in range(200):
            if watch.watched():
                break
            await asyncio.sleep(0.01)
        assert watch.watched()
        clock.advance(WATCH_LEASE + 0.1)
        assert not watch.watched()
    finally:
        await engine_side.stop()
        await socket_side.stop()
