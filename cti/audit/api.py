"""``GET /api/audit``: the audit log for admins, newest first, filtered and paged."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from cti.audit.deps import AuditDep
from cti.audit.responses import AuditPageOut
from cti.audit.service import MAX_PAGE, AuditQuery
from cti.auth.deps import PrincipalDep
from cti.openapi import AUTHENTICATED, MAX_ID, error_responses
from cti.roles import Role

router = APIRouter(prefix="/api", tags=["audit"], responses=error_responses(*AUTHENTICATED))


@router.get("/audit", response_model=AuditPageOut)
async def audit(
    service: AuditDep,
    who: PrincipalDep,
    user: Annotated[str | None, Query(max_length=120, description="the actor's login")] = None,
    action: Annotated[
        str | None, Query(max_length=200, description="part of the action, any case")
    ] = None,
    since: Annotated[datetime | None, Query(description="ISO 8601, with its offset")] = None,
    until: Annotated[datetime | None, Query(description="ISO 8601, with its offset")] = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> dict[str, Any]:
    who.require(Role.ADMIN)
    query = AuditQuery(user, action, since, until, before, limit)
    page = await asyncio.to_thread(service.search, query)
    entries = [{**asdict(e), "outcome": e.outcome} for e in page.entries]
    return {"entries": entries, "next_before": page.next_before}
