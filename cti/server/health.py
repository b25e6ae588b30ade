"""``/healthz`` (liveness, and which process runs the engine) and ``/readyz`` (readiness).

``/healthz`` never touches the database: a process that answers is alive, whatever its
dependencies are doing. ``/readyz`` asks each dependency and answers 200 only when every one
is up: the database (a trivial query), the PBX link, Redis (when configured) and the engine
role (a standby process is alive but not ready: the active one serves the users).
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal, Protocol

import redis
import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from cti.db import OUTAGES, DatabaseUnavailable, check_database, outage_reason
from cti.server.engine_lock import EngineLock
from cti.server.redis_bus import RedisBus
from cti.server.services import Services

log = structlog.get_logger(__name__)
router = APIRouter(tags=["health"])

#: A dependency that does not answer within this many seconds counts as down.
PROBE_TIMEOUT_SECONDS = 3.0


class RunsEngine(Protocol):
    running: bool


class Component(BaseModel):
    status: Literal["up", "down"]
    detail: str


class Health(BaseModel):
    status: Literal["ok"]
    telephony: str
    pbx_connected: bool
    active_calls: int


class Readiness(BaseModel):
    status: Literal["ready", "not-ready"]
    components: dict[str, Component]


_NOT_READY: dict[int | str, dict[str, Any]] = {
    503: {"model": Readiness, "description": "A dependency is down, or standby"}
}


@router.get(
    "/healthz",
    response_model=Health,
    responses={503: {"description": "This process is on standby"}},
)
async def healthz(request: Request) -> JSONResponse:
    """200 on the process running the engine; 503 on a standby (for load balancers)."""
    svc: Services = request.app.state.services
    engine: RunsEngine = request.app.state.engine
    if not engine.running:
        holder = await _holder(request)
        return JSONResponse({"status": "standby", "engine": holder}, status_code=503)
    return JSONResponse(
        {
            "status": "ok",
            "telephony": svc.settings.telephony.value,
            "pbx_connected": svc.telephony.connected,
            "active_calls": len(svc.centre.calls),
        }
    )


@router.get("/readyz", response_model=Readiness, responses=_NOT_READY)
async def readyz(request: Request) -> JSONResponse:
    """200 when the database, the PBX link, Redis (if configured) and the engine are up."""
    svc: Services = request.app.state.services
    components = {
        "database": await _database(svc),
        "pbx": _pbx(svc),
        **({"redis": await _redis(svc)} if isinstance(svc.bus, RedisBus) else {}),
        "engine": await _engine(request),
    }
    ready = all(c.status == "up" for c in components.values())
    body = Readiness(status="ready" if ready else "not-ready", components=components)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


async def _database(svc: Services) -> Component:
    if svc.database is None:
        return Component(status="down", detail="no database engine is wired")
    try:
        await asyncio.wait_for(
            asyncio.to_thread(check_database, svc.database), PROBE_TIMEOUT_SECONDS
        )
    except DatabaseUnavailable as exc:
        return Component(status="down", detail=str(exc.details.get("reason", exc.message)))
    except OUTAGES as exc:  # the pool's own timeout, say
        return Component(status="down", detail=outage_reason(exc))
    except TimeoutError:
        return Component(status="down", detail=f"no answer in {PROBE_TIMEOUT_SECONDS:g} s")
    return Component(status="up", detail=svc.database.dialect.name)


def _pbx(svc: Services) -> Component:
    telephony = svc.settings.telephony.value
    if svc.telephony.connected:
        return Component(status="up", detail=f"{telephony}: connected")
    return Component(status="down", detail=f"{telephony}: not connected")


async def _redis(svc: Services) -> Component:
    assert isinstance(svc.bus, RedisBus)
    try:
        await asyncio.wait_for(svc.bus.ping(), PROBE_TIMEOUT_SECONDS)
    except (redis.RedisError, OSError) as exc:
        return Component(status="down", detail=" ".join(str(exc).split())[:200])
    except TimeoutError:
        return Component(status="down", detail=f"no answer in {PROBE_TIMEOUT_SECONDS:g} s")
    return Component(status="up", detail="answers PING")


async def _engine(request: Request) -> Component:
    engine: RunsEngine = request.app.state.engine
    if engine.running:
        return Component(status="up", detail="active")
    holder = await _holder(request)
    return Component(status="down", detail=f"standby (engine held by {holder or 'nobody'})")


async def _holder(request: Request) -> str | None:
    lock: EngineLock | None = getattr(request.app.state, "engine_lock", None)
    return await lock.holder() if lock is not None else None
