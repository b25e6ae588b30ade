"""Wiring for authentication: the signing key, the account cache and its announcements,
and the log-in throttle's store (Redis when configured, else the database)."""

from __future__ import annotations

import asyncio

from sqlalchemy.orm import Session, sessionmaker

from cti.auth.accounts import AccountCache
from cti.auth.secret import signing_secret
from cti.auth.service import TokenService
from cti.auth.sessions import AuthService
from cti.auth.throttle import Limit, LoginThrottle, ThrottleStore
from cti.auth.throttle_stores import DatabaseThrottleStore, RedisThrottleStore
from cti.clock import Clock
from cti.crm.directory import Directory
from cti.server.account_events import AccountEvents
from cti.server.bus import Bus
from cti.settings import Settings


def build_auth(
    settings: Settings,
    clock: Clock,
    directory: Directory,
    sessions: sessionmaker[Session],
    bus: Bus,
) -> tuple[AuthService, AccountEvents]:
    secret = signing_secret(
        settings.jwt_secret, demo=settings.demo, demo_file=settings.jwt_secret_file
    ).get_secret_value()
    tokens = TokenService(secret, settings.jwt_ttl_seconds, clock)
    accounts = AccountCache(directory.find_agent, clock, settings.auth_cache_seconds)
    events = AccountEvents(bus, accounts, asyncio.get_running_loop())
    directory.on_account_change(events.changed)
    store: ThrottleStore = DatabaseThrottleStore(sessions)
    window = settings.login_failure_window_seconds
    if settings.redis_url:
        store = RedisThrottleStore(settings.redis_url, prefix=settings.redis_prefix, window=window)
    backoff, cap = settings.login_backoff_seconds, settings.login_backoff_max_seconds
    throttle = LoginThrottle(
        store,
        clock,
        account=Limit(settings.login_free_failures_per_account, cap, backoff),
        address=Limit(settings.login_free_failures_per_address, cap, backoff),
        window=window,
    )
    return AuthService(tokens, accounts, throttle), events
