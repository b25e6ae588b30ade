"""Event bus for pushes to websockets: in-process by default, Redis pub/sub to scale out.

Payloads are bytes, encoded once and shared by every subscriber. A subscriber that falls
``MAX_BACKLOG`` messages behind is marked overflowed; its websocket closes with 1013 so the
client reconnects and resyncs instead of showing stale data.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Protocol

MAX_BACKLOG = 1000


class Subscription:
    def __init__(self, bus: InProcessBus, topic: str) -> None:
        self.topic = topic
        self.overflowed = False
        self._bus = bus
        self._queue: asyncio.Queue[bytes] = asyncio.Queue(MAX_BACKLOG)

    def deliver(self, payload: bytes) -> None:
        try:
            self._queue.put_nowait(payload)
        except asyncio.QueueFull:
            self.overflowed = True  # what is queued is kept; the reader closes the socket

    async def get(self) -> bytes:
        return await self._queue.get()

    def drain(self) -> list[bytes]:
        """Everything queued for this subscriber now, taken without waiting."""
        out = []
        while not self._queue.empty():
            out.append(self._queue.get_nowait())
        return out

    def close(self) -> None:
        self._bus.unsubscribe(self)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while not self.overflowed:
            yield await self._queue.get()


class Bus(Protocol):
    def publish(self, topic: str, payload: bytes) -> None: ...

    def subscribe(self, topic: str) -> Subscription: ...

    def unsubscribe(self, subscription: Subscription) -> None: ...


class InProcessBus:
    def __init__(self) -> None:
        self._subs: dict[str, set[Subscription]] = defaultdict(set)

    def publish(self, topic: str, payload: bytes) -> None:
        for sub in tuple(self._subs.get(topic, ())):
            sub.deliver(payload)

    def subscribe(self, topic: str) -> Subscription:
        sub = Subscription(self, topic)
        self._subs[topic].add(sub)
        return sub

    def unsubscribe(self, subscription: Subscription) -> None:
        subs = self._subs.get(subscription.topic)
        if subs is not None:
            subs.discard(subscription)
            if not subs:
                del self._subs[subscription.topic]

    def subscribers(self, topic: str) -> int:
        return len(self._subs.get(topic, ()))
