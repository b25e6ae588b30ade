"""Byte-level tests of the AMI core: recorded Asterisk 22 traffic in, typed messages out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cti.asterisk.ami import (
    Action,
    ActionIds,
    AmiProtocol,
    Banner,
    ConnectionClosedError,
    Event,
    HeaderInjectionError,
    Headers,
    InvalidActionError,
    InvalidHeaderError,
    MalformedMessageError,
    NotLoggedInError,
    ProtocolViolation,
    Received,
    Response,
    builders,
    parse,
    serialize,
)

CAPTURES = Path(__file__).parent / "fixtures" / "asterisk"


def connections(name: str) -> list[list[bytes]]:
    """The ``recv`` chunks of a capture, one list per TCP connection."""
    result: list[list[bytes]] = [[]]
    for line in (CAPTURES / name).read_text().splitlines():
        record = json.loads(line)
        if record["dir"] == "disconnect":
            result.append([])
        elif record["dir"] == "recv":
            result[-1].append(record["raw"].encode())
    return result


def sent(name: str) -> list[bytes]:
    lines = (CAPTURES / name).read_text().splitlines()
    return [r["raw"].encode() for r in map(json.loads, lines) if r["dir"] == "send"]


def feed(
    data: bytes, *, chunk: int = 0, expect_banner: bool = True, **limits: int
) -> list[Received]:
    protocol = AmiProtocol(expect_banner=expect_banner, **limits)
    step = chunk or max(len(data), 1)
    received: list[Received] = []
    for start in range(0, len(data), step):
        protocol.receive_data(data[start : start + step])
        received += protocol.messages_received()
    protocol.receive_eof()
    return received + protocol.messages_received()


def message(data: bytes) -> list[Received]:
    return feed(data, expect_banner=False)


MEMBER_MANAGEMENT = b"".join(connections("member_management.jsonl")[0])


def test_member_management_capture_parses_into_banner_responses_and_events() -> None:
    received = feed(MEMBER_MANAGEMENT)

    assert received[0] == Banner("11.0.0")
    assert [type(m).__name__ for m in received].count("Response") == 13
    assert [type(m).__name__ for m in received].count("Event") == 28
    assert received[1] == Response("cap-1", "Success", "Authentication accepted", Headers(), ())
    added = received[6]
    assert isinstance(added, Event) and added.name == "QueueMemberAdded"
    assert added.get("MemberName") == "Erin Agent"
    assert added.headers.get("membername") == "Erin Agent"
    assert added.headers["PausedReason"] == ""
    assert added.headers.get("Privilege") == "agent,all"
    assert "Event" not in added.headers


def test_the_two_failed_actions_come_back_as_error_responses_with_their_messages() -> None:
    errors = [m for m in feed(MEMBER_MANAGEMENT) if isinstance(m, Response) and not m.ok]

    assert [(e.action_id, e.status, e.message) for e in errors] == [
        ("cap-9", "Error", "Unable to remove interface: Not there"),
        ("cap-10", "Error", "Unable to add interface to queue: No such queue"),
    ]


def test_an_eventlist_response_keeps_eventlist_among_its_headers() -> None:
    status = next(m for m in feed(MEMBER_MANAGEMENT) if getattr(m, "action_id", 0) == "cap-5")

    assert isinstance(status, Response)
    assert status.message == "Queue status will follow"
    assert status.starts_event_list
    assert list(status.headers) == [("EventList", "start")]


def test_ping_response_carries_its_extra_headers() -> None:
    ping = next(m for m in feed(MEMBER_MANAGEMENT) if getattr(m, "action_id", 0) == "cap-11")

    assert isinstance(ping, Response) and ping.message is None
    assert ping.headers.get("Ping") == "Pong"
    assert ping.headers.get("Timestamp") == "1795479282.028130"


def test_feeding_a_capture_one_byte_at_a_time_gives_the_same_messages() -> None:
    assert feed(MEMBER_MANAGEMENT, chunk=1) == feed(MEMBER_MANAGEMENT)


def test_splitting_the_stream_in_two_at_every_byte_gives_the_same_messages() -> None:
    head = b"".join(connections("member_management.jsonl")[0][:8])
    expected = feed(head)
    for cut in range(len(head) + 1):
        protocol = AmiProtocol()
        protocol.receive_data(head[:cut])
        protocol.receive_data(head[cut:])
        protocol.receive_eof()
        assert protocol.messages_received() == expected, cut


@pytest.mark.parametrize("capture", sorted(p.name for p in CAPTURES.glob("*.jsonl")))
def test_every_message_asterisk_sent_in_a_capture_parses_with_no_violation(capture: str) -> None:
    for chunks in connections(capture):
        protocol = AmiProtocol()
        for chunk in chunks:
            protocol.receive_data(chunk)
            received = protocol.messages_received()
            assert len(received) == 1, chunk
            assert not isinstance(received[0], ProtocolViolation), received[0]
        protocol.receive_eof()
        assert protocol.messages_received() == []


def test_a_message_with_both_event_and_response_headers_is_the_event() -> None:
    (originate,) = message(
        b"Event: OriginateResponse\r\nActionID: cap-2\r\nResponse: Success\r\nReason: 4\r\n\r\n"
    )

    assert isinstance(originate, Event)
    assert originate.action_id == "cap-2"
    assert originate.get("Response") == "Success"


def test_header_lines_are_read_the_way_asterisk_writes_them() -> None:
    (event,) = message(
        b"Event: Test\r\nVariable: A=1\r\nvariable: B=2\r\nTime: 12:30:00\r\n"
        b"Tight:value\r\nPadded:  two spaces\r\nEmpty:\r\nStray: a\rb\nc\r\n\r\n"
    )

    assert isinstance(event, Event)
    assert event.headers.get("VARIABLE") == "A=1"
    assert event.headers.get_all("Variable") == ("A=1", "B=2")
    assert event.get("Time") == "12:30:00"
    assert event.get("Tight") == "value"
    assert event.get("Padded") == " two spaces"
    assert event.get("Empty") == ""
    assert event.get("Stray") == "a\rb\nc"
    assert event.get("Missing") is None
    assert event.headers.get("Missing", "-") == "-"
    assert len(event.headers) == 7


def test_blank_lines_between_messages_are_skipped() -> None:
    received = message(b"\r\n\r\nEvent: A\r\n\r\n\r\n\r\nEvent: B\r\n\r\n")

    assert [m.name for m in received if isinstance(m, Event)] == ["A", "B"]


def test_legacy_command_output_is_read_up_to_end_command() -> None:
    (response,) = message(
        b"Response: Follows\r\nPrivilege: Command\r\nActionID: 7\r\n"
        b"Channel              Location\n\nSIP/100-0001: Up\n1 active channel\n"
        b"--END COMMAND--\r\n\r\nEvent: Next\r\n\r\n"
    )[:1]

    assert response == Response(
        "7",
        "Follows",
        None,
        Headers([("Privilege", "Command")]),
        ("Channel              Location", "", "SIP/100-0001: Up", "1 active channel"),
    )


def test_legacy_command_output_parses_the_same_split_anywhere() -> None:
    stream = (
        b"Response: Follows\r\nPrivilege: Command\r\n\r\nline after a blank line\n"
        b"--END COMMAND--\r\n\r\nEvent: Next\r\n\r\n"
    )
    whole = feed(stream, expect_banner=False)

    assert whole == feed(stream, chunk=1, expect_banner=False)
    assert isinstance(whole[0], Response) and isinstance(whole[1], Event)
    assert whole[0].output == ("", "line after a blank line")


def test_modern_command_output_comes_as_output_headers() -> None:
    (response,) = message(
        b"Response: Success\r\nActionID: 8\r\nMessage: Command output follows\r\n"
        b"Output: Name: one\r\nOutput: two\r\n\r\n"
    )

    assert isinstance(response, Response)
    assert response.headers.get_all("Output") == ("Name: one", "two")


def test_a_line_without_a_colon_costs_that_message_and_nothing_more() -> None:
    received = message(b"Event: Broken\r\nno colon here\r\n\r\nEvent: Fine\r\n\r\n")

    assert received == [
        ProtocolViolation(
            "missing-colon", b"Event: Broken\r\nno colon here", "line 'no colon here' has no colon"
        ),
        Event("Fine", Headers()),
    ]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b": no name\r\nEvent: X", "empty-name"),
        (b"ActionID: 1\r\nMessage: headless", "no-event-or-response"),
    ],
)
def test_malformed_messages_are_reported_with_a_reason(raw: bytes, reason: str) -> None:
    received = message(raw + b"\r\n\r\nEvent: Fine\r\n\r\n")

    violation = received[0]
    assert isinstance(violation, ProtocolViolation)
    assert (violation.reason, violation.raw) == (reason, raw)
    assert received[1] == Event("Fine", Headers())


def test_invalid_utf8_is_reported_then_the_repaired_message_is_delivered() -> None:
    raw = b"Event: Hangup\r\nCallerIDName: M\xfcller\r\nUniqueid: 1.1"
    violation, event = message(raw + b"\r\n\r\n")

    assert isinstance(violation, ProtocolViolation) and violation.reason == "invalid-utf8"
    assert violation.raw == raw
    assert event == Event("Hangup", Headers([("CallerIDName", "M\ufffdller"), ("Uniqueid", "1.1")]))


def test_a_first_line_that_is_not_the_banner_is_reported() -> None:
    received = feed(b"SSH-2.0-OpenSSH\r\nEvent: A\r\n\r\n")

    assert received == [
        ProtocolViolation(
            "bad-banner",
            b"SSH-2.0-OpenSSH",
            "expected 'Asterisk Call Manager/', got 'SSH-2.0-OpenSSH'",
        ),
        Event("A", Headers()),
    ]


def test_a_message_cut_by_eof_is_reported_not_dropped() -> None:
    received = feed(b"Asterisk Call Manager/11.0.0\r\nEvent: Half\r\nUniq")

    assert received[-1] == ProtocolViolation(
        "incomplete-message", b"Event: Half\r\nUniq", "the connection closed mid-message"
    )


# Limits


def test_a_message_over_the_size_limit_is_reported_and_the_next_one_parses() -> None:
    big = b"Event: Big\r\n" + b"".join(b"H%d: %s\r\n" % (i, b"x" * 50) for i in range(100))
    stream = big + b"\r\nEvent: Next\r\n\r\n"

    for chunk in (0, 1, 7, 4096):
        received = feed(stream, chunk=chunk, expect_banner=False, max_message_size=1024)
        assert received == [
            ProtocolViolation("message-too-large", big[:1024], "longer than max_message_size"),
            Event("Next", Headers()),
        ], chunk


def test_memory_stays_bounded_when_the_peer_never_sends_a_blank_line() -> None:
    protocol = AmiProtocol(expect_banner=False, max_message_size=4096)
    for _ in range(2000):
        protocol.receive_data(b"Event: Flood\r\nX: " + b"y" * 1000 + b"\r\n")
        assert protocol.buffered_bytes <= 4096 + 3
    protocol.receive_data(b"\r\nEvent: After\r\n\r\n")

    violation, after = protocol.messages_received()
    assert isinstance(violation, ProtocolViolation) and violation.reason == "message-too-large"
    assert after == Event("After", Headers())


def test_a_line_over_the_line_limit_costs_its_message() -> None:
    long_line = b"Event: Long\r\nValue: " + b"v" * 300
    received = feed(
        long_line + b"\r\n\r\nEvent: Next\r\n\r\n", expect_banner=False, max_line_length=256
    )
    assert received[0] == ProtocolViolation("line-too-long", long_line, "a line over 256 bytes")
    assert received[1] == Event("Next", Headers())


def test_an_endless_first_line_is_reported_and_bounded() -> None:
    protocol = AmiProtocol(max_line_length=128)
    for _ in range(100):
        protocol.receive_data(b"z" * 100)
        assert protocol.buffered_bytes <= 129
    protocol.receive_data(b"\r\nEvent: A\r\n\r\n")

    received = protocol.messages_received()
    assert received[0] == ProtocolViolation("bad-banner", b"z" * 129, "first line too long")
    assert received[1:] == [Event("A", Headers())]


def test_parse_takes_exactly_one_well_formed_message() -> None:
    assert parse(b"Event: A\r\n\r\n") == Event("A", Headers())
    assert parse(b"Asterisk Call Manager/11.0.0\r\n") == Banner("11.0.0")
    for bad in (b"Event: A\r\n\r\nEvent: B\r\n\r\n", b"Event: A\r\n", b"nonsense\r\n\r\n"):
        with pytest.raises(MalformedMessageError):
            parse(bad)


def test_serialize_refuses_what_would_not_read_back_the_same() -> None:
    with pytest.raises(HeaderInjectionError):
        serialize(Event("A", Headers([("X", "1\r\nEvent: Forged")])))
    with pytest.raises(InvalidHeaderError):
        serialize(Response(None, "Success", None, Headers([("ActionID", "1")])))
    with pytest.raises(InvalidHeaderError):
        serialize(Response("1", "Success", None, Headers(), ("output",)))


# Sending


def test_builders_write_the_actions_of_the_capture_byte_for_byte() -> None:
    ids = iter(f"cap-{n}" for n in range(1, 14))
    actions = [
        builders.login(next(ids), username="cti", secret="ctisecret"),
        builders.queue_add(
            next(ids),
            queue="loadq",
            interface="Local/2001@agents/n",
            member_name="Erin Agent",
            state_interface="Local/2001@agents",
            penalty=1,
        ),
        builders.queue_pause(
            next(ids),
            queue="loadq",
            interface="Local/2001@agents/n",
            paused=True,
            reason="Coaching",
        ),
        builders.queue_penalty(
            next(ids), queue="loadq", interface="Local/2001@agents/n", penalty=3
        ),
        builders.queue_status(next(ids)),
        builders.queue_summary(next(ids)),
        builders.queue_pause(
            next(ids), queue="loadq", interface="Local/2001@agents/n", paused=False
        ),
        builders.queue_remove(next(ids), queue="loadq", interface="Local/2001@agents/n"),
        builders.queue_remove(next(ids), queue="loadq", interface="Local/9999@agents/n"),
        builders.queue_add(next(ids), queue="nosuchqueue", interface="Local/2001@agents/n"),
        builders.ping(next(ids)),
        builders.core_show_channels(next(ids)),
        builders.logoff(next(ids)),
    ]

    assert [a.to_bytes() for a in actions] == sent("member_management.jsonl")


def test_originate_and_redirect_are_written_as_the_capture_client_wrote_them() -> None:
    click = builders.originate(
        "cap-2",
        channel="Local/1002@agents",
        application="Dial",
        data="Local/15@callers,30",
        caller_id='"Outbound" <+18005550000>',
        timeout_ms=20000,
        variables={"CRM_CUSTOMER_ID": "C-1042", "CAMPAIGN": "manual"},
    )
    inbound = builders.originate(
        "cap-4",
        channel="Local/5@callers",
        context="inbound",
        exten="sales",
        caller_id='"Impatient Ivan" <+442071234567>',
        timeout_ms=30000,
    )
    redirect = builders.redirect(
        "cap-3", channel="Local/40@callers-0000000b;1", context="inbound", exten="support"
    )

    assert click.to_bytes() == sent("click_to_dial.jsonl")[1]
    assert inbound.to_bytes() == sent("inbound_abandoned.jsonl")[3]
    assert redirect.to_bytes() == sent("transfer.jsonl")[2]


def test_originate_escapes_commas_quotes_and_backslashes_in_variables() -> None:
    action = builders.originate(
        "1", channel="Local/1@a", application="Wait", variables={"NAME": 'Doe, "J" \\'}
    )

    assert action.headers.get("Variable") == 'NAME=Doe\\, \\"J\\" \\\\'


def test_originate_refuses_both_or_neither_destination() -> None:
    with pytest.raises(InvalidActionError):
        builders.originate("1", channel="x", context="c", exten="1", application="Dial")
    with pytest.raises(InvalidActionError):
        builders.originate("1", channel="x")


@pytest.mark.parametrize(
    "value", ["Lunch\r\nAction: Hangup", "Lunch\nAction: Hangup", "Lunch\rX", "\r\n"]
)
def test_a_cr_or_lf_in_a_value_is_refused_as_header_injection(value: str) -> None:
    with pytest.raises(HeaderInjectionError):
        builders.queue_pause("1", interface="Local/1@a", paused=True, reason=value)


@pytest.mark.parametrize(
    "headers",
    [
        [("Bad:Name", "x")],
        [("", "x")],
        [("ActionID", "2")],
        [("Data", "x" * 1020)],
        [("V", "x")] * 127,
        [("Bad\nName", "x")],
        [("Name", "\udcff")],
    ],
)
def test_actions_asterisk_would_misread_are_refused(headers: list[tuple[str, str]]) -> None:
    with pytest.raises(InvalidHeaderError):
        Action("Test", "1", Headers(headers))


def test_the_repr_of_a_login_hides_the_secret() -> None:
    login = builders.login("1", username="cti", secret="ctisecret")

    assert "ctisecret" not in repr(login)
    assert b"Secret: ctisecret\r\n" in login.to_bytes()


def test_action_ids_count_up_under_their_prefix() -> None:
    ids = ActionIds("sb-3")

    assert [next(ids), next(ids)] == ["sb-3-1", "sb-3-2"]


def test_only_login_challenge_and_logoff_may_precede_a_successful_login() -> None:
    protocol = AmiProtocol()
    with pytest.raises(NotLoggedInError):
        protocol.send(builders.ping("1"))
    protocol.send(builders.login("cap-1", username="cti", secret="bad"))
    protocol.receive_data(b"Asterisk Call Manager/11.0.0\r\n")
    protocol.receive_data(
        b"Response: Error\r\nActionID: cap-1\r\nMessage: Authentication failed\r\n\r\n"
    )
    with pytest.raises(NotLoggedInError):
        protocol.send(builders.ping("2"))

    protocol.send(builders.login("cap-3", username="cti", secret="ctisecret"))
    protocol.receive_data(b"Response: Success\r\nActionID: cap-3\r\n\r\n")
    protocol.send(builders.ping("4"))

    assert protocol.logged_in
    assert protocol.data_to_send().count(b"\r\n\r\n") == 3
    assert protocol.data_to_send() == b""


def test_nothing_may_be_sent_after_logoff_or_eof() -> None:
    protocol = AmiProtocol()
    protocol.send(builders.logoff("1"))
    with pytest.raises(ConnectionClosedError):
        protocol.send(builders.login("2", username="u", secret="s"))
    protocol.receive_eof()
    with pytest.raises(ConnectionClosedError):
        protocol.receive_data(b"Event: Late\r\n\r\n")
    assert protocol.data_to_send() == b"Action: Logoff\r\nActionID: 1\r\n\r\n"
