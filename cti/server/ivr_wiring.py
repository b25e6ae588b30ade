"""How the server builds the IVR (called from ``cti.server.app``): the service with its
shipped flows, the simulated PBX's front door, and the FastAGI server for Asterisk."""

from __future__ import annotations

import asyncio
import random

from sqlalchemy.orm import Session, sessionmaker

from acd.service import RoutingService
from cti.asterisk.agi_server import AgiServer
from cti.calls.service import CallCentre
from cti.clock import Clock
from cti.crm.service import CrmService
from cti.settings import AsteriskMode, Settings
from cti.telephony.port import TelephonyPort
from cti.telephony.simulated import SimulatedTelephony
from ivr.agi_runtime import AgiRuntime, callback_when_queued
from ivr.lookups import crm_lookups
from ivr.service import IvrService
from ivr.sim_runtime import RandomCaller, SimIvr
from ivr.store import FlowStore
from ivr.webhook import HostAllowList, Webhooks

#: The entry the demo's simulated callers dial to reach the shipped ``main-menu`` flow.
IVR_ENTRY = "ivr"


async def build_ivr(
    settings: Settings,
    clock: Clock,
    sessions: sessionmaker[Session],
    crm: CrmService,
    centre: CallCentre,
    routing: RoutingService,
    port: TelephonyPort,
) -> tuple[IvrService, SimIvr | None]:
    def catalogue() -> tuple[set[str], set[str]]:
        return set(centre.acd.queues), set(routing.skills)

    hosts = HostAllowList(settings.ivr_webhook_hosts)
    service = IvrService(FlowStore(sessions), clock, catalogue, webhook_hosts=hosts)
    await service.load()
    await service.install_shipped()
    if not isinstance(port, SimulatedTelephony):
        return service, None
    accounts = await asyncio.to_thread(crm.account_numbers)
    front_door = SimIvr(
        port,
        service,
        clock,
        crm_lookups(crm),
        Webhooks(hosts),
        centre.request_callback,
        RandomCaller(random.Random(settings.demo_seed), accounts),
    )
    port.set_front_door(front_door)
    return service, front_door


def agi_server(settings: Settings, service: IvrService, clock: Clock, centre: CallCentre,
               crm: CrmService) -> AgiServer:  # fmt: skip
    server = AgiServer(host=settings.agi_host, port=settings.agi_port)
    runtime = AgiRuntime(
        service,
        clock,
        crm_lookups(crm),
        Webhooks(HostAllowList(settings.ivr_webhook_hosts)),
        route_mode=settings.asterisk_mode is AsteriskMode.ROUTE,
        hold_context=settings.asterisk_hold_context,
        tts_application=settings.ivr_tts_application,
        request_callback=callback_when_queued(centre, clock),
    )
    runtime.install(server)
    return server
