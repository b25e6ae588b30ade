"""FastAPI dependencies: the wired services and the caller's identity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from acd.service import RoutingService
from cti.auth.service import Principal, TokenService
from cti.calls.service import CallCentre
from cti.calls.writer import CallLogWriter
from cti.clock import Clock
from cti.crm.calllog import CallLog
from cti.crm.directory import Directory
from cti.crm.service import CrmService
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
    tokens: TokenService
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


def services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


oauth2 = OAuth2PasswordBearer(tokenUrl="/api/auth/token")


def principal(
    token: Annotated[str, Depends(oauth2)], svc: Annotated[Services, Depends(services)]
) -> Principal:
    return svc.tokens.verify(token)


ServicesDep = Annotated[Services, Depends(services)]
PrincipalDep = Annotated[Principal, Depends(principal)]
