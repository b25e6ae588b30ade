"""IVR endpoints: the flow schema, flows and their versions, validation, activation, rollback,
and reports. Reading needs a supervisor; changing a flow too."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import BaseModel, Field

from cti.auth.deps import PrincipalDep
from cti.openapi import AUTHENTICATED, MAX_ID, VersionPath, error_responses
from cti.provide import Provided
from cti.roles import Role
from ivr import schema
from ivr.errors import InvalidFlow
from ivr.reports import FlowReport
from ivr.responses import (
    FlowOut,
    FlowSchemaOut,
    FlowSummaryOut,
    ReportOut,
    ValidationOut,
    VersionDefinitionOut,
    VersionOut,
)
from ivr.service import IvrService
from ivr.store import StoredVersion

router = APIRouter(prefix="/api/ivr", tags=["ivr"], responses=error_responses(400, *AUTHENTICATED))
FlowPath = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,63}$")]
MAX_YAML_BYTES = 512 * 1024

ivr_service: Provided[IvrService] = Provided("ivr")
provide = ivr_service.provide
IvrDep = Annotated[IvrService, Depends(ivr_service)]


class ActivateBody(BaseModel):
    version: int = Field(ge=1, le=MAX_ID)


class RollbackBody(BaseModel):
    to_version: int | None = Field(None, ge=1, le=MAX_ID)


@router.get("/schema", response_model=FlowSchemaOut)
async def flow_schema(who: PrincipalDep) -> dict[str, Any]:
    """The flow format as JSON Schema."""
    return schema.json_schema()


@router.get("/flows", response_model=list[FlowSummaryOut])
async def flows(ivr: IvrDep, who: PrincipalDep) -> list[dict[str, Any]]:
    who.require(Role.SUPERVISOR)
    rows = await ivr.flows()
    return [{"name": n, "active_version": a, "latest_version": v} for n, a, v in rows]


@router.get("/flows/{name}", response_model=FlowOut)
async def flow(name: str, ivr: IvrDep, who: PrincipalDep) -> dict[str, Any]:
    who.require(Role.SUPERVISOR)
    versions = await ivr.versions(name)
    active = next((v.version for v in versions if v.active), None)
    return {"name": name, "active_version": active, "versions": [_brief(v) for v in versions]}


@router.get("/flows/{name}/versions/{version}", response_model=VersionDefinitionOut)
async def flow_version(name: str, version: VersionPath, ivr: IvrDep, who: PrincipalDep) -> Any:
    who.require(Role.SUPERVISOR)
    stored = await ivr.version(name, version)
    return {**_brief(stored), "definition": stored.definition}


@router.post("/validate", response_model=ValidationOut)
async def validate(
    ivr: IvrDep, who: PrincipalDep, definition: Annotated[Any, Body()]
) -> dict[str, Any]:
    who.require(Role.SUPERVISOR)
    _, problems = ivr.check(definition)
    return {"valid": not problems, "errors": problems}


@router.post("/flows/{name}/versions", status_code=201, response_model=VersionOut)
async def add_version(
    name: FlowPath, ivr: IvrDep, who: PrincipalDep, definition: Annotated[Any, Body()]
) -> dict[str, Any]:
    """Store a new version (kept even if invalid, with its errors; it cannot be activated)."""
    who.require(Role.SUPERVISOR)
    return _brief(await ivr.add_version(definition, by=who.login, name=name))


@router.post(
    "/flows/{name}/upload",
    status_code=201,
    response_model=VersionOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/yaml": {"schema": {"type": "string"}}},
        }
    },
)
async def upload(name: FlowPath, request: Request, ivr: IvrDep, who: PrincipalDep) -> Any:
    """A new version from a YAML (or JSON) file as the admin page uploads it; kept with its
    errors like any other version, refused (422, each ``path: message``) if it does not parse."""
    who.require(Role.SUPERVISOR)
    text = await _text(request)
    return _brief(await ivr.add_version(schema.load_text(text), by=who.login, name=name))


async def _text(request: Request) -> str:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_YAML_BYTES:
            raise InvalidFlow([f"(file): larger than {MAX_YAML_BYTES // 1024} KiB"])
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidFlow([f"(file): not UTF-8 (byte {exc.start})"]) from None


@router.post("/flows/{name}/activate", response_model=VersionOut)
async def activate(name: str, body: ActivateBody, ivr: IvrDep, who: PrincipalDep) -> dict[str, Any]:
    who.require(Role.SUPERVISOR)
    return _brief(await ivr.activate(name, body.version))


@router.post("/flows/{name}/rollback", response_model=VersionOut)
async def rollback(name: str, body: RollbackBody, ivr: IvrDep, who: PrincipalDep) -> dict[str, Any]:
    who.require(Role.SUPERVISOR)
    return _brief(await ivr.rollback(name, body.to_version))


@router.get("/reports", response_model=list[ReportOut])
async def ivr_reports(
    ivr: IvrDep, who: PrincipalDep, hours: Annotated[float, Query(gt=0, le=24 * 90)] = 24
) -> list[dict[str, Any]]:
    who.require(Role.SUPERVISOR)
    return [_report(r) for r in await ivr.report(hours)]


def _brief(v: StoredVersion) -> dict[str, Any]:
    return {
        "name": v.name,
        "version": v.version,
        "valid": v.valid,
        "errors": list(v.errors),
        "active": v.active,
        "created_at": v.created_at.isoformat(),
        "created_by": v.created_by,
        "activated_at": v.activated_at.isoformat() if v.activated_at else None,
    }


def _report(r: FlowReport) -> dict[str, Any]:
    return {
        "flow": r.flow,
        "calls": r.calls,
        "outcomes": r.outcomes,
        "containment": round(r.containment, 4),
        "abandoned": round(r.abandoned, 4),
        "seconds_in_ivr": {
            "mean": round(r.mean_seconds, 1),
            "median": round(r.median_seconds, 1),
            "p90": round(r.p90_seconds, 1),
        },
        "drop_off": [
            {"node": d.node, "reached": d.reached, "hung_up": d.hung_up, "rate": round(d.rate, 4)}
            for d in r.drop_off
        ],
    }
