"""``/api/users``: provisioning for admins. List, read, create, change (name, role, skills,
enabled), reset a password, and import from CSV (``cti.users.importing``).

Disabling an account, a new role or a new password ends its sessions at once, open
websockets included (the directory bumps the token version and announces the change)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from cti.auth.deps import PrincipalDep
from cti.crm.directory import MAX_LEVEL, MIN_LEVEL, AgentAccount
from cti.crm.errors import InvalidAgent
from cti.openapi import AUTHENTICATED, error_responses
from cti.provide import Provided
from cti.roles import Role
from cti.users.importing import import_users
from cti.users.service import MAX_PASSWORD, NewUser, UserChange, Users

router = APIRouter(
    prefix="/api/users", tags=["users"], responses=error_responses(400, *AUTHENTICATED)
)

users_service: Provided[Users] = Provided("users")
provide = users_service.provide
UsersDep = Annotated[Users, Depends(users_service)]

MAX_IMPORT_BYTES = 2 * 1024 * 1024
LoginField = Annotated[str, Field(min_length=1, max_length=64)]
SkillLevel = Annotated[int, Field(ge=MIN_LEVEL, le=MAX_LEVEL)]
SkillLevels = Annotated[
    dict[Annotated[str, Field(max_length=32)], SkillLevel], Field(max_length=50)
]


class UserOut(BaseModel):
    login: str
    display_name: str
    role: Role
    enabled: bool
    skills: dict[str, int]


class NewUserBody(BaseModel):
    login: LoginField
    display_name: str = Field(min_length=1, max_length=128)
    password: str = Field(max_length=MAX_PASSWORD)
    role: Role = Role.AGENT
    skills: SkillLevels = Field(default_factory=dict)


class UserChangeBody(BaseModel):
    display_name: str | None = Field(None, min_length=1, max_length=128)
    role: Role | None = None
    skills: SkillLevels | None = None
    enabled: bool | None = None


class PasswordBody(BaseModel):
    password: str = Field(max_length=MAX_PASSWORD)


class RefusedRowOut(BaseModel):
    row: int
    field: str
    reason: str


class ImportOut(BaseModel):
    created: list[str]
    refused: list[RefusedRowOut]


def user_view(account: AgentAccount) -> UserOut:
    return UserOut(
        login=account.login,
        display_name=account.display_name,
        role=account.role,
        enabled=account.enabled,
        skills=dict(account.skills),
    )


@router.get("", response_model=list[UserOut])
async def users(svc: UsersDep, who: PrincipalDep) -> list[UserOut]:
    who.require(Role.ADMIN)
    return [user_view(a) for a in await asyncio.to_thread(svc.accounts)]


@router.post("", status_code=201, response_model=UserOut)
async def create(body: NewUserBody, svc: UsersDep, who: PrincipalDep) -> UserOut:
    who.require(Role.ADMIN)
    new = NewUser(
        body.login, body.display_name, body.password, body.role, tuple(body.skills.items())
    )
    return user_view(await asyncio.to_thread(svc.create, new))


@router.post(
    "/import",
    response_model=ImportOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def import_csv(request: Request, svc: UsersDep, who: PrincipalDep) -> ImportOut:
    """CSV with the columns login, display_name, password, role, skills; each refused row
    is named by its line, field and reason, and the good rows are created."""
    who.require(Role.ADMIN)
    text = await _csv_text(request)
    report = await asyncio.to_thread(import_users, svc, text.splitlines(keepends=True))
    refused = [RefusedRowOut(row=r.row, field=r.field, reason=r.reason) for r in report.refused]
    return ImportOut(created=report.created, refused=refused)


async def _csv_text(request: Request) -> str:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_IMPORT_BYTES:
            raise InvalidAgent("file", f"is larger than {MAX_IMPORT_BYTES // 1024} KiB")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidAgent("file", f"is not UTF-8 (byte {exc.start})") from None


@router.get("/{login}", response_model=UserOut)
async def user(login: str, svc: UsersDep, who: PrincipalDep) -> UserOut:
    who.require(Role.ADMIN)
    return user_view(await asyncio.to_thread(svc.get, login))


@router.patch("/{login}", response_model=UserOut)
async def change(login: str, body: UserChangeBody, svc: UsersDep, who: PrincipalDep) -> UserOut:
    who.require(Role.ADMIN)
    skills = None if body.skills is None else tuple(body.skills.items())
    change = UserChange(body.display_name, body.role, skills, body.enabled)
    return user_view(await asyncio.to_thread(svc.change, login, change))


@router.put("/{login}/password", status_code=204)
async def password(login: str, body: PasswordBody, svc: UsersDep, who: PrincipalDep) -> Response:
    """A new password: every session of the account ends at once."""
    who.require(Role.ADMIN)
    await asyncio.to_thread(svc.set_password, login, body.password)
    return Response(status_code=204)
