"""``AmiSession``: one connection's parsing, ActionIDs and correlation, on bytes alone."""

from __future__ import annotations

from functools import partial

import pytest

from cti.asterisk.ami import (
    ActionResult,
    AmiSession,
    Event,
    NotLoggedInError,
    ProtocolViolation,
    builders,
)

BANNER = b"Asterisk Call Manager/11.0.0\r\n"


def logged_in() -> AmiSession:
    session = AmiSession("sb7")
    session.receive_data(BANNER)
    login = session.send(partial(builders.login, username="cti", secret="x", events=True))
    assert session.data_to_send() == login.to_bytes()
    session.receive_data(b"Response: Success\r\nActionID: sb7-1\r\nMessage: ok\r\n\r\n")
    assert [type(item) for item in session.received()] == [ActionResult]
    return session


def test_each_action_gets_the_sessions_next_action_id_and_its_bytes_are_queued() -> None:
    session = logged_in()
    ping = session.send(builders.ping)
    hangup = session.send(builders.hangup("theirs", channel="PJSIP/1001-0001"))
    assert (ping.action_id, hangup.action_id) == ("sb7-2", "sb7-3")
    assert session.data_to_send() == ping.to_bytes() + hangup.to_bytes()
    assert session.data_to_send() == b""
    assert "sb7-2" in session and "theirs" not in session


def test_an_event_list_comes_back_whole_between_the_events_of_no_list() -> None:
    session = logged_in()
    session.send(builders.core_show_channels)
    session.receive_data(
        b"Event: Newchannel\r\nUniqueid: 1.1\r\nChannel: Local/1@x-01;1\r\n\r\n"
        b"Response: Success\r\nActionID: sb7-2\r\nEventList: start\r\n\r\n"
        b"Event: CoreShowChannel\r\nActionID: sb7-2\r\nUniqueid: 1.1\r\n\r\n"
        b"Event: Hangup\r\nUniqueid: 1.1\r\n\r\n"
        b"Event: CoreShowChannelsComplete\r\nActionID: sb7-2\r\nEventList: Complete\r\n\r\n"
    )
    newchannel, hangup, result = session.received()
    assert isinstance(newchannel, Event) and newchannel.name == "Newchannel"
    assert isinstance(hangup, Event) and hangup.name == "Hangup"
    assert isinstance(result, ActionResult) and result.action_id == "sb7-2"
    assert [e.name for e in result.events] == ["CoreShowChannel"]
    assert "sb7-2" not in session


def test_the_banner_and_answers_to_no_pending_action_are_dropped_but_violations_are_not() -> None:
    session = AmiSession()
    session.receive_data(
        BANNER + b"Response: Success\r\nActionID: nobody-1\r\n\r\nnot a header\r\n\r\n"
    )
    (violation,) = session.received()
    assert isinstance(violation, ProtocolViolation)


def test_a_late_answer_after_fail_all_completes_nothing() -> None:
    session = logged_in()
    session.send(builders.ping)
    assert session.fail_all() == ("sb7-2",)
    session.receive_data(b"Response: Success\r\nActionID: sb7-2\r\nPing: Pong\r\n\r\n")
    assert session.received() == []


def test_an_action_someone_else_sent_is_answered_once_expected() -> None:
    session = AmiSession(expect_banner=False)
    assert session.expect("cap-5") and not session.expect("cap-5")
    session.receive_data(b"Response: Success\r\nActionID: cap-5\r\nMessage: Added\r\n\r\n")
    (result,) = session.received()
    assert isinstance(result, ActionResult) and result.response.message == "Added"
    assert session.data_to_send() == b""


def test_an_action_before_login_is_refused_and_neither_queued_nor_expected() -> None:
    session = AmiSession()
    with pytest.raises(NotLoggedInError):
        session.send(builders.ping)
    assert session.data_to_send() == b"" and "sb-1" not in session


def test_the_banner_is_kept_once_its_line_is_whole_and_never_among_the_items() -> None:
    session = AmiSession()
    session.receive_data(BANNER[:10])
    assert session.banner is None
    session.receive_data(BANNER[10:])
    assert session.banner is not None and session.banner.version == "11.0.0"
    assert session.received() == []
