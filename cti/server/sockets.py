"""What the websockets act on, handed to them by the wiring like any router's service."""

from __future__ import annotations

from dataclasses import dataclass

from cti.audit.service import AuditLog
from cti.auth.sessions import AuthService
from cti.calls.service import CallCentre
from cti.clock import Clock
from cti.provide import Provided
from cti.server.bus import Bus
from cti.server.hub import Hub
from cti.telephony.port import TelephonyPort


@dataclass(frozen=True, slots=True)
class Sockets:
    auth: AuthService
    centre: CallCentre
    bus: Bus
    hub: Hub
    clock: Clock
    audit: AuditLog  # a supervisor's or admin's actions over the socket are recorded

    @property
    def telephony(self) -> TelephonyPort:
        return self.centre.port


sockets: Provided[Sockets] = Provided("server.sockets")
provide = sockets.provide
