"""The caller's identity as a FastAPI dependency: ``PrincipalDep`` for every route that needs
to know who calls, from the bearer token checked by the ``AuthService`` the wiring provides."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from cti.auth.service import Principal
from cti.auth.sessions import AuthService
from cti.provide import Provided

auth_service: Provided[AuthService] = Provided("auth")
provide = auth_service.provide
AuthDep = Annotated[AuthService, Depends(auth_service)]

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/auth/token")


async def principal(
    request: Request, token: Annotated[str, Depends(oauth2)], auth: AuthDep
) -> Principal:
    """The caller as their account is now (exists, enabled, same token version, its role).

    Also left in ``request.state.principal``, for the layers around the routes (the audit
    log records who acted without each handler saying so)."""
    who = await auth.principal(token)
    request.state.principal = who
    return who


PrincipalDep = Annotated[Principal, Depends(principal)]
