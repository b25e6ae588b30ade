"""FastAPI dependencies: the wired services and the caller's identity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import Engine

from acd.service import RoutingService
from cti.auth.service import Principal
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
    ivr_front_door: SimIvr | None = None  # the IVR on the simulated PBX
    account_events: AccountEvents | None = None  # tells every process of account changes
    database: Engine | None = None  # for /readyz's probe; the services hold their sessions


def services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


oauth2 = OAuth2PasswordBearer(tokenUrl="/api/auth/token")


async def principal(
    token: Annotated[str, Depends(oauth2)], svc: Annotated[Services, Depends(services)]
) -> Principal:
    """The caller as their account is now (exists, enabled, same token version, its role)."""
    return await svc.auth.principal(token)


ServicesDep = Annotated[Services, Depends(services)]
PrincipalDep = Annotated[Principal, Depends(principal)]
