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
from cti.crm.connector import HttpCrm
from cti.crm.directory import Directory
from cti.crm.outbox import OutboxSender
from cti.crm.records import CustomerRecords
from cti.crm.service import CrmService
from cti.server.account_events import AccountEvents
from cti.server.bus import Bus
from cti.server.hub import Hub
from cti.settings import Settings
from cti.telephony.port import TelephonyPort
from dialer.engine import DialerEngine
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
    records: CustomerRecords
    ivr_front_door: SimIvr | None = None  # the IVR on the simulated PBX
    account_events: AccountEvents | None = None  # tells every process of account changes
    dialer: DialerEngine | None = None  # None when the PBX adapter cannot dial campaigns
    database: Engine | None = None  # for /readyz's probe; the services hold their sessions
    crm_link: HttpCrm | None = None  # the external CRM (SWITCHBOARD_CRM=http)
    outbox: OutboxSender | None = None  # its write-backs, sent by the active process
