"""CRM endpoints: search, read and create customers (the desktop's customer search)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from cti.auth.deps import PrincipalDep
from cti.crm.responses import CustomerOut
from cti.crm.service import CrmService, NewCustomer
from cti.crm.views import card_view
from cti.openapi import AUTHENTICATED, IdPath, error_responses
from cti.provide import Provided

router = APIRouter(
    prefix="/api/customers", tags=["crm"], responses=error_responses(400, *AUTHENTICATED)
)

crm_service: Provided[CrmService] = Provided("crm")
provide = crm_service.provide
CrmDep = Annotated[CrmService, Depends(crm_service)]


class CustomerBody(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    phones: list[str] = Field(default_factory=list, max_length=10)
    email: str | None = Field(None, max_length=254)
    account_number: str | None = Field(None, max_length=32)  # the column's width
    segment: str | None = Field(None, max_length=32)
    tier: Literal["standard", "gold", "vip"] = "standard"
    customer_since: date | None = None
    consent_marketing_calls: bool = False
    consent_recording: bool = False


@router.get("", response_model=list[CustomerOut])
async def search(
    crm: CrmDep, who: PrincipalDep, q: str = Query(min_length=2, max_length=80)
) -> list[dict[str, Any]]:
    cards = await asyncio.to_thread(crm.search_customers, q)
    return [card_view(c) for c in cards]


@router.get("/{customer_id}", response_model=CustomerOut)
async def read(customer_id: IdPath, crm: CrmDep, who: PrincipalDep) -> dict[str, Any]:
    return card_view(await asyncio.to_thread(crm.get_customer, customer_id))


@router.post("", status_code=201, response_model=CustomerOut)
async def create(body: CustomerBody, crm: CrmDep, who: PrincipalDep) -> dict[str, Any]:
    new = NewCustomer(
        name=body.name,
        phones=tuple(body.phones),
        email=body.email,
        account_number=body.account_number,
        segment=body.segment,
        tier=body.tier,
        customer_since=body.customer_since,
        consent_marketing_calls=body.consent_marketing_calls,
        consent_recording=body.consent_recording,
    )
    return card_view(await asyncio.to_thread(crm.create_customer, new))
