"""The IVR on Asterisk, byte by byte: a test plays Asterisk over a real FastAGI socket."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import structlog
from structlog.testing import capture_logs

from cti.asterisk.agi_server import AgiServer
from cti.clock import ManualClock
from ivr.agi_runtime import AgiRuntime
from ivr.driver import SessionRecord
from ivr.lookups import nobody
from ivr.schema import parse_flow
from ivr.state import Bundle, CallWebhook, Fetched
from tests.fake_agi import FakeAsterisk
from tests.support import until

FLOW = parse_flow(
    {
        "name": "main-menu",
        "start": "menu",
        "nodes": {
            "menu": {"type": "menu", "prompt": "main-menu", "options": {"2": {"target": "account",
                     "label": "Billing"}}, "variable": "IVR_MENU", "invalid": "support"},
            "account": {"type": "collect", "prompt": "enter-account", "variable": "IVR_ACCOUNT",
                        "label": "account", "min_digits": 4, "next": "support"},
            "support": {"type": "queue", "queue": "support"},
        },
    }
)  # fmt: skip


@pytest.fixture(autouse=True)
def default_structlog() -> None:
    structlog.reset_defaults()


class StubService:
    """The part of ``IvrService`` the runtime uses, without a database."""

    def __init__(self) -> None:
        self.records: list[SessionRecord] = []

    def bundle(self, name: str) -> Bundle | None:
        return Bundle(FLOW, 3) if name == "main-menu" else None

    def active_names(self) -> list[str]:
        return ["main-menu"]

    def on_activate(self, listener: object) -> None:
        pass

    async def record(self, record: SessionRecord) -> None:
        self.records.append(record)


async def failing_webhook(action: CallWebhook) -> Fetched:
    return Fetched(False)


@asynccontextmanager
async def ivr_server(route_mode: bool = False) -> AsyncIterator[tuple[AgiServer, StubService]]:
    service = StubService()
    runtime = AgiRuntime(
        service,  # type: ignore[arg-type]
        ManualClock(),
        nobody,
        failing_webhook,
        route_mode=route_mode,
    )
    server = AgiServer(host="127.0.0.1", port=0, environment_timeout=0.5)
    runtime.install(server)
    await server.start()
    try:
        yield server, service
    finally:
        await server.stop()


def digit(char: str) -> bytes:
    return f"200 result={ord(char)}\n".encode()


async def converse(pbx: FakeAsterisk, script: list[tuple[str, bytes]]) -> list[str]:
    sent = []
    for expected, reply in script:
        command = await pbx.command()
        sent.append(command)
        assert command == expected
        pbx.reply(reply)
    return sent


OK = b"200 result=1\n"
START = [
    ("ANSWER", b"200 result=0\n"),
    ('SET VARIABLE IVR_FLOW "main-menu@3"', OK),
    ('STREAM FILE main-menu "0123456789*#"', b"200 result=0 endpos=8000\n"),
    ("WAIT FOR DIGIT 5000", digit("2")),
    ('SET VARIABLE IVR_MENU "2"', OK),
    ('STREAM FILE enter-account "0123456789*#"', digit("1") + b""),
]


async def test_the_recorded_caller_presses_2_then_1234_hash_and_is_queued_with_the_variables() -> (
    None
):
    async with ivr_server() as (server, service):
        pbx = await FakeAsterisk.call(server.port)
        await converse(pbx, [*START,
            ("WAIT FOR DIGIT 5000", digit("2")),
            ("WAIT FOR DIGIT 5000", digit("3")),
            ("WAIT FOR DIGIT 5000", digit("4")),
            ("WAIT FOR DIGIT 5000", digit("#")),
            ('SET VARIABLE IVR_ACCOUNT "1234"', OK),
            ('SET VARIABLE IVR_SUMMARY "chose Billing, entered account 1234"', OK),
            ('SET VARIABLE IVR_OUTCOME "queue"', OK),
            ('SET VARIABLE QUEUE_SELECTED "support"', OK),
            # and nothing more: the dialplan queues the call (queueing here too queues it twice)
        ])  # fmt: skip
        assert await pbx.closed_by_server()
        pbx.close()
        await until(lambda: bool(service.records))
    record = service.records[0]
    assert (record.call_id, record.outcome, record.target) == ("1795479478.30", "queue", "support")
    assert record.path == ("menu", "account", "support")


async def test_in_route_mode_the_call_goes_to_the_holding_context() -> None:
    async with ivr_server(route_mode=True) as (server, service):
        pbx = await FakeAsterisk.call(server.port)
        await converse(pbx, [*START,
            ("WAIT FOR DIGIT 5000", digit("2")),
            ("WAIT FOR DIGIT 5000", digit("3")),
            ("WAIT FOR DIGIT 5000", digit("4")),
            ("WAIT FOR DIGIT 5000", digit("#")),
            ('SET VARIABLE IVR_ACCOUNT "1234"', OK),
            ('SET VARIABLE IVR_SUMMARY "chose Billing, entered account 1234"', OK),
            ('SET VARIABLE IVR_OUTCOME "queue"', OK),
            ('SET VARIABLE QUEUE_SELECTED "support"', OK),
            ("SET CONTEXT switchboard-hold", b"200 result=0\n"),
            ("SET EXTENSION support", b"200 result=0\n"),
            ("SET PRIORITY 1", b"200 result=0\n"),
        ])  # fmt: skip
        assert await pbx.closed_by_server()
        pbx.close()
        await until(lambda: bool(service.records))
    assert service.records[0].outcome == "queue"


@pytest.mark.parametrize(
    "hangup",
    [
        b"HANGUP\n",
        b"511 Command Not Permitted on a dead channel or intercept routine\n",
        b"200 result=-1\n",
        b"",  # the connection just closes
    ],
    ids=["HANGUP", "511", "result-1", "eof"],
)
async def test_a_caller_hanging_up_mid_flow_is_recorded_where_they_left_and_nothing_crashes(
    hangup: bytes,
) -> None:
    async with ivr_server() as (server, service):
        with capture_logs() as logs:
            pbx = await FakeAsterisk.call(server.port)
            await converse(pbx, START)
            assert await pbx.command() == "WAIT FOR DIGIT 5000"
            if hangup:
                pbx.reply(hangup)
            else:
                pbx.writer.write_eof()
            await until(lambda: bool(service.records))
            pbx.close()
            # the server takes the next caller as if nothing happened
            second = await FakeAsterisk.call(server.port)
            assert await second.command() == "ANSWER"
            second.reply(b"HANGUP\n")
            await until(lambda: len(service.records) == 2)
            second.close()
    first = service.records[0]
    assert (first.outcome, first.last_node) == ("caller-hangup", "account")
    assert dict(first.variables)["IVR_MENU"] == "2" and first.summary == "chose Billing"
    assert service.records[1].outcome == "caller-hangup"
    assert not any(log["log_level"] in ("error", "critical") for log in logs)


async def test_a_missing_prompt_file_is_skipped_and_the_menu_still_waits_for_a_digit() -> None:
    async with ivr_server() as (server, service):
        with capture_logs() as logs:
            pbx = await FakeAsterisk.call(server.port)
            await converse(pbx, [
                ("ANSWER", b"200 result=0\n"),
                ('SET VARIABLE IVR_FLOW "main-menu@3"', OK),
                ('STREAM FILE main-menu "0123456789*#"', b"200 result=-1 endpos=0\n"),
                ("WAIT FOR DIGIT 5000", b"HANGUP\n"),
            ])  # fmt: skip
            await until(lambda: bool(service.records))
            pbx.close()
    assert (service.records[0].outcome, service.records[0].last_node) == ("caller-hangup", "menu")
    assert any(log["event"] == "ivr.prompt_missing" for log in logs)


async def test_a_caller_still_in_the_menu_when_the_server_stops_is_recorded_as_interrupted() -> (
    None
):
    async with ivr_server() as (server, service):
        pbx = await FakeAsterisk.call(server.port)
        await converse(pbx, START[:3])
        assert await pbx.command() == "WAIT FOR DIGIT 5000"  # and the caller never presses
    pbx.close()
    assert [(r.outcome, r.last_node) for r in service.records] == [("interrupted", "menu")]
