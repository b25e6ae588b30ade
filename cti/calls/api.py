"""Call control endpoints: answer, hold, transfer, hang up, click-to-dial and wrap-up."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from cti.auth.deps import PrincipalDep
from cti.calls import control
from cti.calls.control import CallControl
from cti.calls.policy import Action, authorise_call
from cti.calls.responses import CallOut
from cti.calls.views import call_view
from cti.openapi import AUTHENTICATED, IdField, error_responses
from cti.provide import Provided
from cti.roles import Role
from cti.telephony import commands as cmd

router = APIRouter(
    prefix="/api/calls", tags=["calls"], responses=error_responses(400, *AUTHENTICATED, 501, 502)
)

call_control: Provided[CallControl] = Provided("calls.control")
provide = call_control.provide
ControlDep = Annotated[CallControl, Depends(call_control)]


class HoldBody(BaseModel):
    on_hold: bool


class TransferBody(BaseModel):
    target: str = Field(min_length=1, max_length=80)
    target_kind: Literal["queue", "agent", "number"]


class OriginateBody(BaseModel):
    number: str = Field(min_length=2, max_length=32, pattern=r"^\+?[0-9 ()\-]+$")
    customer_id: IdField | None = None


class WrapUpBody(BaseModel):
    disposition: str = Field(min_length=1, max_length=64)
    notes: str = Field("", max_length=4000)
    follow_up: str | None = Field(None, max_length=500)


@router.get("", response_model=list[CallOut])
async def active_calls(svc: ControlDep, who: PrincipalDep) -> list[dict[str, Any]]:
    mine_only = not who.at_least(Role.SUPERVISOR)
    calls = [c for c in svc.centre.calls.values() if not mine_only or c.agent_id == who.login]
    return [call_view(c) for c in calls]


@router.post("/{call_id}/answer")
async def answer(call_id: str, svc: ControlDep, who: PrincipalDep) -> dict[str, str]:
    authorise_call(svc.centre, who, Action.ANSWER, call_id)
    await svc.centre.port.execute(cmd.Answer(call_id, who.login))
    return {"status": "answered"}


@router.post("/{call_id}/hold")
async def hold(call_id: str, body: HoldBody, svc: ControlDep, who: PrincipalDep) -> dict[str, str]:
    authorise_call(svc.centre, who, Action.HOLD, call_id)
    await svc.centre.port.execute(cmd.Hold(call_id, body.on_hold))
    return {"status": "held" if body.on_hold else "resumed"}


@router.post("/{call_id}/transfer")
async def transfer(
    call_id: str, body: TransferBody, svc: ControlDep, who: PrincipalDep
) -> dict[str, str]:
    authorise_call(svc.centre, who, Action.TRANSFER, call_id)
    control.check_transfer_target(svc.centre, body.target, body.target_kind)
    await svc.centre.port.execute(cmd.Transfer(call_id, body.target, body.target_kind))
    return {"status": "transferred"}


class ConsultBody(BaseModel):
    target: str = Field(min_length=1, max_length=80)
    target_kind: Literal["agent", "number"]


@router.post("/{call_id}/consult")
async def consult(
    call_id: str, body: ConsultBody, svc: ControlDep, who: PrincipalDep
) -> dict[str, str]:
    authorise_call(svc.centre, who, Action.CONSULT, call_id)
    control.check_transfer_target(svc.centre, body.target, body.target_kind)
    await svc.centre.port.execute(cmd.Consult(call_id, who.login, body.target, body.target_kind))
    return {"status": "consulting", "target": body.target}


@router.post("/{call_id}/consult/{outcome}")
async def end_consult(
    call_id: str, outcome: Literal["complete", "cancel"], svc: ControlDep, who: PrincipalDep
) -> dict[str, str]:
    authorise_call(svc.centre, who, Action.END_CONSULT, call_id)
    await svc.centre.port.execute(cmd.EndConsult(call_id, complete=outcome == "complete"))
    return {"status": "transferred" if outcome == "complete" else "resumed"}


@router.post("/{call_id}/hangup")
async def hangup(call_id: str, svc: ControlDep, who: PrincipalDep) -> dict[str, str]:
    authorise_call(svc.centre, who, Action.HANGUP, call_id)
    await svc.centre.port.execute(cmd.Hangup(call_id))
    return {"status": "hung-up"}


@router.post("/originate")
async def originate(body: OriginateBody, svc: ControlDep, who: PrincipalDep) -> dict[str, str]:
    call_id = await control.originate(svc.centre, who.login, body.number, body.customer_id)
    return {"call_id": call_id}


@router.post("/{call_id}/wrapup")
async def wrap_up(
    call_id: str, body: WrapUpBody, svc: ControlDep, who: PrincipalDep
) -> dict[str, int]:
    interaction = await control.wrap_up(
        svc.centre,
        svc.writer,
        who.login,
        call_id,
        body.disposition,
        body.notes,
        body.follow_up,
    )
    return {"interaction_id": interaction}
