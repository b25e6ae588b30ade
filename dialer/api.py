"""Dialer endpoints: campaigns and their controls and status, lead lists, the DNC lists, the
compliance record as CSV, preview dialling and the agent's disposition. Campaigns, leads and
DNC need a supervisor; preview and disposition are an agent's own."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from starlette.requests import HTTPConnection

from cti.auth.deps import PrincipalDep
from cti.openapi import AUTHENTICATED, MAX_ID, IdPath, error_responses
from cti.provide import Provided
from cti.roles import Role
from dialer.campaign import NAME, CampaignSpec, e164
from dialer.engine import DialerEngine, Disposition
from dialer.errors import DialerUnavailable, InvalidCampaign
from dialer.leads import DncReport, UploadReport
from dialer.models import DialerLead, DncSource
from dialer.responses import (
    CampaignOut,
    DispositionOut,
    DncImportOut,
    DncOut,
    LeadOut,
    PreviewCampaignOut,
    PreviewOut,
    RemovedOut,
    StatusOut,
    UploadOut,
)
from dialer.service import Campaign

router = APIRouter(
    prefix="/api/dialer", tags=["dialer"], responses=error_responses(400, *AUTHENTICATED)
)
CampaignPath = Annotated[str, Field(pattern=NAME)]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
REFUSALS_SHOWN = 10_000

dialer_engine: Provided[DialerEngine] = Provided("dialer")
provide = dialer_engine.provide


def _dialer(connection: HTTPConnection) -> DialerEngine:
    engine = dialer_engine.find(connection)
    if engine is None:
        raise DialerUnavailable(
            "no dialer runs here: on Asterisk, campaigns need Switchboard's ACD to pick the "
            "agents (SWITCHBOARD_ASTERISK_MODE=route)"
        )
    return engine


DialerDep = Annotated[DialerEngine, Depends(_dialer)]


class NewCampaign(BaseModel):
    name: str = Field(pattern=NAME)
    spec: CampaignSpec


class PreviewChoice(BaseModel):
    dial: bool


class DispositionBody(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    final: bool = True
    callback_at: float | None = Field(None, ge=0.0, le=1e11)  # epoch seconds
    callback_mine: bool = False


class DncBody(BaseModel):
    phone: str = Field(min_length=3, max_length=32)
    reason: str = Field("", max_length=200)
    region: str = Field("US", pattern=r"^[A-Z]{2}$")


def _out(c: Campaign) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "state": c.state.value,
        "spec": c.spec,
        "safe_harbour_text": c.spec.safe_harbour.text(),
        "started_at": c.started_at,
    }


@router.get("/campaigns", response_model=list[CampaignOut])
async def campaigns(dialer: DialerDep, who: PrincipalDep) -> list[dict[str, Any]]:
    who.require(Role.SUPERVISOR)
    return [_out(c) for c in await asyncio.to_thread(dialer.service.campaigns)]


@router.post("/campaigns", response_model=CampaignOut, status_code=201)
async def create(body: NewCampaign, dialer: DialerDep, who: PrincipalDep) -> dict[str, Any]:
    who.require(Role.SUPERVISOR)
    raw = body.spec.model_dump(mode="json")
    return _out(await asyncio.to_thread(dialer.service.create, body.name, raw))


@router.get("/campaigns/{name}", response_model=CampaignOut)
async def campaign(name: CampaignPath, dialer: DialerDep, who: PrincipalDep) -> dict[str, Any]:
    who.require(Role.SUPERVISOR)
    return _out(await asyncio.to_thread(dialer.service.get, name))


@router.put("/campaigns/{name}", response_model=CampaignOut)
async def edit(
    name: CampaignPath, spec: CampaignSpec, dialer: DialerDep, who: PrincipalDep
) -> dict[str, Any]:
    """Validated like a new campaign; a running campaign uses it from its next decision."""
    who.require(Role.SUPERVISOR)
    return _out(await asyncio.to_thread(dialer.service.edit, name, spec.model_dump(mode="json")))


@router.post("/campaigns/{name}/start", response_model=CampaignOut)
async def start(name: CampaignPath, dialer: DialerDep, who: PrincipalDep) -> dict[str, Any]:
    who.require(Role.SUPERVISOR)
    return _out(await asyncio.to_thread(dialer.service.control, name, "start"))


@router.post("/campaigns/{name}/pause", response_model=CampaignOut)
async def pause(name: CampaignPath, dialer: DialerDep, who: PrincipalDep) -> dict[str, Any]:
    """No new dials; calls in flight go on to their end."""
    who.require(Role.SUPERVISOR)
    return _out(await asyncio.to_thread(dialer.service.control, name, "pause"))


@router.post("/campaigns/{name}/stop", response_model=CampaignOut)
async def stop(name: CampaignPath, dialer: DialerDep, who: PrincipalDep) -> dict[str, Any]:
    """No new dials, and the agents' persistent legs are let go once their calls end."""
    who.require(Role.SUPERVISOR)
    return _out(await asyncio.to_thread(dialer.service.control, name, "stop"))


@router.get("/campaigns/{name}/status", response_model=StatusOut)
async def status(name: CampaignPath, dialer: DialerDep, who: PrincipalDep) -> dict[str, Any]:
    """Whether the campaign dials now and, if not, why (no agents, outside the window, ...)."""
    who.require(Role.SUPERVISOR)
    return await dialer.status_view(await asyncio.to_thread(dialer.service.get, name))


def _report(report: UploadReport | DncReport) -> dict[str, Any]:
    shown = [
        {"row": r.row, "field": r.field, "reason": r.reason, "detail": r.detail}
        for r in report.refused[:REFUSALS_SHOWN]
    ]
    done = report.loaded if isinstance(report, UploadReport) else report.added
    key = "loaded" if isinstance(report, UploadReport) else "added"
    return {
        "file": report.file,
        "rows": report.rows,
        key: done,
        "refused_count": len(report.refused),
        "refused": shown,
    }


@router.post("/campaigns/{name}/leads", response_model=UploadOut)
async def upload(
    name: CampaignPath, dialer: DialerDep, who: PrincipalDep, file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    """A CSV of leads: every refused row is named (row, field, reason); the rest load."""
    who.require(Role.SUPERVISOR)
    report = await asyncio.to_thread(
        dialer.service.upload, name, file.file, file.filename or "upload.csv"
    )
    return _report(report)


def _lead(row: DialerLead) -> dict[str, Any]:
    return {
        "id": row.id,
        "phone": row.phone,
        "name": row.name,
        "account": row.account,
        "fields": row.fields,
        "zones": [z for z in row.zones.split(";") if z],
        "status": row.status,
        "attempts": row.attempts,
        "next_at": row.next_at,
        "callback_agent": row.callback_agent,
        "disposition": row.disposition,
    }


@router.get("/campaigns/{name}/leads", response_model=list[LeadOut])
async def leads(
    name: CampaignPath, dialer: DialerDep, who: PrincipalDep, limit: Limit = 100, offset: Offset = 0
) -> list[dict[str, Any]]:
    who.require(Role.SUPERVISOR)
    return [_lead(r) for r in await asyncio.to_thread(dialer.service.leads, name, limit, offset)]


ATTEMPT_COLUMNS = (
    "id",
    "phone",
    "lead_id",
    "dialled_at",
    "ringing_at",
    "answered_at",
    "connected_at",
    "ended_at",
    "ring_seconds",
    "outcome",
    "amd_verdict",
    "agent_id",
    "seconds_to_agent",
    "cause",
    "disposition",
)


@router.get(
    "/campaigns/{name}/attempts.csv",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"}
    },
)
async def attempts_csv(
    name: CampaignPath, dialer: DialerDep, who: PrincipalDep
) -> StreamingResponse:
    """The compliance record: every attempt, as CSV, oldest first."""
    who.require(Role.SUPERVISOR)
    c = await asyncio.to_thread(dialer.service.get, name)

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(ATTEMPT_COLUMNS)
        for row in dialer.service.attempts(c.id):
            values = [getattr(row, col) for col in ATTEMPT_COLUMNS]
            writer.writerow(
                [
                    "" if v is None else (v.isoformat() if hasattr(v, "isoformat") else v)
                    for v in values
                ]
            )
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    headers = {"Content-Disposition": f'attachment; filename="{c.name}-attempts.csv"'}
    return StreamingResponse(lines(), media_type="text/csv", headers=headers)


@router.get("/preview", response_model=list[PreviewCampaignOut])
async def preview_campaigns(dialer: DialerDep, who: PrincipalDep) -> list[dict[str, Any]]:
    """The running preview campaigns of the queues this agent is signed in to."""
    who.require(Role.AGENT)
    return [
        {"name": c.name, "queue": c.spec.queue, "script": c.spec.script}
        for c in await dialer.preview_campaigns(who.login)
    ]


@router.post("/campaigns/{name}/preview", response_model=LeadOut | None)
async def preview_next(
    name: CampaignPath, dialer: DialerDep, who: PrincipalDep
) -> dict[str, Any] | None:
    """The next lead for this agent to dial or skip (the same one until they choose)."""
    who.require(Role.AGENT)
    c = await asyncio.to_thread(dialer.service.get, name)
    lead = await dialer.preview_next(c, who.login)
    return _lead(lead) if lead is not None else None


@router.post("/campaigns/{name}/preview/{lead_id}", response_model=PreviewOut)
async def preview_choose(
    name: CampaignPath, lead_id: IdPath, body: PreviewChoice, dialer: DialerDep, who: PrincipalDep
) -> dict[str, Any]:
    who.require(Role.AGENT)
    c = await asyncio.to_thread(dialer.service.get, name)
    attempt = await dialer.preview_choose(c, who.login, lead_id, body.dial)
    return {"lead": lead_id, "dialled": attempt is not None, "attempt_id": attempt}


@router.post("/attempts/{attempt_id}/disposition", response_model=DispositionOut)
async def dispose(
    attempt_id: Annotated[str, Field(max_length=64)],
    body: DispositionBody,
    dialer: DialerDep,
    who: PrincipalDep,
) -> dict[str, Any]:
    """The agent's wrap-up of an outbound call: the lead's status, a retry or a callback."""
    who.require(Role.AGENT)
    agent = None if who.at_least(Role.SUPERVISOR) else who.login
    disposition = Disposition(body.code, body.final, body.callback_at, body.callback_mine)
    result = await dialer.dispose(attempt_id, agent, disposition)
    return {**result, "disposition": body.code}


@router.get("/dnc", response_model=list[DncOut])
async def dnc(
    dialer: DialerDep,
    who: PrincipalDep,
    source: DncSource | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[Any]:
    who.require(Role.SUPERVISOR)
    return await asyncio.to_thread(dialer.service.dnc_list, source, limit, offset)


@router.post("/dnc", response_model=DncOut, status_code=201)
async def dnc_add(body: DncBody, dialer: DialerDep, who: PrincipalDep) -> Any:
    """Add a number to the internal list: it is never dialled from now on, by any campaign."""
    who.require(Role.SUPERVISOR)
    try:
        phone = e164(body.phone, body.region, "phone")
    except ValueError as exc:
        raise InvalidCampaign(str(exc), details={"errors": [str(exc)]}) from None
    await asyncio.to_thread(dialer.service.dnc_add, [phone], DncSource.INTERNAL, body.reason)
    rows = await asyncio.to_thread(dialer.service.dnc_list, DncSource.INTERNAL, 1, 0, phone)
    return rows[0]


@router.delete("/dnc/{phone}", response_model=RemovedOut)
async def dnc_remove(
    phone: Annotated[str, Field(max_length=32)],
    dialer: DialerDep,
    who: PrincipalDep,
    source: DncSource = DncSource.INTERNAL,
) -> dict[str, bool]:
    who.require(Role.SUPERVISOR)
    return {"removed": await asyncio.to_thread(dialer.service.dnc_remove, phone, source)}


@router.post("/dnc/import", response_model=DncImportOut)
async def dnc_import(
    dialer: DialerDep,
    who: PrincipalDep,
    file: Annotated[UploadFile, File()],
    source: DncSource = DncSource.INTERNAL,
    region: Annotated[str, Query(pattern=r"^[A-Z]{2}$")] = "US",
) -> dict[str, Any]:
    """A CSV of numbers (internal, or a national registry's extract) with a phone column."""
    who.require(Role.SUPERVISOR)
    report = await asyncio.to_thread(
        dialer.service.dnc_import, file.file, file.filename or "dnc.csv", source, region
    )
    return _report(report)
