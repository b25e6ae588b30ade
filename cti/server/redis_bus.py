"""The event bus over Redis pub/sub, so websockets on any server process get every push.

Every publish goes through Redis, the local process's included, so all processes see the
same order. Local subscribers are served by the in-process bus this wraps. Redis pub/sub
keeps nothing for a process that is down; a desktop that reconnects gets the current truth
in its ``hello``, not a replay.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit, urlunsplit

import redis
import redis.asyncio as aioredis
import structlog

from cti.errors import SwitchboardError
from cti.server.bus import InProcessBus, Subscription

log = structlog.get_logger(__name__)

PREFIX = "switchboard:"


class RedisBus:
    def __init__(self, url: str, *, prefix: str = PREFIX) -> None:
        self._redis = aioredis.Redis.from_url(url)
        self._prefix = prefix
        self._local = InProcessBus()
        self._outbox: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._ready = asyncio.Event()

    async def start(self) -> None:
        await self._redis.ping()
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._listen()), loop.create_task(self._send())]
        await asyncio.wait_for(self._ready.wait(), timeout=5)

    async def stop(self) -> None:
        await self._outbox.join()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._redis.aclose()

    async def ping(self) -> None:
        """Raise ``redis.RedisError`` unless Redis answers (for ``/readyz``)."""
        await self._redis.ping()

    def publish(self, topic: str, payload: bytes) -> None:
        self._outbox.put_nowait((topic, payload))

    def subscribe(self, topic: str) -> Subscription:
        return self._local.subscribe(topic)

    def unsubscribe(self, subscription: Subscription) -> None:
        self._local.unsubscribe(subscription)

    async def _send(self) -> None:
        while True:
            topic, payload = await self._outbox.get()
            try:
                await self._redis.publish(self._prefix + topic, payload)
            except aioredis.RedisError as exc:
                log.error("redis_publish_failed", topic=topic, error=str(exc))
            finally:
                self._outbox.task_done()

    async def _listen(self) -> None:
        pubsub = self._redis.pubsub()
        await pubsub.psubscribe(self._prefix + "*")
        self._ready.set()
        skip = len(self._prefix)
        async for message in pubsub.listen():
            if message["type"] == "pmessage":
                self._local.publish(message["channel"].decode()[skip:], message["data"])


class RedisUnavailable(SwitchboardError):
    status = 503
    error_id = "redis-unavailable"


def check_redis(url: str) -> None:
    """Raise ``RedisUnavailable`` with one clear line (password masked) if Redis does not answer."""
    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise RedisUnavailable(f"cannot reach Redis at {_masked(url)}: {exc}") from None
    finally:
        client.close()


def _masked(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
