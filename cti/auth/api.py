"""``/api/auth``: the OAuth2 password flow returning a JWT, who am I, and logout.

Log-ins are throttled per account and per source address (``cti.auth.throttle``): a held-off
attempt gets 429 ``too-many-attempts`` with ``Retry-After``, before any password is checked.
Every refusal says the same, whether the login exists or not.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from cti.auth.deps import PrincipalDep
from cti.auth.errors import InvalidCredentials, TooManyAttempts
from cti.auth.login import LoginAttempt, LoginService
from cti.openapi import error_responses
from cti.provide import Provided
from cti.roles import Role

router = APIRouter(
    prefix="/api/auth", tags=["auth"], responses=error_responses(400, 401, 403, 422, 429, 503)
)

WRONG = "wrong login or password"

login_service: Provided[LoginService] = Provided("auth.login")
provide = login_service.provide
LoginDep = Annotated[LoginService, Depends(login_service)]


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    login: str
    role: Role
    name: str
    expires_in: int


class Me(BaseModel):
    login: str
    role: Role
    name: str


class Problem(BaseModel):
    error_id: str
    message: str
    details: dict[str, object]


@router.post(
    "/token",
    response_model=Token,
    responses={
        401: {"model": Problem, "description": "wrong login or password"},
        429: {"model": Problem, "description": "too many failed log-ins (see Retry-After)"},
    },
)
async def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, svc: LoginDep
) -> Token | Response:
    throttle = svc.sessions.throttle
    address = request.client.host if request.client else "unknown"
    keys = throttle.keys(form.username, address)
    wait = await asyncio.to_thread(throttle.retry_after, keys)
    if wait > 0:
        await svc.attempted(LoginAttempt(form.username, None, address, "throttled"))
        return _too_many(wait)
    account = await asyncio.to_thread(svc.credentials.authenticate, form.username, form.password)
    if account is None:
        await asyncio.to_thread(throttle.failed, keys)
        await svc.attempted(LoginAttempt(form.username, None, address, "wrong"))
        raise InvalidCredentials(WRONG)
    await asyncio.to_thread(throttle.succeeded, keys)
    await svc.attempted(LoginAttempt(account.login, str(account.role), address, "ok"))
    tokens = svc.sessions.tokens
    return Token(
        access_token=tokens.issue(account),
        login=account.login,
        role=Role(account.role),
        name=account.display_name,
        expires_in=tokens.ttl_seconds,
    )


def _too_many(wait: int) -> JSONResponse:
    error = TooManyAttempts(wait)
    headers = {"Retry-After": str(wait)}
    return JSONResponse(error.to_dict(), status_code=error.status, headers=headers)


@router.get("/me")
async def me(who: PrincipalDep) -> Me:
    return Me(login=who.login, role=who.role, name=who.name)


@router.post("/logout", status_code=204)
async def logout(who: PrincipalDep, svc: LoginDep) -> Response:
    """End every session of this account: each token issued to it so far stops working,
    and its open websockets close."""
    await asyncio.to_thread(svc.credentials.revoke_tokens, who.login)
    return Response(status_code=204)
