"""Webhook nodes against a real HTTP peer on loopback: slow, broken or fine."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import pytest

from cti.clock import ManualClock
from ivr.cli import ScriptIO
from ivr.driver import drive
from ivr.schema import parse_flow
from ivr.state import Bundle, CallWebhook, Fetched
from ivr.validate import Catalogue, problems
from ivr.webhook import HostAllowList, Webhooks

LOOPBACK_ONLY = HostAllowList(["127.0.0.1"])


@asynccontextmanager
async def http_peer(
    response: bytes | None, requests: list[bytes] | None = None
) -> AsyncIterator[str]:
    """A one-route HTTP server that answers ``response`` raw, or never answers (None);
    each request's head is appended to ``requests``."""
    done = asyncio.Event()
    writers: list[asyncio.StreamWriter] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            if requests is not None:
                requests.append(head)
            if response is None:
                await done.wait()
            else:
                writer.write(response)
                await writer.drain()
        finally:
            writer.close()
            with suppress(OSError):
                await writer.wait_closed()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/balance"
    finally:
        done.set()
        server.close()
        for writer in writers:
            writer.close()
        await server.wait_closed()


def reply(status: str, body: bytes, kind: str = "application/json") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"Connection: close\r\n\r\n" + body


def flow(url: str) -> Bundle:
    return Bundle(parse_flow({"name": "w", "start": "w", "nodes": {
        "w": {"type": "webhook", "url": url, "timeout": 0.3, "send": ["IVR_ACCOUNT"],
              "assign": {"IVR_BALANCE": "balance"}, "next": "ok", "fallback": "fallback"},
        "ok": {"type": "hangup"}, "fallback": {"type": "queue", "queue": "billing"}}}))  # fmt: skip


class WebhookIO(ScriptIO):
    def __init__(self, hosts: HostAllowList) -> None:
        super().__init__([], False, "standard", None)
        self.hooks = Webhooks(hosts)

    async def webhook(self, action: CallWebhook) -> Fetched:
        return await self.hooks(action)


async def run(url: str, hosts: HostAllowList = LOOPBACK_ONLY) -> tuple[str, dict[str, str]]:
    io = WebhookIO(hosts)
    record = await drive(flow(url), io, ManualClock(), call_id="w1", caller=None)
    return record.path[-1], dict(record.variables)


async def test_a_webhook_that_answers_a_json_object_sets_the_variables() -> None:
    async with http_peer(reply("200 OK", b'{"balance": 12.5, "ok": true}')) as url:
        where, variables = await run(url)
    assert where == "ok" and variables["IVR_BALANCE"] == "12.5"


@pytest.mark.parametrize(
    "response",
    [
        None,  # times out
        reply("200 OK", b"<html>surprise</html>", "text/html"),
        reply("200 OK", b"[1, 2, 3]"),
        reply("200 OK", b'{"other": 1}'),
        reply("500 Internal Server Error", b'{"balance": 1}'),
        b"garbage that is not HTTP\r\n\r\n",
    ],
    ids=["timeout", "html", "json-list", "missing-key", "500", "not-http"],
)
async def test_a_webhook_that_times_out_or_returns_garbage_takes_the_fallback(
    response: bytes | None,
) -> None:
    async with http_peer(response) as url:
        where, variables = await asyncio.wait_for(run(url), 3)
    assert where == "fallback" and "IVR_BALANCE" not in variables


async def test_a_webhook_to_a_closed_port_takes_the_fallback() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    where, _ = await run(f"http://127.0.0.1:{port}/")
    assert where == "fallback"


async def test_a_webhook_to_a_host_not_allowed_is_never_called() -> None:
    requests: list[bytes] = []
    async with http_peer(reply("200 OK", b'{"balance": 1}'), requests) as url:
        for hosts in (HostAllowList([]), HostAllowList(["crm.example.com"])):
            where, variables = await run(url, hosts)
            assert where == "fallback" and "IVR_BALANCE" not in variables
    assert requests == []  # refused before any connection


async def test_a_redirect_is_not_followed() -> None:
    """An allowed host must not bounce the server to another address (a metadata service)."""
    moved = reply("302 Found", b"", "text/plain").replace(
        b"Connection: close", b"Location: http://169.254.169.254/latest\r\nConnection: close"
    )
    async with http_peer(moved) as url:
        where, _ = await run(url)
    assert where == "fallback"


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://crm.example.com/balance", True),
        ("https://CRM.Example.com:8443/x", True),
        ("https://api.svc.example.net/", True),
        ("https://svc.example.net/", False),  # *.domain is for subdomains only
        ("https://evilsvc.example.net.attacker.test/", False),
        ("http://169.254.169.254/latest/meta-data", False),
        ("http://127.0.0.1:8000/api/agents", False),
    ],
)
def test_only_listed_hosts_pass(url: str, allowed: bool) -> None:
    hosts = HostAllowList(["crm.example.com", "*.svc.example.net"])
    assert (hosts.refusal(url) is None) is allowed


def test_a_flow_calling_an_unlisted_host_is_refused_when_saved() -> None:
    flow = parse_flow({"name": "w", "start": "w", "nodes": {
        "w": {"type": "webhook", "url": "http://169.254.169.254/latest", "next": "end",
              "fallback": "end"},
        "end": {"type": "hangup"}}})  # fmt: skip
    hosts = HostAllowList(["crm.example.com"])
    found = problems(flow, Catalogue(strict=False, webhook_hosts=hosts))
    assert found == ["nodes.w.url: host '169.254.169.254' is not in SWITCHBOARD_IVR_WEBHOOK_HOSTS"]
    assert problems(flow, Catalogue(strict=False)) == []  # offline checks leave hosts alone
