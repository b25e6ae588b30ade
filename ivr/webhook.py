"""HTTP webhooks for ``webhook`` nodes: any failure is a ``Fetched(ok=False)``, never raised.

The node's variables (``send``) go out as a JSON object (query parameters for GET). The
answer must be a JSON object within the node's timeout; its values become strings. A timeout,
a connection error, a status outside 2xx, or a body that is not a JSON object all take the
node's ``fallback`` branch.

Flows are written by supervisors, and a webhook runs from inside the server's network, so a
URL could reach what only the server may (an admin port, a cloud metadata address). Webhooks
therefore go only to the hosts listed in ``SWITCHBOARD_IVR_WEBHOOK_HOSTS`` (exact names, or
``*.example.com`` for subdomains); with none listed no webhook is called. A flow naming another
host is refused when it is saved, and checked again before every call (redirects are not
followed).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
import structlog

from ivr.state import CallWebhook, Fetched

log = structlog.get_logger(__name__)
MAX_BODY = 64 * 1024
WebhookFn = Callable[[CallWebhook], Awaitable[Fetched]]


#: A host IVR webhooks may call: a DNS name, or ``*.`` and a domain for its subdomains.
WEBHOOK_HOST_PATTERN = (
    r"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$"
)
HOST_PATTERN = re.compile(WEBHOOK_HOST_PATTERN)


class HostAllowList:
    """The hosts webhook nodes may call: ``crm.example.com``, or ``*.example.com`` for any
    subdomain of example.com. Case does not matter; ports and paths are not part of it."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(p.strip().lower() for p in patterns if p.strip())
        bad = [p for p in self.patterns if not HOST_PATTERN.match(p)]
        if bad:
            raise ValueError(f"not a host name or *.domain pattern: {', '.join(bad)}")

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def refusal(self, url: str) -> str | None:
        """Why ``url`` may not be called, or ``None`` if it may."""
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
        if not self.patterns:
            return "no webhook hosts are allowed (SWITCHBOARD_IVR_WEBHOOK_HOSTS is empty)"
        for pattern in self.patterns:
            if pattern.startswith("*."):
                if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                    return None
            elif host == pattern:
                return None
        return f"host {host!r} is not in SWITCHBOARD_IVR_WEBHOOK_HOSTS"


class Webhooks:
    def __init__(
        self, hosts: HostAllowList, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._hosts = hosts
        self._transport = transport

    async def __call__(self, action: CallWebhook) -> Fetched:
        refused = self._hosts.refusal(action.url)
        if refused is not None:
            return _failed(action, refused)
        try:
            async with httpx.AsyncClient(
                transport=self._transport, follow_redirects=False
            ) as client:
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
