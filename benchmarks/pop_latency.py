"""Ringing → screen-pop on the agent's websocket, p50/p99, with N agents and R calls/s.

Every agent is a real websocket client in this process; the server runs the simulated PBX in
its own process. Each client answers its pop, hangs up after a second and ends its wrap-up,
so agents keep coming free. Latency is the client's receive time minus the server's
``ringing_at`` (both wall clock on this machine).

The peer is the floor under us: a bare Starlette app on the same uvicorn pushing a payload of
the same size at the same rate to the same number of sockets, measured the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import websockets

from benchmarks import servers
from cti.auth.service import TokenService
from cti.clock import LiveClock
from cti.crm.directory import AgentAccount
from cti.roles import Role

SECRET = "bench-secret-bench-secret-bench-secret"


@dataclass(frozen=True, slots=True)
class Latency:
    samples: int
    p50_ms: float
    p99_ms: float


def summarise(samples: list[float]) -> Latency:
    ordered = sorted(samples)
    if not ordered:
        return Latency(0, float("nan"), float("nan"))
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return Latency(len(ordered), statistics.median(ordered) * 1000, p99 * 1000)


WARM_UP_SECONDS = 3.0


async def _agent(
    base: str, token: str, samples: list[float], stop: asyncio.Event, connected: asyncio.Barrier
) -> None:
    url = base.replace("http", "ws") + "/ws/agent"
    protocols = [websockets.Subprotocol("switchboard"), websockets.Subprotocol(f"bearer.{token}")]
    async with websockets.connect(url, subprotocols=protocols, max_size=2**20) as ws:
        await connected.wait()
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
            except TimeoutError:
                continue
            received = time.time()
            msg = orjson.loads(raw)
            await _react(ws, msg, received, samples)


async def _react(
    ws: websockets.ClientConnection, msg: dict, received: float, samples: list[float]
) -> None:  # type: ignore[type-arg]
    kind = msg["type"]
    if kind == "pop":
        samples.append(received - msg["ringing_at"])
        await ws.send(orjson.dumps({"type": "answer", "call_id": msg["call"]["call_id"]}))
    elif kind == "call" and msg["change"] == "answered":
        call_id = msg["call"]["call_id"]
        asyncio.get_running_loop().call_later(
            1.0, lambda: asyncio.ensure_future(_send(ws, {"type": "hangup", "call_id": call_id}))
        )
    elif kind == "state" and msg["agent"]["state"] == "wrap_up":
        await ws.send(orjson.dumps({"type": "set_state", "state": "available"}))


async def _send(ws: websockets.ClientConnection, message: dict) -> None:  # type: ignore[type-arg]
    with contextlib.suppress(websockets.ConnectionClosed):
        await ws.send(orjson.dumps(message))


async def _drive(base: str, tokens: list[str], seconds: float) -> list[float]:
    """Connect every agent, let the centre settle for a warm-up, then measure ``seconds``."""
    warm_up: list[float] = []
    stop = asyncio.Event()
    connected = asyncio.Barrier(len(tokens) + 1)
    tasks = [asyncio.create_task(_agent(base, t, warm_up, stop, connected)) for t in tokens]
    try:
        await asyncio.wait_for(connected.wait(), timeout=60)
    except TimeoutError:
        failed = [t.exception() for t in tasks if t.done() and t.exception()]
        raise RuntimeError(f"agents failed to connect: {failed[:3]}") from None
    await asyncio.sleep(WARM_UP_SECONDS)
    samples = warm_up
    samples.clear()
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return samples


def _tokens(base: str) -> list[str]:
    tokens = TokenService(SECRET, 3600, LiveClock())
    boss = tokens.issue(AgentAccount("super01", "bench", Role.SUPERVISOR, ()))
    agents = httpx.get(f"{base}/api/agents", headers={"Authorization": f"Bearer {boss}"}).json()
    return [tokens.issue(AgentAccount(a["agent_id"], a["name"], Role.AGENT, ())) for a in agents]


def measure_switchboard(agents: int, calls_per_second: float, seconds: float) -> Latency:
    with (
        tempfile.TemporaryDirectory() as tmp,
        servers.switchboard(
            Path(tmp),
            jwt_secret=SECRET,
            demo_agents=str(agents),
            demo_customers="2000",
            demo_calls_per_minute=str(calls_per_second * 60),
            demo_mean_patience_seconds="600",
        ) as base,
    ):
        tokens = _tokens(base)
        return summarise(asyncio.run(_drive(base, tokens, seconds)))


def measure_peer(agents: int, calls_per_second: float, seconds: float) -> Latency:
    port = servers.free_port()
    args = [
        sys.executable,
        "-m",
        "uvicorn",
        "benchmarks.bare_push:app",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    env = {"BARE_RATE": str(calls_per_second)}
    with servers.process(args, env, port, path="/ready") as base:
        tokens = [f"a{i}" for i in range(agents)]
        return summarise(asyncio.run(_drive(base, tokens, seconds)))
