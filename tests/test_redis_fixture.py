"""The ``redis_url`` fixture gives a Redis that answers."""

from __future__ import annotations

import redis


def test_the_redis_fixture_answers_ping(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.ping() is True
    finally:
        client.close()
