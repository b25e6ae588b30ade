"""FastAGI at the byte level: the sans-IO core, then the server over a real loopback socket.

A test plays Asterisk: it connects to the server, sends the environment and answers each
command line with the reply bytes Asterisk would send. The flow in the IVR test is the one
recorded in ``ivr_fastagi.jsonl`` (its ``AGIExecStart`` commands, in order).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import structlog
from hypothesis import given
from hypothesis import strategies as st
from structlog.testing import capture_logs

from cti.asterisk.agi import (
    AgiDeadChannel,
    AgiEnvironment,
    AgiHangup,
    AgiInvalidCommand,
    AgiProtocol,
    AgiProtocolError,
    AgiResult,
    AgiUsageError,
    AgiViolation,
    HangupNotice,
)
from cti.asterisk.agi_server import AgiServer, AgiSession
from tests.fake_agi import ENVIRONMENT, FakeAsterisk
from tests.support import until

CAPTURES = Path(__file__).parent / "fixtures" / "asterisk"
USAGE = (
    b"520-Invalid command syntax.  Proper usage follows:\n"
    b" Usage: WAIT FOR DIGIT <timeout>\n"
    b"        Waits up to 'timeout' milliseconds for channel to receive a DTMF digit.\n"
    b"520 End of proper usage.\n"
)


@pytest.fixture(autouse=True)
def default_structlog() -> None:
    """Start from structlog's defaults: a test that ran ``cti.logs.configure()`` leaves it
    printing, cached, to a capture stream pytest has since closed."""
    structlog.reset_defaults()


def feed(protocol: AgiProtocol, data: bytes) -> list[object]:
    protocol.receive_data(data)
    return list(protocol.events_received())


def test_the_environment_is_read_whatever_the_split_and_routes_by_network_script() -> None:
    for size in (1, 7, len(ENVIRONMENT)):
        protocol = AgiProtocol()
        items: list[object] = []
        for start in range(0, len(ENVIRONMENT), size):
            items += feed(protocol, ENVIRONMENT[start : start + size])
        assert items == [protocol.environment]
    env = protocol.environment
    assert env is not None
    assert (env.flow, env.uniqueid, env.caller_number) == (
        "main-menu",
        "1795479478.30",
        "+13125550142",
    )
    assert env.get("agi_accountcode") == "" and env.get("calleridname") == "Ivy Menu"
    assert env.arguments == ("fr",)


def test_the_flow_comes_from_the_request_when_network_script_is_missing() -> None:
    env = AgiEnvironment((("request", "agi://pbx:4573/sales/after-hours?lang=fr"),))
    assert (env.network_script, env.flow) == ("sales/after-hours?lang=fr", "sales/after-hours")


def test_replies_are_typed_200_with_data_510_511_and_the_multiline_520_usage() -> None:
    protocol = AgiProtocol()
    feed(protocol, ENVIRONMENT)
    replies = []
    for reply in (
        b"200 result=50 (timeout)\n",
        b"200 result=0 endpos=8000\r\n",
        b"510 Invalid or unknown command\n",
        b"511 Command Not Permitted on a dead channel or intercept routine\n",
        USAGE,
    ):
        protocol.send_command("NOOP")
        assert protocol.data_to_send() == b"NOOP\n"
        replies += feed(protocol, reply)
    assert replies == [
        AgiResult(200, "50", "timeout", (), "result=50 (timeout)"),
        AgiResult(200, "0", None, (("endpos", "8000"),), "result=0 endpos=8000"),
        AgiResult(510, message="Invalid or unknown command"),
        AgiResult(511, message="Command Not Permitted on a dead channel or intercept routine"),
        AgiResult(
            520,
            message=" Usage: WAIT FOR DIGIT <timeout>\n"
            "        Waits up to 'timeout' milliseconds for channel to receive a DTMF digit.",
        ),
    ]


def test_hangup_lines_and_stray_replies_are_reported_not_raised() -> None:
    protocol = AgiProtocol()
    feed(protocol, ENVIRONMENT)
    items = feed(protocol, b"HANGUP\n200 result=1\nnonsense\n")
    assert items[0] == HangupNotice()
    assert [(v.reason, v.detail) for v in items[1:] if isinstance(v, AgiViolation)] == [
        ("bad-reply", "a reply to no command"),
        ("bad-reply", "not a reply"),
    ]


def test_the_core_refuses_misuse_with_its_own_errors() -> None:
    protocol = AgiProtocol()
    with pytest.raises(AgiProtocolError):
        protocol.send_command("ANSWER")  # no environment yet
    feed(protocol, ENVIRONMENT)
    with pytest.raises(AgiProtocolError):
        protocol.send_command('SET VARIABLE A "1"\nHANGUP')
    protocol.send_command("ANSWER")
    with pytest.raises(AgiProtocolError):
        protocol.send_command("ANSWER")


@given(st.binary(max_size=300))
def test_any_bytes_give_an_environment_or_a_failed_session_never_an_exception(data: bytes) -> None:
    protocol = AgiProtocol(max_line_length=128, max_environment_lines=8)
    protocol.receive_data(data)
    protocol.receive_eof()
    items = protocol.events_received()
    assert all(
        isinstance(i, AgiEnvironment | AgiResult | HangupNotice | AgiViolation) for i in items
    )
    if protocol.failed:
        assert protocol.environment is None
        assert any(isinstance(i, AgiViolation) for i in items)


@given(st.binary(max_size=300))
def test_any_bytes_after_a_command_are_typed_replies_hangups_or_violations(data: bytes) -> None:
    protocol = AgiProtocol(max_line_length=128)
    protocol.receive_data(ENVIRONMENT)
    protocol.events_received()
    protocol.send_command("WAIT FOR DIGIT 5000")
    protocol.receive_data(data)
    items = protocol.events_received()
    assert all(isinstance(i, AgiResult | HangupNotice | AgiViolation) for i in items)
    assert sum(isinstance(i, AgiResult) for i in items) <= 1, "one command, at most one reply"


# Over a real socket


@asynccontextmanager
async def agi_server(**flows: Callable[[AgiSession], Awaitable[None]]) -> AsyncIterator[AgiServer]:
    server = AgiServer(host="127.0.0.1", port=0, environment_timeout=0.5)
    for name, handler in flows.items():
        server.route(name.replace("_", "-"), handler)
    await server.start()
    try:
        yield server
    finally:
        await asyncio.wait_for(server.stop(), 2)


def recorded_commands() -> list[str]:
    commands = []
    for line in (CAPTURES / "ivr_fastagi.jsonl").read_text().splitlines():
        raw = json.loads(line)["raw"]
        if raw.startswith("Event: AGIExecStart"):
            commands += [h[9:] for h in raw.split("\r\n") if h.startswith("Command: ")]
    return commands


async def main_menu(session: AgiSession) -> None:
    """The recorded IVR: a menu digit, then an account number ended by #."""
    menu = await session.wait_for_digit(5000)
    account = ""
    while (digit := await session.wait_for_digit(5000)) not in ("#", ""):
        account += digit
    await session.set_variable("IVR_MENU", menu)
    await session.set_variable("IVR_ACCOUNT", account)
    await session.set_variable("QUEUE_SELECTED", "support" if menu == "2" else "sales")
    await session.verbose("ivr done", 1)


async def test_the_recorded_ivr_flow_sends_the_recorded_commands_byte_for_byte() -> None:
    async with agi_server(main_menu=main_menu) as server:
        pbx = await FakeAsterisk.call(server.port)
        sent = []
        for digit in "21234#":
            sent.append(await pbx.command())
            pbx.reply(f"200 result={ord(digit)}\n".encode())
        for _ in range(4):
            sent.append(await pbx.command())
            pbx.reply(b"200 result=1\n")
        assert await pbx.closed_by_server()
        pbx.close()
    assert sent == recorded_commands()


async def test_results_with_data_and_the_refusal_codes_reach_the_handler() -> None:
    outcomes: list[object] = []

    async def probe(session: AgiSession) -> None:
        outcomes.append(await session.command("GET DATA beep 3000 4"))
        for bad in ("FROB", "ANSWER", "WAIT FOR DIGIT"):
            try:
                await session.command(bad)
            except (AgiInvalidCommand, AgiDeadChannel, AgiUsageError) as exc:
                outcomes.append(exc)

    async with agi_server(main_menu=probe) as server:
        pbx = await FakeAsterisk.call(server.port)
        assert await pbx.command() == "GET DATA beep 3000 4"
        pbx.reply(b"200 result=50 (timeout)\n")
        assert await pbx.command() == "FROB"
        pbx.reply(b"510 Invalid or unknown command\n")
        assert await pbx.command() == "ANSWER"
        pbx.reply(b"511 Command Not Permitted on a dead channel or intercept routine\n")
        assert await pbx.command() == "WAIT FOR DIGIT"
        pbx.reply(USAGE)
        assert await pbx.closed_by_server()
        pbx.close()
    result, invalid, dead, usage = outcomes
    assert result == AgiResult(200, "50", "timeout", (), "result=50 (timeout)")
    assert isinstance(invalid, AgiInvalidCommand) and invalid.code == 510
    assert isinstance(dead, AgiDeadChannel) and isinstance(dead, AgiHangup)
    assert isinstance(usage, AgiUsageError) and "Usage: WAIT FOR DIGIT <timeout>" in usage.usage


@pytest.mark.parametrize("how", [b"HANGUP\n", b""], ids=["hangup-line", "eof"])
async def test_a_caller_hanging_up_mid_flow_raises_agi_hangup_and_the_server_serves_on(
    how: bytes,
) -> None:
    seen: list[str] = []

    async def flow(session: AgiSession) -> None:
        try:
            await session.wait_for_digit(5000)
        except AgiHangup:
            seen.append("hangup")
            raise
        seen.append("no hangup")  # the second caller times out instead

    async with agi_server(main_menu=flow) as server:
        with capture_logs() as logs:
            pbx = await FakeAsterisk.call(server.port)
            assert await pbx.command() == "WAIT FOR DIGIT 5000"
            if how:
                pbx.reply(how)
                assert await pbx.closed_by_server()
            pbx.close()
            await until(lambda: server.sessions_served == 1)
            second = await FakeAsterisk.call(server.port)
            assert await second.command() == "WAIT FOR DIGIT 5000"
            second.reply(b"200 result=0\n")
            await until(lambda: server.sessions_served == 2)
            second.close()
    assert seen == ["hangup", "no hangup"]
    assert [log["event"] for log in logs].count("agi.caller_hung_up") == 1
    assert not any(log["log_level"] == "error" for log in logs)


async def test_a_hangup_before_a_command_makes_the_next_command_raise() -> None:
    seen: list[type[Exception]] = []

    async def flow(session: AgiSession) -> None:
        await asyncio.sleep(0.05)
        try:
            await session.answer()
        except AgiHangup as exc:
            seen.append(type(exc))

    async with agi_server(main_menu=flow) as server:
        pbx = await FakeAsterisk.call(server.port, ENVIRONMENT + b"HANGUP\n")
        assert await pbx.closed_by_server()
        pbx.close()
    assert seen == [AgiHangup]


GARBAGE = [
    b"\x00\xff\xfe garbage\n\n",
    b"agi_request agi://x/main-menu\n\n",
    b"AGI_REQUEST: agi://x/main-menu\n\n",
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    b"agi_network_script: " + b"x" * 20_000 + b"\n\n",
    b"agi_x: y\n" * 400 + b"\n",
]


@pytest.mark.parametrize("garbage", GARBAGE, ids=range(len(GARBAGE)))
async def test_a_garbage_environment_is_logged_and_the_session_closed_cleanly(
    garbage: bytes,
) -> None:
    ran: list[str] = []

    async def flow(session: AgiSession) -> None:
        ran.append(session.flow)  # only the well-formed session gets here

    async with agi_server(main_menu=flow) as server:
        with capture_logs() as logs:
            pbx = await FakeAsterisk.call(server.port, garbage)
            assert await pbx.closed_by_server()
            pbx.close()
            good = await FakeAsterisk.call(server.port)
            assert await good.closed_by_server()  # the flow returns at once
            good.close()
    assert ran == ["main-menu"]
    assert any(log["event"] == "agi.bad_environment" for log in logs)


async def test_unknown_flows_and_silent_peers_are_closed() -> None:
    async with agi_server() as server:
        with capture_logs() as logs:
            unknown = await FakeAsterisk.call(server.port)
            assert await unknown.closed_by_server()
            silent = await FakeAsterisk.call(server.port, b"agi_channel: x\n")
            assert await silent.closed_by_server()
            unknown.close()
            silent.close()
    events = [log["event"] for log in logs]
    assert "agi.unknown_flow" in events and "agi.no_environment" in events
