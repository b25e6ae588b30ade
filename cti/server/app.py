"""Wiring: the one place where Switchboard's parts are built and joined."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from fastapi import FastAPI
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import State
from starlette.types import ASGIApp, Receive, Scope, Send

import agent_ui
from acd import api as acd_api
from acd.agents import AgentState
from acd.service import RoutingService
from acd.stats import interval_start
from acd.store import RoutingStore
from cti.asterisk.adapter import build_adapter
from cti.asterisk.agi_server import AgiServer
from cti.asterisk.client import AmiClient
from cti.asterisk.config import AmiConfig
from cti.audit import api as audit_api
from cti.audit import deps as audit_deps
from cti.audit.middleware import AuditMiddleware
from cti.audit.recorders import login_recorder
from cti.audit.service import AuditLog
from cti.auth import api as auth_api
from cti.auth import deps as auth_deps
from cti.auth.login import LoginService
from cti.calls import api as calls_api
from cti.calls import floor_api, pbx_api
from cti.calls.control import CallControl
from cti.calls.floor import Floor
from cti.calls.members import observed_skills
from cti.calls.service import CallCentre
from cti.calls.writer import CallLogWriter
from cti.clock import Clock, LiveClock
from cti.crm import api as crm_api
from cti.crm import records_api
from cti.crm.breaker import CircuitBreaker
from cti.crm.calllog import CallLog
from cti.crm.cards import CallerLookup
from cti.crm.connector import HttpCrm
from cti.crm.crm_maps import load_map
from cti.crm.customer_csv import CustomerCsv
from cti.crm.directory import Directory
from cti.crm.erasure import CustomerData
from cti.crm.outbox import OutboxSender, OutboxStore
from cti.crm.records import CustomerRecords
from cti.crm.service import CrmService
from cti.db import check_database, make_engine, make_session_factory, migrate
from cti.demo import seed
from cti.pbx import dialplan as configured
from cti.server import handlers, health, payloads, sockets, ws
from cti.server.auth_setup import build_auth
from cti.server.bus import Bus, InProcessBus
from cti.server.dialer_wiring import build_dialer, seed_demo_campaign
from cti.server.engine_lock import EngineLock
from cti.server.floor_sync import FloorSync
from cti.server.hub import Hub
from cti.server.ivr_wiring import IVR_ENTRY, agi_server, build_ivr
from cti.server.metrics import Metrics
from cti.server.metrics import router as metrics_router
from cti.server.redis_bus import RedisBus
from cti.server.services import Services
from cti.settings import AsteriskMode, CrmBackend, Settings, TelephonyBackend
from cti.telephony.port import TelephonyPort
from cti.telephony.simulated import SimulatedTelephony, profile_for
from cti.users import api as users_api
from cti.users.service import Users
from dialer import api as dialer_api
from ivr import api as ivr_api
from wfm import api as wfm_api
from wfm.service import WfmService

TelephonyFactory = Callable[[Clock, Hub, list[str], list[str]], TelephonyPort]
log = structlog.get_logger(__name__)


def simulated_factory(settings: Settings) -> TelephonyFactory:
    def build(clock: Clock, hub: Hub, queues: list[str], numbers: list[str]) -> TelephonyPort:
        entries = [*queues, IVR_ENTRY] if settings.demo else queues  # demo callers try the IVR
        profile = profile_for(
            entries,
            settings.demo_calls_per_minute,
            numbers,
            mean_talk=settings.demo_mean_talk_seconds,
            mean_patience=settings.demo_mean_patience_seconds,
        )
        rng = random.Random(settings.demo_seed)
        return SimulatedTelephony(clock, profile, rng=rng, is_attended=hub.is_attended)

    return build


def ami_config(settings: Settings) -> AmiConfig:
    """What ``cti.asterisk`` is told of the settings: it never reads them itself."""
    return AmiConfig(
        host=settings.ami_host,
        port=settings.ami_port,
        user=settings.ami_user,
        secret=settings.ami_secret,
        tls=settings.ami_tls,
        mode=settings.asterisk_mode,
        inbound_contexts=tuple(settings.asterisk_inbound_contexts),
    )


def asterisk_factory(settings: Settings) -> TelephonyFactory:
    config = ami_config(settings)

    def build(clock: Clock, hub: Hub, queues: list[str], numbers: list[str]) -> TelephonyPort:
        dialplan = configured.dialplan(settings)
        return build_adapter(config, AmiClient(config), clock, dialplan=dialplan)

    return build


def default_factory(settings: Settings) -> TelephonyFactory:
    if settings.telephony is TelephonyBackend.SIMULATED:
        return simulated_factory(settings)
    return asterisk_factory(settings)


def routes_calls(settings: Settings) -> bool:
    """Whether Switchboard's ACD picks agents (simulated PBX, or Asterisk in mode b)."""
    return (
        settings.telephony is TelephonyBackend.SIMULATED
        or settings.asterisk_mode is AsteriskMode.ROUTE
    )


async def build_services(settings: Settings, clock: Clock, factory: TelephonyFactory) -> Services:
    engine = make_engine(settings.database_url)
    await asyncio.to_thread(check_database, engine)
    await asyncio.to_thread(migrate, engine)
    sessions = make_session_factory(engine)
    if settings.demo:
        password = settings.demo_password.get_secret_value()
        await asyncio.to_thread(
            seed.seed_demo,
            sessions,
            seed=settings.demo_seed,
            password=password,
            customers=settings.demo_customers,
            agents=settings.demo_agents,
            until=_start_of_day(clock),
            traffic_days=settings.demo_traffic_days,
        )
    crm_link = external_crm(settings, clock)
    directory, crm = Directory(sessions), CrmService(sessions)
    call_log = CallLog(sessions, write_back=clock if crm_link else None)
    store = RoutingStore(sessions)
    queues = await asyncio.to_thread(store.load_queues)
    catalogue = await asyncio.to_thread(store.skills)
    accounts = await asyncio.to_thread(directory.list_agents)
    held = {skill: "" for account in accounts for skill, _ in account.skills}
    skills = {**held, **catalogue}  # a skill an agent holds is known, catalogued or not
    # the simulated callers ring from the customers' numbers, the demo's or those imported
    simulated = settings.telephony is TelephonyBackend.SIMULATED
    numbers = await asyncio.to_thread(seed.demo_caller_numbers, sessions) if simulated else []
    bus: Bus = InProcessBus()
    if settings.redis_url:
        bus = RedisBus(settings.redis_url, prefix=settings.redis_prefix)
        await bus.start()
    hub = Hub(bus, clock)
    port = factory(clock, hub, [q.name for q in queues], numbers)
    writer = CallLogWriter(call_log, settings.call_log_spool)

    async def lookup(number: str | None) -> CallerLookup:
        return await asyncio.to_thread(crm.lookup_caller, number)

    routing = routes_calls(settings)
    enrich = crm_link.lookup if crm_link else None
    centre = CallCentre(
        clock, port, queues, hub, lookup, writer.leg_done, routing=routing, enrich=enrich
    )
    queue_names = [q.name for q in queues]
    for account in accounts:
        if account.role == "agent":
            # observe mode: the PBX's queue members say who is in a queue, not the directory
            own = account.skills if routing else observed_skills(account.skills, queue_names)
            centre.acd.add_agent(account.login, account.display_name, own)
    hub.bind_board(
        lambda: payloads.board(
            centre.acd.snapshots(), centre.acd.agents(), list(centre.alerts.values())
        )
    )
    auth, account_events = build_auth(settings, clock, directory, sessions, bus)
    account_events.on_change(FloorSync(directory, centre, routing).follow)
    account_events.start()
    routing_service = RoutingService(centre.acd, store, skills, centre.carry_out)
    await _resume_interval(routing_service, store, clock)
    ivr, front_door = await build_ivr(settings, clock, sessions, crm, centre, routing_service, port)
    dialer = build_dialer(sessions, clock, centre, port, bus, hub, crm, enrich)
    if dialer is not None and _demo_campaign(settings):
        await seed_demo_campaign(dialer, numbers)
    return Services(
        settings,
        clock,
        auth,
        directory,
        crm,
        call_log,
        writer,
        bus,
        hub,
        port,
        centre,
        routing_service,
        ivr,
        WfmService(call_log, clock, lambda: list(centre.acd.queues.values())),
        AuditLog(sessions, clock),
        CustomerRecords(CustomerCsv(sessions), CustomerData(sessions), clock),
        front_door,
        account_events,
        dialer=dialer,
        database=engine,
        crm_link=crm_link,
        outbox=outbox_sender(settings, clock, sessions, crm_link) if crm_link else None,
    )


def external_crm(settings: Settings, clock: Clock) -> HttpCrm | None:
    """The customer's own CRM over HTTP, when ``SWITCHBOARD_CRM=http``."""
    if settings.crm is not CrmBackend.HTTP or settings.crm_url is None:
        return None
    return HttpCrm(
        settings.crm_url,
        load_map(settings.crm_preset.value, settings.crm_map_file),
        clock,
        token=settings.crm_token,
        api_version=settings.crm_api_version,
        timeout=settings.crm_timeout_seconds,
        retries=settings.crm_retries,
        breaker=CircuitBreaker(
            clock, settings.crm_breaker_failures, settings.crm_breaker_reset_seconds
        ),
        cache_seconds=settings.crm_cache_seconds,
    )


def outbox_sender(settings: Settings, clock: Clock, sessions: Any, link: HttpCrm) -> OutboxSender:
    return OutboxSender(
        OutboxStore(sessions),
        link.write_back,
        clock,
        poll_seconds=settings.crm_outbox_poll_seconds,
        retry_seconds=settings.crm_outbox_retry_seconds,
        max_retry_seconds=settings.crm_outbox_max_retry_seconds,
    )


def _demo_campaign(settings: Settings) -> bool:
    simulated = settings.telephony is TelephonyBackend.SIMULATED
    busy = settings.demo_calls_per_minute > 0
    return settings.demo and settings.demo_campaign and simulated and busy


async def _resume_interval(routing: RoutingService, store: RoutingStore, clock: Clock) -> None:
    """After a restart, carry on counting the current interval from what was stored."""
    start = interval_start(clock.now())
    for queue in routing.acd.queues:
        rows = await asyncio.to_thread(store.intervals, queue, start, start + 1)
        for stored_start, counters in rows:
            routing.acd.stats.intervals[(queue, stored_start)] = counters


async def flush_statistics(svc: Services) -> None:
    """Write the 15-minute interval statistics changed since the last flush."""
    rows = svc.routing.dirty_intervals()
    if rows:
        await svc.writer.submit(lambda: svc.routing.store.save_intervals(rows))


async def _flush_periodically(svc: Services) -> None:
    while True:
        await asyncio.sleep(svc.settings.stats_flush_seconds)
        await flush_statistics(svc)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    telephony: TelephonyFactory | None = None,
    demo_agents_log_in: bool | None = None,
) -> FastAPI:
    settings = settings or Settings()
    clock = clock or LiveClock()
    factory = telephony or default_factory(settings)
    auto_login = settings.demo if demo_agents_log_in is None else demo_agents_log_in

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc = await build_services(settings, clock, factory)
        app.state.services = svc
        provide(app.state, svc)
        svc.writer.start()
        engine = Engine(settings, clock, svc, auto_login)
        app.state.engine = engine
        app.state.metrics = Metrics(svc, lambda: engine.running)
        lock = None
        if settings.redis_url:  # several processes may share this centre: one engine
            lock = EngineLock(
                settings.redis_url,
                f"{settings.redis_prefix}engine",
                ttl=settings.engine_lock_seconds,
            )
            app.state.engine_lock = lock
            await lock.start(engine.start, engine.stop)
            if not lock.held:
                log.info("engine.standby", holder=await lock.holder())
        else:
            await engine.start()
        try:
            yield
        finally:
            await engine.stop()
            if lock is not None:
                await lock.stop()
            await svc.writer.stop()
            if svc.account_events is not None:
                await svc.account_events.stop()
            svc.auth.throttle.close()
            if isinstance(svc.bus, RedisBus):
                await svc.bus.stop()
            if svc.crm_link is not None:
                await svc.crm_link.close()
            if svc.database is not None:
                svc.database.dispose()  # close the pool's connections, not leave them to GC

    app = FastAPI(title="Switchboard", version="0.1.0", lifespan=lifespan)
    app.add_middleware(AuditMiddleware)
    app.add_middleware(StandbyGate)
    handlers.install(app)
    routers = (auth_api.router, acd_api.router, floor_api.router, calls_api.router, crm_api.router)
    for router in (
        *routers,
        records_api.router,
        pbx_api.router,
        users_api.router,
        ivr_api.router,
        wfm_api.router,
        audit_api.router,
        dialer_api.router,
        ws.router,
        health.router,
        metrics_router,
    ):
        app.include_router(router)
    app.add_api_route("/", _home, methods=["GET"], include_in_schema=False)
    app.mount("/ui", StaticFiles(directory=Path(agent_ui.__file__).parent / "static", html=True))
    return app


def provide(state: State, svc: Services) -> None:
    """Hand each feature's router the one service it needs."""
    auth_deps.provide(state, svc.auth)
    auth_api.provide(state, LoginService(svc.auth, svc.directory, login_recorder(svc.audit)))
    audit_deps.provide(state, svc.audit)
    acd_api.provide(state, svc.routing)
    floor_api.provide(state, Floor(svc.centre, svc.routing, svc.directory))
    calls_api.provide(state, CallControl(svc.centre, svc.writer))
    pbx_api.provide(state, pbx_api.Pbx(svc.centre, svc.settings.telephony.value))
    crm_api.provide(state, svc.crm)
    records_api.provide(state, svc.records)
    users_api.provide(state, Users(svc.directory, lambda: svc.routing.skills))
    ivr_api.provide(state, svc.ivr)
    wfm_api.provide(state, svc.wfm)
    if svc.dialer is not None:
        dialer_api.provide(state, svc.dialer)
    sockets.provide(
        state, sockets.Sockets(svc.auth, svc.centre, svc.bus, svc.hub, svc.clock, svc.audit)
    )


def _start_of_day(clock: Clock) -> datetime:
    """The demo's call history runs up to today, so it looks like last week's, not last year's."""
    now = datetime.fromtimestamp(clock.now(), UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


class Engine:
    """What only the active process runs: telephony, the AGI server, the call engine's demo
    log-in and the statistics flush. Started when the process is (or becomes) active."""

    def __init__(self, settings: Settings, clock: Clock, svc: Services, auto_login: bool) -> None:
        self.settings, self.clock, self.svc, self.auto_login = settings, clock, svc, auto_login
        self.running = False
        self._agi: AgiServer | None = None
        self._flusher: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.running:
            return
        svc, settings = self.svc, self.settings
        await svc.routing.refresh()  # a standby taking over: what the active last stored
        if self.auto_login:
            for agent in svc.centre.acd.agents():
                svc.centre.set_agent_state(agent.agent_id, AgentState.AVAILABLE, None)
        if settings.telephony is TelephonyBackend.ASTERISK:
            self._agi = agi_server(settings, svc.ivr, self.clock, svc.centre, svc.crm)
            await self._agi.start()
        await svc.telephony.start()
        if svc.dialer is not None:
            await svc.dialer.start()
        self._flusher = asyncio.create_task(_flush_periodically(svc), name="stats-flush")
        if svc.outbox is not None:
            svc.outbox.start()
        self.running = True
        log.info("engine.started")

    async def stop(self) -> None:
        if not self.running:
            return
        self.running = False
        svc = self.svc
        if self._flusher is not None:
            self._flusher.cancel()
        if svc.outbox is not None:
            await svc.outbox.stop()
        if svc.ivr_front_door is not None:
            await svc.ivr_front_door.stop()
        if svc.dialer is not None:
            await svc.dialer.stop()
        await svc.telephony.stop()
        if self._agi is not None:
            await self._agi.stop()
        await flush_statistics(svc)
        await svc.writer.drain()
        log.info("engine.stopped")


class StandbyGate:
    """On a standby process, the API and the websockets answer 503 ``standby``: the calls,
    agents and queues live in the active process's engine."""

    GATED = ("/api/", "/ws/")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and scope["path"].startswith(self.GATED):
            engine: Engine | None = getattr(scope["app"].state, "engine", None)
            if engine is not None and not engine.running:
                await self._refuse(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
        message = "this Switchboard process is on standby: another one runs the engine"
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1013, "reason": "standby"})
            return
        body = {"error_id": "standby", "message": message, "details": {}}
        await JSONResponse(body, status_code=503)(scope, receive, send)


async def _home() -> RedirectResponse:
    return RedirectResponse("/ui/")
