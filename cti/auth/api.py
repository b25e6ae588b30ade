"""``POST /api/auth/token``: the OAuth2 password flow, returning a JWT."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from cti.auth.errors import InvalidCredentials
from cti.auth.service import Principal, Role
from cti.openapi import error_responses
from cti.server.deps import PrincipalDep, ServicesDep

router = APIRouter(
    prefix="/api/auth", tags=["auth"], responses=error_responses(400, 401, 403, 422, 429, 503)
)


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


@router.post("/token")
async def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], svc: ServicesDep) -> Token:
    account = await asyncio.to_thread(svc.directory.authenticate, form.username, form.password)
    if account is None:
        raise InvalidCredentials("wrong login or password")
    who = Principal(account.login, Role(account.role), account.display_name)
    ttl = svc.settings.jwt_ttl_seconds
    return Token(
        access_token=svc.tokens.issue(who),
        login=who.login,
        role=who.role,
        name=who.name,
        expires_in=ttl,
    )


@router.get("/me")
async def me(who: PrincipalDep) -> Me:
    return Me(login=who.login, role=who.role, name=who.name)
