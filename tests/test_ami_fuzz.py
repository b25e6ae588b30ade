"""Property and fuzz tests of the AMI core: round trips, hostile bytes, any chunking."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cti.asterisk.ami import (
    Action,
    AmiProtocol,
    Banner,
    Event,
    Headers,
    InvalidHeaderError,
    Message,
    ProtocolViolation,
    Received,
    Response,
    parse,
    serialize,
)

CAPTURE = Path(__file__).parent / "fixtures" / "asterisk" / "member_management.jsonl"
REAL = [
    r["raw"].encode()
    for r in map(json.loads, CAPTURE.read_text().splitlines())
    if r["dir"] == "recv" and r["raw"].endswith("\r\n\r\n")
]
ALIVE = b"Event: Alive\r\nX: 1\r\n\r\n"
LIMITS = {"max_message_size": 256, "max_line_length": 128}
BOUND = 256 + 3
FOLLOWS = b"Response: Follows\r\n"

fuzz = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Anything but CR, LF and lone surrogates, which no UTF-8 stream can carry.
text = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n"))
names = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n:"), min_size=1
)
pairs = st.lists(st.tuples(names, text), max_size=8)


def _response(
    action_id: str | None,
    status: str,
    message: str | None,
    items: list[tuple[str, str]],
    output: list[str],
) -> Response:
    taken = {k for k, v in (("actionid", action_id), ("message", message)) if v is None}
    kept = [(k, v) for k, v in items if k.lower() not in taken]
    return Response(
        action_id, status, message, Headers(kept), tuple(output) if status == "Follows" else ()
    )


statuses = st.sampled_from(["Success", "Error", "Goodbye", "Follows"]) | text
responses = st.builds(
    _response, st.none() | text, statuses, st.none() | text, pairs, st.lists(text, max_size=5)
)
events = st.builds(Event, text, st.builds(Headers, pairs))
messages = st.one_of(responses, events, st.builds(Banner, text))


def chunked(data: bytes, sizes: list[int]) -> list[bytes]:
    chunks, start = [], 0
    for size in sizes:
        chunks.append(data[start : start + size])
        start += size
    return [*chunks, data[start:]]


def feed_all(chunks: list[bytes], **options: int) -> list[Received]:
    protocol = AmiProtocol(expect_banner=False, **options)
    received: list[Received] = []
    for chunk in chunks:
        protocol.receive_data(chunk)
        assert protocol.buffered_bytes <= max(
            protocol.max_message_size + 3, protocol.max_line_length + 1
        )
        received += protocol.messages_received()
    protocol.receive_eof()
    return received + protocol.messages_received()


sizes = st.lists(st.integers(min_value=0, max_value=300), max_size=40)


@fuzz
@given(messages)
def test_parsing_what_serialize_wrote_gives_back_the_same_message(message: Message) -> None:
    assert parse(serialize(message)) == message


@fuzz
@given(messages, st.lists(st.integers(min_value=1, max_value=40), max_size=20))
def test_a_serialized_message_parses_the_same_however_it_is_split(
    message: Banner | Response | Event, cuts: list[int]
) -> None:
    protocol = AmiProtocol(expect_banner=isinstance(message, Banner))
    for chunk in chunked(serialize(message), cuts):
        protocol.receive_data(chunk)
    assert protocol.messages_received() == [message]


@fuzz
@given(pairs, names)
def test_get_finds_the_first_value_whatever_the_case(
    items: list[tuple[str, str]], name: str
) -> None:
    headers = Headers(items)
    expected = next((v for k, v in items if k.lower() == name.lower()), None)

    assert headers.get(name) == expected
    assert headers.get(name.upper()) == next(
        (v for k, v in items if k.lower() == name.upper().lower()), None
    )
    assert headers.get_all(name) == tuple(v for k, v in items if k.lower() == name.lower())
    assert list(headers) == items


@fuzz
@given(st.binary(max_size=2000), sizes)
def test_random_bytes_never_raise_and_the_connection_keeps_serving(
    garbage: bytes, cuts: list[int]
) -> None:
    assume(FOLLOWS not in garbage)
    received = feed_all(chunked(garbage + b"\r\n\r\n" + ALIVE, cuts), **LIMITS)

    assert received[-1] == Event("Alive", Headers([("X", "1")]))


@fuzz
@given(st.lists(st.tuples(st.sampled_from(REAL), st.integers(0, 400)), max_size=12), sizes)
def test_truncated_real_messages_never_raise_and_the_next_message_parses(
    pieces: list[tuple[bytes, int]], cuts: list[int]
) -> None:
    stream = b"".join(raw[:cut] for raw, cut in pieces) + b"\r\n\r\n" + ALIVE
    received = feed_all(chunked(stream, cuts), **LIMITS)

    assert received[-1] == Event("Alive", Headers([("X", "1")]))


@fuzz
@given(st.sampled_from(REAL), st.data())
def test_invalid_utf8_in_a_message_is_reported_and_the_message_still_arrives(
    raw: bytes, data: st.DataObject
) -> None:
    at = data.draw(st.sampled_from([i for i in range(len(raw)) if raw[i : i + 1] == b" "]))
    garbled = (
        raw[: at + 1]
        + data.draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80"]))
        + raw[at + 1 :]
    )
    violation, message = feed_all([garbled])

    assert isinstance(violation, ProtocolViolation) and violation.reason == "invalid-utf8"
    assert type(message) is type(parse(raw))


hostile_parts = st.one_of(
    st.sampled_from(REAL),
    st.binary(max_size=300),
    st.builds(lambda n: b"Event: Big\r\nX: " + b"y" * n + b"\r\n\r\n", st.integers(0, 700)),
    st.builds(lambda raw: raw.replace(b"Agent", b"Ag\xffent"), st.sampled_from(REAL)),
    st.just(b"\r\n"),
)


@fuzz
@given(st.lists(hostile_parts, max_size=15), sizes)
def test_what_comes_out_never_depends_on_how_the_bytes_were_split(
    parts: list[bytes], cuts: list[int]
) -> None:
    stream = b"".join(parts)
    assume(FOLLOWS not in stream)

    assert feed_all(chunked(stream, cuts), **LIMITS) == feed_all([stream], **LIMITS)


@fuzz
@given(text, st.none() | text, pairs)
def test_building_an_action_raises_only_invalid_header_errors(
    name: str, action_id: str | None, items: list[tuple[str, str]]
) -> None:
    try:
        action = Action(name, action_id, Headers(items))
    except InvalidHeaderError:
        return
    assert action.to_bytes().endswith(b"\r\n\r\n")
    assert action.to_bytes().count(b"\r\n\r\n") == 1


@fuzz
@given(st.text(max_size=30), st.text(max_size=30))
def test_a_cr_or_lf_anywhere_never_reaches_the_wire(variable: str, value: str) -> None:
    try:
        wire = Action("Setvar", "1", Headers([("Variable", variable), ("Value", value)]))
    except InvalidHeaderError:
        assert any(c in variable + value for c in "\r\n")
        return
    assert wire.to_bytes().count(b"\n") == wire.to_bytes().count(b"\r") == 5
