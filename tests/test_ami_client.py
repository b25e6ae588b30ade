"""The asyncio AMI client against a tiny fake Asterisk that replays recorded Asterisk 22 bytes.

The fake is ``FakeAmi`` (in ``tests.fake_ami``): it answers each action with what the real
Asterisk answered to it in a capture, followed by the unsolicited events Asterisk sent before
the next action. Tests can cut the socket, swallow actions, or go away entirely.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import structlog
from pydantic import SecretStr
from structlog.testing import capture_logs

from cti.asterisk.ami import ActionResult, Event, builders
from cti.asterisk.client import (
    AmiActionFailed,
    AmiActionTimeout,
    AmiClient,
    AmiConnectionLost,
    AmiNotConnected,
    AmiTimings,
    backoff_delay,
)
from cti.asterisk.config import AmiConfig
from cti.telephony.errors import CommandRefused, TelephonyError
from tests.fake_ami import SECRET, FakeAmi, eventually, fake_ami

FAST = AmiTimings(
    connect_timeout=1.0,
    action_timeout=1.0,
    ping_interval=30.0,
    ping_timeout=1.0,
    backoff_initial=0.02,
    backoff_max=0.2,
)


@pytest.fixture(autouse=True)
def default_structlog() -> None:
    """Start from structlog's defaults: a test that ran ``cti.logs.configure()`` leaves it
    printing, cached, to a capture stream pytest has since closed."""
    structlog.reset_defaults()


@asynccontextmanager
async def running(client: AmiClient) -> AsyncIterator[AmiClient]:
    await client.start()
    try:
        yield client
    finally:
        await asyncio.wait_for(client.stop(), 3)


def make_client(fake: FakeAmi, **kwargs: Any) -> tuple[AmiClient, list[Event]]:
    events: list[Event] = []
    kwargs.setdefault("timings", FAST)
    config = fake.config(event_filters=tuple(kwargs.pop("event_filters", ())))
    client = AmiClient(config, on_event=events.append, rng=random.Random(7), **kwargs)
    return client, events


async def test_member_management_actions_succeed_and_the_two_refusals_carry_the_pbx_message() -> (
    None
):
    async with fake_ami() as fake:
        client, events = make_client(fake)
        async with running(client):
            await client.wait_connected(2)
            added = await client.execute(
                builders.action(
                    "QueueAdd",
                    "x",
                    Queue="loadq",
                    Interface="Local/2001@agents/n",
                    MemberName="Erin Agent",
                    StateInterface="Local/2001@agents",
                    Penalty=1,
                )
            )
            assert added.response.message == "Added interface to queue"
            await client.execute(
                builders.queue_pause(
                    "x",
                    interface="Local/2001@agents/n",
                    paused=True,
                    queue="loadq",
                    reason="Coaching",
                )
            )
            await client.execute(
                builders.queue_penalty(
                    "x", interface="Local/2001@agents/n", penalty=3, queue="loadq"
                )
            )
            status = await client.execute(builders.queue_status("x"))
            await client.execute(builders.queue_summary("x"))
            await client.execute(
                builders.queue_pause(
                    "x", interface="Local/2001@agents/n", paused=False, queue="loadq"
                )
            )
            await client.execute(
                builders.queue_remove("x", queue="loadq", interface="Local/2001@agents/n")
            )

            with pytest.raises(AmiActionFailed) as not_there:
                await client.execute(
                    builders.queue_remove("x", queue="loadq", interface="Local/9999@agents/n")
                )
            with pytest.raises(AmiActionFailed) as no_queue:
                await client.execute(
                    builders.queue_add("x", queue="nosuchqueue", interface="Local/2001@agents/n")
                )

    assert [e.get("Queue") for e in status.events if e.name == "QueueParams"] == [
        "support",
        "sales",
        "loadq",
    ]
    assert len(status.events) == 8 and status.complete is not None
    assert "QueueMemberAdded" in [e.name for e in events]
    assert not_there.value.pbx_message == "Unable to remove interface: Not there"
    assert (not_there.value.status, not_there.value.error_id) == (404, "not-a-queue-member")
    assert "Not there" in not_there.value.message
    assert no_queue.value.to_dict() == {
        "error_id": "no-such-queue",
        "message": "QueueAdd refused by the PBX: Unable to add interface to queue: No such queue",
        "details": {
            "action": "QueueAdd",
            "pbx_message": "Unable to add interface to queue: No such queue",
        },
    }
    assert isinstance(no_queue.value, CommandRefused) and isinstance(no_queue.value, TelephonyError)


async def test_the_client_logs_in_with_its_own_action_ids_and_events_on() -> None:
    async with fake_ami() as fake:
        client, _ = make_client(fake, event_filters=["!Event: Newexten"])
        async with running(client):
            await client.wait_connected(2)
            await eventually(lambda: bool(fake.sent("Filter")))
    login = fake.sent("Login")[0]
    assert (login["Username"], login["Secret"], login["Events"]) == ("cti", SECRET, "on")
    assert fake.sent("Filter")[0]["Filter"] == "!Event: Newexten"
    assert fake.sent("Logoff"), "stop() logs off politely"
    assert len({a["ActionID"] for a in fake.received}) == len(fake.received)


def test_ami_tls_turns_on_a_verifying_tls_context() -> None:
    client = AmiClient(AmiConfig(tls=True, secret=SecretStr(SECRET)), on_event=lambda e: None)
    assert "tls" in repr(client) and SECRET not in repr(client)
    context = client.ssl_context
    assert context is not None and context.check_hostname


async def test_execute_without_a_connection_fails_at_once_with_a_clear_error() -> None:
    client = AmiClient(AmiConfig(port=9), on_event=lambda e: None, timings=FAST)
    with pytest.raises(AmiNotConnected) as caught:
        await client.execute(builders.ping("x"))
    assert caught.value.status == 503 and "Ping not sent" in caught.value.message


async def test_cutting_the_socket_fails_pending_actions_then_reconnects_logs_in_and_resyncs() -> (
    None
):
    async with fake_ami("reconnect.jsonl") as fake:
        connects = 0
        resyncs: list[tuple[ActionResult, ActionResult]] = []

        async def on_connected() -> None:
            nonlocal connects
            connects += 1
            if connects > 1:  # as in the recording: the resync follows the reconnect
                channels = await client.execute(builders.core_show_channels("x"))
                queues = await client.execute(builders.queue_status("x", queue="loadq"))
                resyncs.append((channels, queues))

        client, events = make_client(fake, on_connected=on_connected)
        fake.swallow.add("corestatus")
        with capture_logs() as logs:
            async with running(client):
                await eventually(lambda: connects == 1)
                pending = asyncio.create_task(client.execute(builders.action("CoreStatus", "x")))
                await eventually(lambda: bool(fake.sent("CoreStatus")))
                fake.cut()
                with pytest.raises(AmiConnectionLost) as lost:
                    await asyncio.wait_for(pending, 2)
                await eventually(lambda: len(resyncs) == 1)
                assert client.connected

    assert lost.value.error_id == "pbx-connection-lost"
    assert "CoreStatus was sent but the PBX connection was lost" in lost.value.message
    assert fake.logins == 2 and client.logins == 2 and connects == 2
    names = [a["Action"] for a in fake.received]
    assert names[-4:] == ["Login", "CoreShowChannels", "QueueStatus", "Logoff"]
    channels, queues = resyncs[0]
    assert channels.events and all(e.name == "CoreShowChannel" for e in channels.events)
    assert queues.complete is not None and queues.complete.name == "QueueStatusComplete"
    assert [log["event"] for log in logs].count("ami.connected") == 2
    reconnecting = [log for log in logs if log["event"] == "ami.reconnecting"]
    assert reconnecting and reconnecting[0]["delay"] <= FAST.backoff_initial
    assert len(events) > 100


async def test_while_the_pbx_is_down_the_client_retries_with_growing_capped_delays() -> None:
    fake = FakeAmi()
    await fake.start()
    port = fake.port
    client, _ = make_client(fake)
    with capture_logs() as logs:
        async with running(client):
            await client.wait_connected(2)
            await fake.close()
            await asyncio.sleep(0.5)
            assert not client.connected
            fake.server = await asyncio.start_server(fake._serve, "127.0.0.1", port)
            await eventually(lambda: client.logins == 2)
        await fake.close()
    delays = [log["delay"] for log in logs if log["event"] == "ami.reconnecting"]
    assert len(delays) >= 4
    assert delays[2] > delays[0] and max(delays) <= FAST.backoff_max
    assert any(log["event"] == "ami.connection_failed" for log in logs)


def test_backoff_is_exponential_capped_and_jittered_below_the_base() -> None:
    timings = AmiTimings(backoff_initial=1.0, backoff_max=30.0, jitter=0.25)
    rng = random.Random(1)
    for attempt, base in [(0, 1.0), (1, 2.0), (3, 8.0), (10, 30.0), (10_000, 30.0)]:
        delay = backoff_delay(attempt, timings, rng)
        assert 0.75 * base <= delay <= base
    no_jitter = AmiTimings(backoff_initial=1.0, jitter=0.0)
    assert backoff_delay(2, no_jitter, rng) == 4.0


async def test_a_missing_pong_counts_as_a_dead_connection_and_the_client_reconnects() -> None:
    async with fake_ami() as fake:
        fake.swallow.add("ping")
        connects = 0

        async def connected() -> None:
            nonlocal connects
            connects += 1

        timings = AmiTimings(ping_interval=0.05, ping_timeout=0.1, backoff_initial=0.02)
        client, _ = make_client(fake, on_connected=connected, timings=timings)
        with capture_logs() as logs:
            async with running(client):
                await eventually(lambda: connects >= 2)
    assert any(log["event"] == "ami.keepalive_timeout" for log in logs)
    assert fake.logins >= 2


async def test_an_unanswered_action_times_out_with_its_own_error() -> None:
    async with fake_ami() as fake:
        fake.swallow.add("corestatus")
        client, _ = make_client(fake)
        async with running(client):
            await client.wait_connected(2)
            with pytest.raises(AmiActionTimeout) as caught:
                await client.execute(builders.action("CoreStatus", "x"), timeout=0.05)
            assert (await client.execute(builders.ping("x"))).ok, "the connection is still usable"
    assert (caught.value.status, caught.value.error_id) == (504, "pbx-action-timeout")


async def test_garbage_from_the_pbx_and_a_crashing_event_handler_are_logged_and_skipped() -> None:
    async with fake_ami() as fake:
        seen: list[str] = []

        def on_event(event: Event) -> None:
            seen.append(event.name)
            if event.name == "FullyBooted":
                raise RuntimeError("handler bug")

        client = AmiClient(fake.config(), on_event=on_event, timings=FAST)
        with capture_logs() as logs:
            async with running(client):
                await client.wait_connected(2)
                fake.writers[0].write(b"this line has no colon\r\n\r\nEvent: Later\r\nA: b\r\n\r\n")
                await eventually(lambda: "Later" in seen)
                assert (await client.execute(builders.ping("x"))).ok
    events = [log["event"] for log in logs]
    assert "ami.protocol_violation" in events and "ami.event_handler_failed" in events
    violation = next(log for log in logs if log["event"] == "ami.protocol_violation")
    assert violation["reason"] == "missing-colon"


async def test_the_secret_never_reaches_logs_or_reprs_even_when_the_login_is_refused() -> None:
    async with fake_ami() as fake:
        fake.login_refusal = "Authentication failed"
        client, _ = make_client(fake)
        with capture_logs() as logs:
            async with running(client):
                await eventually(lambda: fake.logins >= 2)
            fake.login_refusal = None
            async with running(client):
                await client.wait_connected(2)
                fake.cut()
                await eventually(lambda: fake.logins >= 4)
                text = repr(client)
    assert SECRET.encode() in fake.raw_received, (
        "the fake did receive it, so the check means something"
    )
    assert any(log["event"] == "ami.login_failed" for log in logs)
    assert SECRET not in repr(logs) and SECRET not in str(logs)
    assert SECRET not in text and SECRET not in repr(fake.config())
    assert SECRET not in repr(builders.login("x", username="cti", secret=SECRET))
