"""What every router shares in its OpenAPI contract: bounded integer parameters and the
error responses, documented once with the one error body every error has.

Integers a client sends in a path or a query are bounded here, so a huge id is a 422 naming
the parameter, not an ``OverflowError`` deep in a database driver. ``error_responses`` builds
the ``responses=`` of a router or a route from the statuses its operations can answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, Field

#: The widest key every table stores: PostgreSQL ``integer`` (SQLite's are wider).
MAX_ID = 2**31 - 1

#: A database row's id in a path (``/api/customers/{customer_id}``).
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
#: A database row's id in a JSON body.
IdField = Annotated[int, Field(ge=1, le=MAX_ID)]
#: A version number (of an IVR flow, say) in a path.
VersionPath = Annotated[int, Path(ge=1, le=MAX_ID)]


class ErrorBody(BaseModel):
    """Every error answer: ``{"error_id": "no-such-queue", "message": ..., "details": {}}``."""

    error_id: str = Field(description="stable, kebab-case: what went wrong")
    message: str = Field(description="one line for a person")
    details: dict[str, Any] = Field(description="what and where, per error_id")


DESCRIPTIONS = {
    400: "The request cannot be carried out as it stands",
    401: "No token, or one that is not (or no longer) valid",
    403: "The caller's role may not do this",
    404: "No such resource",
    409: "The resource is not in a state that allows this",
    422: "A parameter or the body is invalid (details.errors names each field)",
    429: "Too many attempts: try again later",
    501: "The configured PBX cannot do this",
    502: "The PBX refused or failed the command",
    503: "The database is unavailable (database-unavailable), or this process is on standby",
}

#: What an operation behind a login can answer besides success.
AUTHENTICATED = (401, 403, 404, 409, 422, 503)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a router or route: each status with its meaning and ``ErrorBody``."""
    return {s: {"model": ErrorBody, "description": DESCRIPTIONS[s]} for s in statuses}
