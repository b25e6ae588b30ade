"""How every error becomes an answer: ``{"error_id", "message", "details"}`` with its status.

- ``SwitchboardError``: its own status and ``error_id``.
- Invalid parameters or bodies: 422 ``invalid-request``, each field named in ``details``.
- Starlette's own (no route, wrong method, no token from the OAuth2 scheme): their status,
  with an ``error_id`` derived from it and their headers (``WWW-Authenticate``, ``Allow``).
- A value the database cannot store (``sqlalchemy.exc.DataError``: a NUL in PostgreSQL text,
  a string too long for its column): 422 ``unstorable-value`` with the driver's reason.
- A database outage (``cti.db.OUTAGES``, raised in a handler or in the thread it ran its query
  in): 503 ``database-unavailable`` with ``Retry-After``, and one log line, not a traceback
  per request.
"""

from __future__ import annotations

from http import HTTPStatus

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from cti.db import OUTAGES, RETRY_AFTER_SECONDS, database_unavailable, outage_reason, unstorable
from cti.errors import SwitchboardError

log = structlog.get_logger(__name__)


def install(app: FastAPI) -> None:
    app.add_exception_handler(SwitchboardError, switchboard_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, http_error)  # type: ignore[arg-type]
    for outage in OUTAGES:
        app.add_exception_handler(outage, database_outage)
    app.add_exception_handler(DataError, unstorable_value)  # type: ignore[arg-type]


async def switchboard_error(request: Request, exc: SwitchboardError) -> JSONResponse:
    return JSONResponse(exc.to_dict(), status_code=exc.status)


async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
    ]
    first = errors[0] if errors else {"field": "", "message": "invalid request"}
    body = {
        "error_id": "invalid-request",
        "message": f"{first['field']}: {first['message']}",
        "details": {"errors": errors},
    }
    return JSONResponse(body, status_code=422)


async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
    error_id = _ERROR_IDS.get(exc.status_code) or _phrase_id(exc.status_code)
    body = {"error_id": error_id, "message": str(exc.detail), "details": {}}
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


_ERROR_IDS = {401: "not-authenticated"}


def _phrase_id(status: int) -> str:
    """``405`` -> ``method-not-allowed``; a status without a phrase -> ``http-599``."""
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "-")
    except ValueError:
        return f"http-{status}"


async def database_outage(request: Request, exc: Exception) -> JSONResponse:
    log.warning(
        "database.unavailable",
        method=request.method,
        path=request.url.path,
        error=type(exc).__name__,
        reason=outage_reason(exc),
    )
    error = database_unavailable()
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return JSONResponse(error.to_dict(), status_code=error.status, headers=headers)


async def unstorable_value(request: Request, exc: DataError) -> JSONResponse:
    error = unstorable(exc)
    log.info("database.unstorable_value", path=request.url.path, reason=error.details["reason"])
    return JSONResponse(error.to_dict(), status_code=error.status)
