"""What the application built, kept for its own parts: the engine, the health checks and
the websockets. The feature routers never see this: each gets its one service through its
own dependency (``cti.provide``), handed over in ``cti.server.app``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from acd.service import RoutingService
from cti.audit.service import AuditLog
from cti.auth.sessions import AuthService
from cti.calls.service import CallCentre
from cti.calls.writer import CallLogWriter
from cti.clock import Clock
from cti.crm.calllog import CallLog
from cti.crm.directory import Directory
from cti.crm.service import CrmService
from cti.server.account_events import AccountEvents
from cti.server.bus import Bus
from cti.server.hub import Hub
from cti.settings import Settings
from cti.telephony.port import TelephonyPort
from ivr.service import IvrService
from ivr.sim_runtime import SimIvr
from wfm.service import WfmService


@dataclass(slots=True)
class Services:
    settings: Settings
    clock: Clock
    auth: AuthService
    directory: Directory
    crm: CrmService
    call_log: CallLog
    writer: CallLogWriter
    bus: Bus
    hub: Hub
    telephony: TelephonyPort
    centre: CallCentre
    routing: RoutingService
    ivr: IvrService
    wfm: WfmService
    audit: AuditLog
    ivr_front_door: SimIvr | None = None  # the IVR on the simulated PBX
    account_events: AccountEvents | None = None  # tells every process of account changes
    database: Engine | None = None  # for /readyz's probe; the services hold their sessions
