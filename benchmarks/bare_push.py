"""The peer for the pop benchmark: the same uvicorn + Starlette stack pushing a pop-sized
message round-robin to every connected socket at ``BARE_RATE`` messages per second, with no
ACD, no engine, no CRM. What Switchboard adds is the difference."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time

import orjson
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

RATE = float(os.environ.get("BARE_RATE", "20"))
PADDING = "x" * 2500  # about the size of a pop with a customer card and five interactions
sockets: list[WebSocket] = []


async def ready(request: object) -> PlainTextResponse:
    return PlainTextResponse("ok")


async def agent(ws: WebSocket) -> None:
    await ws.accept(subprotocol="switchboard")  # as Switchboard answers the bearer offer
    sockets.append(ws)
    try:
        while (await ws.receive())["type"] != "websocket.disconnect":
            pass
    finally:
        sockets.remove(ws)


async def pusher() -> None:
    n = 0
    while True:
        await asyncio.sleep(1.0 / RATE)
        if sockets:
            ws = sockets[n % len(sockets)]
            n += 1
            body = {
                "type": "pop",
                "ringing_at": time.time(),
                "call": {"call_id": f"b{n}"},
                "pad": PADDING,
            }
            with contextlib.suppress(Exception):  # a client that left is not our concern
                await ws.send_text(orjson.dumps(body).decode())


async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
    task = asyncio.create_task(pusher())
    yield
    task.cancel()


app = Starlette(
    routes=[Route("/ready", ready), WebSocketRoute("/ws/agent", agent)], lifespan=lifespan
)
