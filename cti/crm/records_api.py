"""Customer records for administrators: CSV import and export (``cti.crm.customer_csv``'s
format), and a customer's own data, exported or erased (``cti.crm.erasure``)."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, UploadFile
from fastapi.responses import StreamingResponse
from starlette.concurrency import iterate_in_threadpool

from cti.auth.deps import PrincipalDep
from cti.crm.customer_csv import ImportReport
from cti.crm.erasure import Erasure
from cti.crm.records import CustomerRecords
from cti.crm.responses import CustomerDataOut, ErasureOut, ImportReportOut
from cti.openapi import AUTHENTICATED, IdPath, error_responses
from cti.provide import Provided
from cti.roles import Role

router = APIRouter(prefix="/api/crm", tags=["crm"], responses=error_responses(400, *AUTHENTICATED))

records_service: Provided[CustomerRecords] = Provided("crm.records")
provide = records_service.provide
RecordsDep = Annotated[CustomerRecords, Depends(records_service)]


@router.post("/customers/import", response_model=ImportReportOut)
async def import_customers(
    file: UploadFile, records: RecordsDep, who: PrincipalDep
) -> dict[str, Any]:
    """Upsert the customers of a CSV file; each refused row is named (row, field, reason)."""
    who.require(Role.ADMIN)
    text = io.TextIOWrapper(file.file, encoding="utf-8-sig", newline="")
    report = await asyncio.to_thread(records.csv.import_csv, text)
    return _report_view(report)


@router.get(
    "/customers/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "every customer, in the import's CSV format",
        }
    },
)
async def export_customers(records: RecordsDep, who: PrincipalDep) -> StreamingResponse:
    who.require(Role.ADMIN)
    return StreamingResponse(
        iterate_in_threadpool(records.csv.export_chunks()),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="customers.csv"'},
    )


@router.get("/customers/{customer_id}/data", response_model=CustomerDataOut)
async def customer_data(customer_id: IdPath, records: RecordsDep, who: PrincipalDep) -> Any:
    """Everything held on one customer: their record and every interaction of theirs."""
    who.require(Role.ADMIN)
    return await asyncio.to_thread(records.data.export, customer_id)


@router.delete("/customers/{customer_id}", response_model=ErasureOut)
async def erase_customer(customer_id: IdPath, records: RecordsDep, who: PrincipalDep) -> Any:
    """Erase a customer (the right to be forgotten): their record goes, their interactions
    are anonymised, and the erasure is recorded with who asked and when."""
    who.require(Role.ADMIN)
    at = datetime.fromtimestamp(records.clock.now(), UTC)
    erasure = await asyncio.to_thread(records.data.erase, customer_id, who.login, at)
    return _erasure_view(erasure)


def _report_view(report: ImportReport) -> dict[str, Any]:
    return {
        "created": report.created,
        "updated": report.updated,
        "refused_count": report.refused_count,
        "refused": [{"row": r.row, "field": r.field, "reason": r.reason} for r in report.refused],
    }


def _erasure_view(erasure: Erasure) -> dict[str, Any]:
    return {
        "customer_id": erasure.customer_id,
        "erased_by": erasure.erased_by,
        "erased_at": erasure.erased_at.isoformat(),
        "interactions_anonymised": erasure.interactions,
    }


__all__ = ["router"]
