"""Who is calling: a token checked against the account as it is now.

``AuthService`` is what the routes and the websockets use: ``check(token)`` verifies the
signature and expiry, then admits the caller only if the account exists, is enabled and is
still at the token's version, with the role the account has now. Lookups go through the
``AccountCache``, so the hot path is a dictionary hit.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from cti.auth.accounts import AccountCache
from cti.auth.service import Principal, TokenClaims, TokenService, admit
from cti.auth.throttle import LoginThrottle


@dataclass(frozen=True, slots=True)
class Session:
    principal: Principal
    claims: TokenClaims


@dataclass(slots=True)
class AuthService:
    tokens: TokenService
    accounts: AccountCache
    throttle: LoginThrottle

    async def check(self, token: str) -> Session:
        return await self.recheck(self.tokens.decode(token))

    async def recheck(self, claims: TokenClaims) -> Session:
        """A token decoded before (a websocket's), checked again: expiry and the account."""
        claims = self.tokens.unexpired(claims)
        hit, account = self.accounts.cached(claims.login)
        if not hit:
            account = await asyncio.to_thread(self.accounts.load, claims.login)
        return Session(admit(claims, account), claims)

    async def principal(self, token: str) -> Principal:
        return (await self.check(token)).principal
