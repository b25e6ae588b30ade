"""The Asterisk adapter end to end over a socket: commands in, the recorded AMI bytes out.

``FakeAmi`` (see ``tests.fake_ami``) answers with what Asterisk 22 answered in the captures;
the bytes the adapter sends are compared with the bytes the recording client sent. The
normaliser is a small recording stand-in: normalisation is tested elsewhere.
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import structlog
from structlog.testing import capture_logs

from cti.asterisk.adapter import AsteriskTelephony, Dialplan
from cti.asterisk.ami import ActionResult, Event
from cti.asterisk.client import AmiActionFailed, AmiClient, AmiTimings
from cti.asterisk.resync import RoutedLegs
from cti.clock import ManualClock
from cti.telephony import commands as cmd
from cti.telephony import events as ev
from cti.telephony.errors import NoSuchCall, NotSupported, TelephonyError
from tests.fake_ami import CAPTURES, FakeAmi, eventually

TIMINGS = AmiTimings(action_timeout=1.0, ping_interval=30.0, backoff_initial=0.02)
# The dialplan of the recordings (tests/fixtures/asterisk/config).
RECORDED = Dialplan(
    agent_channel="Local/{agent}@agents",
    customer_dial="Local/{number}@callers",
    member_interface="Local/{agent}@agents/n",
    member_state_interface="Local/{agent}@agents",
    queue_context="inbound",
    caller_id='"Outbound" <+18005550000>',
    dial_timeout=30,
    agent_ring_timeout=20,
)


@pytest.fixture(autouse=True)
def default_structlog() -> None:
    """Start from structlog's defaults: a test that ran ``cti.logs.configure()`` leaves it
    printing, cached, to a capture stream pytest has since closed."""
    structlog.reset_defaults()


class RecordingNormaliser:
    """Stands in for ``AmiNormaliser``: one ``CallVariables`` per ``Newchannel``."""

    def __init__(self) -> None:
        self.fed: list[tuple[str, float]] = []
        self.resyncs: list[tuple[ActionResult, ActionResult, float]] = []
        self.lost_at: list[float | None] = []  # each resync's ``pbx_lost_at``

    def feed(self, event: Event, now: float) -> list[ev.TelephonyEvent]:
        self.fed.append((event.name, now))
        if event.name != "Newchannel":
            return []
        return [
            ev.CallVariables(
                event.get("Uniqueid") or "", now, (("channel", event.get("Channel") or ""),)
            )
        ]

    def resync(
        self,
        channels: ActionResult,
        queue_status: ActionResult,
        now: float,
        *,
        pbx_lost_at: float | None = None,
        routed: RoutedLegs | None = None,
    ) -> list[ev.TelephonyEvent]:
        self.resyncs.append((channels, queue_status, now))
        self.lost_at.append(pbx_lost_at)
        return [ev.CallQueued("resynced", now, "loadq")]

    def agent_ringing(
        self, call_id: str, agent: str, leg: str, queue: str | None, now: float
    ) -> list[ev.TelephonyEvent]:
        return [ev.AgentRinging(call_id, now, agent, queue)]

    def agent_rang_out(
        self,
        call_id: str,
        agent: str,
        leg: str,
        queue: str | None,
        now: float,
        *,
        ring_seconds: float,
        failed: bool,
    ) -> list[ev.TelephonyEvent]:
        return [ev.AgentRingNoAnswer(call_id, now, agent, queue, ring_seconds, failed=failed)]

    def agent_connected(
        self, call_id: str, agent: str, leg: str, queue: str | None, now: float
    ) -> list[ev.TelephonyEvent]:
        return [ev.CallAnswered(call_id, now, agent, queue)]


class Rig:
    def __init__(self, fake: FakeAmi, dialplan: Dialplan) -> None:
        self.fake = fake
        self.clock = ManualClock(1_795_479_449.0)
        self.normaliser = RecordingNormaliser()
        self.events: list[ev.TelephonyEvent] = []
        self.client = AmiClient(fake.config(), timings=TIMINGS, rng=random.Random(3))
        self.adapter = AsteriskTelephony(
            self.client, self.normaliser, self.clock, dialplan=dialplan, rng=random.Random(3)
        )
        self.adapter.subscribe(self.events.append)

    def sent(self, name: str) -> list[bytes]:
        return [
            without_action_id(raw)
            for raw in self.fake.raw_actions
            if raw.startswith(f"Action: {name}\r\n".encode())
        ]

    async def play(self, capture: str, until: float) -> None:
        """Push the capture's unsolicited events up to ``until`` s and wait until all are fed."""
        events = []
        for line in (CAPTURES / capture).read_text().splitlines():
            record = json.loads(line)
            if (
                record["t"] <= until
                and record["dir"] == "recv"
                and record["raw"].startswith("Event:")
            ):
                events.append(record["raw"].encode())
        expected = len(self.normaliser.fed) + len(events)
        self.fake.writers[-1].write(b"".join(events))
        await eventually(lambda: len(self.normaliser.fed) >= expected)


def without_action_id(raw: bytes) -> bytes:
    return b"".join(
        line for line in raw.splitlines(keepends=True) if not line.startswith(b"ActionID: ")
    )


def recorded(capture: str, name: str) -> list[bytes]:
    lines = [json.loads(line) for line in (CAPTURES / capture).read_text().splitlines()]
    prefix = f"Action: {name}\r\n"
    return [
        without_action_id(r["raw"].encode())
        for r in lines
        if r["dir"] == "send" and r["raw"].startswith(prefix)
    ]


@asynccontextmanager
async def rig(capture: str, dialplan: Dialplan = RECORDED) -> AsyncIterator[Rig]:
    fake = FakeAmi(capture)
    await fake.start()
    setup = Rig(fake, dialplan)
    await setup.adapter.start()
    try:
        await eventually(lambda: bool(setup.normaliser.resyncs))
        yield setup
    finally:
        await setup.adapter.stop()
        await fake.close()


async def test_click_to_dial_sends_the_recorded_originate_agent_leg_first_with_its_variables() -> (
    None
):
    async with rig("click_to_dial.jsonl") as r:
        call_id = await r.adapter.execute(
            cmd.Originate("1002", "15", (("CRM_CUSTOMER_ID", "C-1042"), ("CAMPAIGN", "manual")))
        )
    [sent] = r.sent("Originate")
    [expected] = recorded("click_to_dial.jsonl", "Originate")
    assert f"ChannelId: {call_id}\r\n".encode() in sent
    assert sent.replace(f"ChannelId: {call_id}\r\n".encode(), b"") == expected
    assert expected.startswith(
        b"Action: Originate\r\nChannel: Local/1002@agents\r\nApplication: Dial\r\n"
    )
    assert call_id is not None and call_id.startswith("switchboard-1795479449.")


async def test_a_queue_transfer_is_the_recorded_redirect_of_the_callers_channel() -> None:
    async with rig("transfer.jsonl") as r:
        await r.play("transfer.jsonl", until=3.0)
        await r.adapter.execute(cmd.Hangup("1795479449.22"))
        # The fake answers the Redirect with the rest of the recording, the Hangup included.
        await r.adapter.execute(cmd.Transfer("1795479449.22", "support", "queue"))
    assert r.sent("Redirect") == recorded("transfer.jsonl", "Redirect")
    assert r.sent("Hangup") == [b"Action: Hangup\r\nChannel: Local/40@callers-0000000b;1\r\n\r\n"]
    offered = [e for e in r.events if isinstance(e, ev.CallVariables)]
    assert offered[0].variables == (("channel", "Local/40@callers-0000000b;1"),)


async def test_member_management_sends_the_recorded_actions_and_refusals_carry_pbx_messages() -> (
    None
):
    async with rig("member_management.jsonl") as r:
        await r.adapter.queue_add("loadq", "2001", member_name="Erin Agent", penalty=1)
        await r.adapter.queue_pause("2001", True, queue="loadq", reason="Coaching")
        await r.adapter.queue_penalty("loadq", "2001", 3)
        await r.adapter.queue_pause("2001", False, queue="loadq")
        await r.adapter.queue_remove("loadq", "2001")
        with pytest.raises(TelephonyError) as not_there:
            await r.adapter.queue_remove("loadq", "9999")
        with pytest.raises(AmiActionFailed) as no_queue:
            await r.adapter.queue_add("nosuchqueue", "2001")
    for name in ("QueuePause", "QueuePenalty", "QueueRemove"):
        assert r.sent(name) == recorded("member_management.jsonl", name)
    assert r.sent("QueueAdd")[0] == recorded("member_management.jsonl", "QueueAdd")[0]
    assert (
        not_there.value.message
        == "QueueRemove refused by the PBX: Unable to remove interface: Not there"
    )
    assert (not_there.value.status, not_there.value.error_id) == (404, "not-a-queue-member")
    assert (no_queue.value.status, no_queue.value.error_id) == (404, "no-such-queue")


async def test_dispatched_refusals_come_back_as_command_failed_events() -> None:
    async with rig("transfer.jsonl") as r:
        await r.play("transfer.jsonl", until=3.0)
        r.fake.refuse["redirect"] = "Channel does not exist: Local/40@callers-0000000b;1"
        transfer = cmd.Transfer("1795479449.22", "support", "queue")
        r.adapter.dispatch(transfer)
        r.adapter.dispatch(cmd.Hangup("no-such-call"))
        await eventually(lambda: sum(isinstance(e, ev.CommandFailed) for e in r.events) == 2)
    failed = {e.command_id: e for e in r.events if isinstance(e, ev.CommandFailed)}
    assert failed[transfer.command_id].error_id == "no-such-channel"
    assert failed[transfer.command_id].message.endswith(
        "Channel does not exist: Local/40@callers-0000000b;1"
    )
    assert [e.error_id for e in failed.values()].count("no-such-call") == 1


async def test_connect_agent_originates_the_agent_leg_into_the_bridge_context() -> None:
    async with rig("transfer.jsonl", Dialplan()) as r:
        await r.play("transfer.jsonl", until=3.0)
        await r.adapter.execute(cmd.ConnectAgent("1795479449.22", "1001", "sales", ring_timeout=15))
    (sent,) = r.sent("Originate")
    assert sent.startswith(
        b"Action: Originate\r\n"
        b"Channel: Local/1001@switchboard-agents/n\r\n"
        b"Context: switchboard-connect\r\nExten: bridge\r\nPriority: 1\r\n"
        b"Async: true\r\nTimeout: 15000\r\n"
    )
    assert b"\r\nChannelId: switchboard-" in sent
    assert sent.endswith(
        b"Variable: SB_CALLER_CHANNEL=Local/40@callers-0000000b;1\r\n"
        b"Variable: SB_CALL_ID=1795479449.22\r\n"
        b"Variable: SB_AGENT_ID=1001\r\n"
        b"Variable: SB_QUEUE=sales\r\n\r\n"
    )
    kinds = [type(e).__name__ for e in r.events if e.call_id == "1795479449.22"]
    assert "AgentRinging" in kinds


def originate_response(leg: str, outcome: str, reason: int) -> bytes:
    """An ``OriginateResponse`` shaped like the one in click_to_dial.jsonl."""
    return (
        f"Event: OriginateResponse\r\nPrivilege: call,all\r\nResponse: {outcome}\r\n"
        f"Channel: Local/1001@switchboard-agents/n\r\nContext: switchboard-connect\r\n"
        f"Exten: bridge\r\nReason: {reason}\r\nUniqueid: {leg}\r\n"
        f"CallerIDNum: <unknown>\r\nCallerIDName: <unknown>\r\n\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("outcome", "reason", "expected"),
    [("Success", 4, "CallAnswered"), ("Failure", 3, "AgentRingNoAnswer")],
    ids=["agent-answers", "agent-does-not-answer"],
)
async def test_the_agent_legs_originate_response_says_whether_the_agent_answered(
    outcome: str, reason: int, expected: str
) -> None:
    async with rig("transfer.jsonl", Dialplan()) as r:
        await r.play("transfer.jsonl", until=3.0)
        await r.adapter.execute(cmd.ConnectAgent("1795479449.22", "1001", "sales", ring_timeout=15))
        (sent,) = r.sent("Originate")
        leg = sent.split(b"ChannelId: ")[1].split(b"\r\n")[0].decode()
        r.fake.writers[-1].write(originate_response(leg, outcome, reason))
        await eventually(lambda: type(r.events[-1]).__name__ == expected)
    last = r.events[-1]
    assert (last.call_id, getattr(last, "agent_id", None)) == ("1795479449.22", "1001")


@pytest.mark.parametrize(
    "command",
    [
        cmd.Hold("1795479449.22", True),
        cmd.Answer("1795479449.22", "1001"),
        cmd.Transfer("1795479449.22", "x", "voicemail"),
    ],
    ids=["hold", "answer", "transfer-kind"],
)
async def test_what_plain_ami_cannot_do_is_refused_as_not_supported_and_nothing_is_sent(
    command: Any,
) -> None:
    async with rig("transfer.jsonl") as r:
        before = len(r.fake.raw_actions)
        with pytest.raises(NotSupported) as caught:
            await r.adapter.execute(command)
        assert len(r.fake.raw_actions) == before
    assert caught.value.status == 501 and caught.value.error_id == "not-supported-by-pbx"


async def test_every_connection_resyncs_and_prunes_channels_that_ended_while_down() -> None:
    async with rig("member_management.jsonl") as r:
        r.fake.writers[-1].write(
            b"Event: Newchannel\r\nChannel: PJSIP/alice-00000001\r\nUniqueid: 42.1\r\n\r\n"
        )
        await eventually(lambda: any(name == "Newchannel" for name, _ in r.normaliser.fed))
        r.fake.cut()
        await eventually(lambda: len(r.normaliser.resyncs) == 2)
        with pytest.raises(NoSuchCall):
            await r.adapter.execute(cmd.Hangup("42.1"))
    channels, queues, now = r.normaliser.resyncs[1]
    assert channels.complete is not None and channels.complete.name == "CoreShowChannelsComplete"
    assert queues.complete is not None and queues.complete.name == "QueueStatusComplete"
    assert now == r.clock.now()
    assert [e for e in r.events if isinstance(e, ev.CallQueued)] == [
        ev.CallQueued("resynced", now, "loadq")
    ] * 2


@pytest.mark.parametrize("restarted", [True, False])
async def test_a_resync_after_the_pbx_restarted_says_when_the_link_was_lost(
    restarted: bool,
) -> None:
    """A new start-up time in ``CoreStatus`` means the PBX restarted while the link was down:
    its calls died when the link dropped, not when we got back."""
    fake = FakeAmi("member_management.jsonl")
    fake.started = "2026-12-01 09:00:00"
    await fake.start()
    r = Rig(fake, RECORDED)
    await r.adapter.start()
    try:
        await eventually(lambda: len(r.normaliser.resyncs) == 1)
        await fake.close()  # the PBX dies: the link drops at once
        await eventually(lambda: not r.adapter.connected)
        lost = r.clock.now()
        r.clock.advance(7.0)  # the outage
        fake.started = "2026-12-01 09:00:05" if restarted else fake.started
        await fake.start(fake.port)
        await eventually(lambda: len(r.normaliser.resyncs) == 2)
    finally:
        await r.adapter.stop()
        await fake.close()
    assert r.normaliser.lost_at == [None, lost if restarted else None]
    assert r.normaliser.resyncs[1][2] == lost + 7.0


async def test_a_subscriber_that_crashes_does_not_starve_the_others() -> None:
    async with rig("transfer.jsonl") as r:

        def broken(event: ev.TelephonyEvent) -> None:
            raise RuntimeError("subscriber bug")

        later: list[ev.TelephonyEvent] = []
        r.adapter.subscribe(broken)
        r.adapter.subscribe(later.append)
        with capture_logs() as logs:
            await r.play("transfer.jsonl", until=0.01)
    assert later, "the subscriber after the broken one got every event"
    assert any(log["event"] == "telephony.handler_failed" for log in logs)
