"""Replays drive the real ``AsteriskTelephony`` over a ``CaptureLink``, as the server would.

Each test watches a part of the adapter that only the adapter has (its channel index, its
commands, its resync) while a recorded Asterisk 22 capture plays.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from cti.asterisk.adapter import AsteriskTelephony, build_adapter
from cti.asterisk.ami import builders
from cti.asterisk.capture import CaptureLine
from cti.asterisk.capture_link import CaptureLink, NotInCapture
from cti.asterisk.link import AmiConnectionLost, AmiNotConnected
from cti.replay import Replay, read_capture
from cti.replay.run import RECORDED_CONFIG, RECORDED_DIALPLAN
from cti.telephony import commands as cmd
from cti.telephony import events as ev

CAPTURES = Path(__file__).parent / "fixtures" / "asterisk"
TOM = "1795479449.22"  # the caller of transfer.jsonl
TOMS_CHANNEL = "Local/40@callers-0000000b;1"


def lines_of(name: str) -> list[CaptureLine]:
    return read_capture(CAPTURES / f"{name}.jsonl")


async def play(replay: Replay, lines: list[CaptureLine]) -> None:
    for line in lines:
        replay.play(line)
        await asyncio.sleep(0)
        await asyncio.sleep(0)


def first_send(lines: list[CaptureLine], action: str) -> int:
    return next(
        i
        for i, line in enumerate(lines)
        if line.direction == "send" and line.raw.startswith(f"Action: {action}\r\n")
    )


def test_the_call_engine_is_given_the_adapter_the_server_builds_over_the_capture() -> None:
    replay = Replay(lines_of("inbound_answered"))
    assert type(replay.adapter) is AsteriskTelephony
    assert replay.adapter.link is replay.link and replay.centre.port is replay.port
    assert replay.port.port is replay.adapter


async def test_the_adapters_channel_index_follows_the_recorded_channels() -> None:
    lines = lines_of("transfer")
    replay = Replay(lines)
    await replay.adapter.start()
    redirect = first_send(lines, "Redirect")
    await play(replay, lines[:redirect])
    assert replay.adapter.channels.channel(TOM) == TOMS_CHANNEL
    assert len(replay.adapter.channels) == 4  # the calls and legs up before the transfer
    await play(replay, lines[redirect:])
    await replay.adapter.stop()
    assert len(replay.adapter.channels) == 0  # every channel hung up by the end
    assert [line.queue for line in replay.log] == ["sales", "support"]


async def test_a_transfer_in_replay_sends_the_recorded_redirect_and_gets_its_answer() -> None:
    lines = lines_of("transfer")
    replay = Replay(lines)
    await replay.adapter.start()
    redirect = first_send(lines, "Redirect")
    await play(replay, lines[:redirect])
    transfer = asyncio.create_task(replay.port.execute(cmd.Transfer(TOM, "support", "queue")))
    await asyncio.sleep(0)
    await play(replay, lines[redirect:])
    assert await asyncio.wait_for(transfer, 5) is None
    await replay.adapter.stop()
    (sent,) = replay.link.sent
    assert sent.to_bytes() == lines[redirect].raw.encode()  # byte for byte, ActionID too
    (_, action, result), *_ = [a for a in replay.link.answered if a[1].name == "Redirect"]
    assert action is sent and result.ok


async def test_joining_a_busy_pbx_the_adapter_resyncs_and_learns_every_channel() -> None:
    lines = lines_of("join_busy")
    replay = Replay(lines)
    await replay.adapter.start()
    done = next(i for i, x in enumerate(lines) if "QueueStatusComplete" in x.raw)
    await play(replay, lines[: done + 1])
    assert [a.name for a in replay.link.sent] == ["CoreShowChannels", "QueueStatus"]
    assert len(replay.adapter.channels) == 34  # the CoreShowChannels ListItems
    assert len(replay.resyncs) == 1
    await replay.adapter.stop()


def test_a_capture_with_no_resync_after_its_login_gives_the_adapters_resync_nothing() -> None:
    with capture_logs() as logs:
        replay = asyncio.run(Replay(lines_of("inbound_answered")).run())
    (failed,) = [entry for entry in logs if entry["event"] == "ami.on_connected_failed"]
    assert "CoreShowChannels: the capture holds no answer to it here" in failed["error"]
    assert replay.link.sent == [] and replay.resyncs == [] and replay.link.logins == 1


def synthetic(*lines: tuple[float, str, str]) -> list[CaptureLine]:
    return [CaptureLine(t, direction, raw) for t, direction, raw in lines]


LOGIN = [
    (0.0, "recv", "Asterisk Call Manager/11.0.0\r\n"),
    (0.1, "send", "Action: Login\r\nActionID: cap-1\r\nUsername: cti\r\n\r\n"),
    (
        0.2,
        "recv",
        "Response: Success\r\nActionID: cap-1\r\nMessage: Authentication accepted\r\n\r\n",
    ),
]


async def test_an_action_still_waiting_when_the_recording_disconnects_fails_as_lost() -> None:
    link = CaptureLink(synthetic(*LOGIN, (1.0, "disconnect", "")))
    for line in link.lines[:3]:
        link.play(line)
    assert link.connected
    ping = asyncio.create_task(link.execute(builders.ping))
    await asyncio.sleep(0)
    link.play(link.lines[3])
    with pytest.raises(AmiConnectionLost):
        await asyncio.wait_for(ping, 5)
    with pytest.raises(AmiNotConnected):
        await link.execute(builders.ping)
    await link.stop()


async def test_an_action_the_recording_client_did_not_send_next_fails_as_not_in_capture() -> None:
    hangup = (0.5, "send", "Action: Hangup\r\nActionID: cap-2\r\nChannel: Local/1@x-1;1\r\n\r\n")
    answer = (
        0.6,
        "recv",
        "Response: Success\r\nActionID: cap-2\r\nMessage: Channel Hungup\r\n\r\n",
    )
    link = CaptureLink(synthetic(*LOGIN, hangup, answer))
    for line in link.lines[:3]:
        link.play(line)
    ping = asyncio.create_task(link.execute(builders.ping))
    await asyncio.sleep(0)
    link.play(link.lines[3])
    with pytest.raises(NotInCapture) as refused:
        await asyncio.wait_for(ping, 5)
    assert refused.value.status == 502 and "Ping" in refused.value.message
    late = asyncio.create_task(link.execute(builders.hangup("x", channel="Local/1@x-1;1")))
    await asyncio.sleep(0)
    link.play(link.lines[4])  # the hangup was sent before it was asked: still claimable
    assert (await asyncio.wait_for(late, 5)).response.message == "Channel Hungup"
    await link.stop()


async def test_the_adapters_connect_outcome_handling_runs_on_a_capture() -> None:
    """A ConnectAgent's Originate gets the capture's answer, and the OriginateResponse of the
    leg it named (ChannelId) answers the call: the adapter's own bookkeeping, not the
    normaliser's."""
    caller = (
        "Event: Newchannel\r\nChannel: Local/1@callers-0001;1\r\n"
        "Uniqueid: 1800000000.1\r\nLinkedid: 1800000000.1\r\n\r\n"
    )
    originate = "Action: Originate\r\nActionID: cap-2\r\nChannel: Local/1001@agents\r\n\r\n"
    queued = (
        "Response: Success\r\nActionID: cap-2\r\nMessage: Originate successfully queued\r\n\r\n"
    )
    lines = synthetic(
        *LOGIN, (0.3, "recv", caller), (0.5, "send", originate), (0.6, "recv", queued)
    )
    link = CaptureLink(lines)
    adapter = build_adapter(RECORDED_CONFIG, link, link.clock, dialplan=RECORDED_DIALPLAN)
    events: list[ev.TelephonyEvent] = []
    adapter.subscribe(events.append)
    await adapter.start()
    for line in lines[:4]:
        link.play(line)
    await asyncio.sleep(0)  # the resync asks CoreShowChannels; the capture's next is Originate
    connect = cmd.ConnectAgent("1800000000.1", "1001", "sales", ring_timeout=12)
    ringing = asyncio.create_task(adapter.execute(connect))
    await asyncio.sleep(0)
    for line in lines[4:]:
        link.play(line)
    await asyncio.wait_for(ringing, 5)
    (sent,) = link.sent
    assert "SB_CALLER_CHANNEL=Local/1@callers-0001;1" in sent.headers.get_all("Variable")
    leg = sent.headers.get("ChannelId")
    assert leg is not None and leg.startswith("switchboard-")
    assert sent.headers.get("Channel") == "Local/1001@agents"
    answered = f"Event: OriginateResponse\r\nResponse: Success\r\nUniqueid: {leg}\r\n\r\n"
    link.play(CaptureLine(1.5, "recv", answered))
    await adapter.stop()
    calls = [e for e in events if e.call_id == "1800000000.1"]
    assert [type(e).__name__ for e in calls] == ["AgentRinging", "CallAnswered"]
    assert calls[-1] == ev.CallAnswered("1800000000.1", link.clock.now(), "1001", "sales")
