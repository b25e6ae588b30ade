"""The audit log as the wiring hands it over: to the audit API, and to the middleware that
records every supervisor and admin action."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from cti.audit.service import AuditLog
from cti.provide import Provided

audit_log: Provided[AuditLog] = Provided("audit")
provide = audit_log.provide
AuditDep = Annotated[AuditLog, Depends(audit_log)]
