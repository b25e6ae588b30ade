"""HTTP webhooks for ``webhook`` nodes: any failure is a ``Fetched(ok=False)``, never raised.

The node's variables (``send``) go out as a JSON object (query parameters for GET). The
answer must be a JSON object within the node's timeout; its values become strings. A timeout,
a connection error, a status outside 2xx, or a body that is not a JSON object all take the
node's ``fallback`` branch.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson
import structlog

from ivr.state import CallWebhook, Fetched

log = structlog.get_logger(__name__)
MAX_BODY = 64 * 1024
WebhookFn = Callable[[CallWebhook], Awaitable[Fetched]]


class Webhooks:
    def __init__(self, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._transport = transport

    async def __call__(self, action: CallWebhook) -> Fetched:
        try:
            async with httpx.AsyncClient(transport=self._transport) as client:
                response = await client.request(
                    action.method, action.url, timeout=action.timeout, **_body(action)
                )
        except httpx.TimeoutException:
            return _failed(action, "timeout")
        except httpx.HTTPError as exc:
            return _failed(action, f"http error: {type(exc).__name__}")
        if not response.is_success:
            return _failed(action, f"status {response.status_code}")
        return _parsed(action, response.content)


def _body(action: CallWebhook) -> dict[str, Any]:
    data = dict(action.payload)
    return {"params": data} if action.method == "GET" else {"json": data}


def _parsed(action: CallWebhook, content: bytes) -> Fetched:
    if len(content) > MAX_BODY:
        return _failed(action, "response too large")
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        return _failed(action, "response is not JSON")
    if not isinstance(body, dict):
        return _failed(action, "response is not a JSON object")
    values = tuple((str(k), t) for k, v in body.items() if (t := _text(v)) is not None)
    return Fetched(True, values)


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def _failed(action: CallWebhook, reason: str) -> Fetched:
    log.warning("ivr.webhook_failed", url=action.url, reason=reason)
    return Fetched(False, error=reason)
