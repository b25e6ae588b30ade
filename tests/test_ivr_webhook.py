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
from ivr.webhook import Webhooks


@asynccontextmanager
async def http_peer(response: bytes | None) -> AsyncIterator[str]:
    """A one-route HTTP server that answers ``response`` raw, or never answers (None)."""
    done = asyncio.Event()
    writers: list[asyncio.StreamWriter] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        try:
            await reader.readuntil(b"\r\n\r\n")
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
    async def webhook(self, action: CallWebhook) -> Fetched:
        return await Webhooks()(action)


async def run(url: str) -> tuple[str, dict[str, str]]:
    io = WebhookIO([], False, "standard", None)
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
