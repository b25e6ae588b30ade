"""One engine per centre: with Redis, the process holding this lock runs telephony and the ACD.

Several Switchboard processes may share one Redis, one database and one PBX, but only one may
drive the calls: two ACDs would ring two agents for one call, and two AMI observers would
write every leg twice. The process that takes the lock is *active*; the others are on
*standby*: they answer ``/healthz`` with 503 (so a load balancer sends users to the active
one) and refuse the API and the websockets with ``503 standby``. A standby process keeps
trying; when the active one stops (and releases the lock) or dies (and the lock expires after
``ttl`` seconds), a standby takes over, starts its engine and, on Asterisk, resyncs from AMI.

An active process that cannot renew the lock in time (Redis unreachable, or the key taken)
stops its engine at once and stays on standby until it is restarted: it no longer knows that
it is the only engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import Awaitable, Callable

import redis.asyncio as aioredis
import structlog

log = structlog.get_logger(__name__)

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class EngineLock:
    def __init__(self, url: str, key: str, *, ttl: float = 10.0) -> None:
        self._redis = aioredis.Redis.from_url(url)
        self.key = key
        self.ttl = ttl
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.held = False
        self.lost = False
        self._task: asyncio.Task[None] | None = None

    async def start(
        self,
        on_acquired: Callable[[], Awaitable[None]],
        on_lost: Callable[[], Awaitable[None]],
    ) -> None:
        """Try once now (so a lone process is active before it serves); then keep the lock,
        or keep trying for it, in the background."""
        await self._try_acquire()
        if self.held:
            await on_acquired()
        self._task = asyncio.get_running_loop().create_task(
            self._run(on_acquired, on_lost), name="engine-lock"
        )

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._release()
        await self._redis.aclose()

    async def _release(self) -> None:
        if self.held:
            with contextlib.suppress(Exception):
                await self._redis.eval(_RELEASE, 1, self.key, self.token)
            self.held = False

    async def holder(self) -> str | None:
        """Who holds the lock (host:pid:nonce), for the standby's answers."""
        with contextlib.suppress(Exception):
            value = await self._redis.get(self.key)
            if isinstance(value, bytes):
                return value.decode()
            return value or None
        return None

    async def _try_acquire(self) -> None:
        try:
            taken = await self._redis.set(self.key, self.token, nx=True, px=int(self.ttl * 1000))
        except Exception as exc:  # Redis down: stay on standby and try again
            log.warning("engine_lock.unreachable", error=str(exc))
            return
        if taken:
            self.held = True
            log.info("engine_lock.acquired", key=self.key, token=self.token)

    async def _renew(self) -> bool:
        try:
            renewed = await self._redis.eval(
                _RENEW, 1, self.key, self.token, str(int(self.ttl * 1000))
            )
        except Exception as exc:
            log.warning("engine_lock.renew_failed", error=str(exc))
            return False
        return bool(renewed)

    async def _run(
        self,
        on_acquired: Callable[[], Awaitable[None]],
        on_lost: Callable[[], Awaitable[None]],
    ) -> None:
        interval = self.ttl / 3
        last_renewed = asyncio.get_running_loop().time()
        while True:
            await asyncio.sleep(interval)
            now = asyncio.get_running_loop().time()
            if self.held:
                if await self._renew():
                    last_renewed = now
                elif now - last_renewed >= self.ttl - interval:
                    self.held, self.lost = False, True
                    log.critical("engine_lock.lost", key=self.key, token=self.token)
                    await on_lost()
                    return
            elif not self.lost:
                await self._try_acquire()
                if self.held:
                    last_renewed = now
                    try:
                        await on_acquired()
                    except Exception:  # could not start: let another process try
                        log.exception("engine_lock.start_failed", key=self.key)
                        await self._release()
