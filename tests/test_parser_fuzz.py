"""Parsers of outside input raise only their documented error, whatever they are given.

The AMI and AGI cores have their own fuzz tests (test_ami_fuzz.py, test_agi.py); these cover
the other edges: a desktop's websocket message, an IVR condition, an IVR flow file, a WFM
calls CSV and a recorded AMI capture.
"""

from __future__ import annotations

import tempfile
from contextlib import suppress
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cti.asterisk.capture import BadCapture, read_capture
from cti.server.messages import InvalidMessage
from cti.server.messages import parse as parse_message
from ivr.errors import InvalidFlow
from ivr.expressions import ExpressionError, compile_expression
from ivr.schema import load_text, parse_flow
from wfm.errors import InvalidInput
from wfm.history import read_calls_csv

fuzz = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CSV_HEADER = b"offered_at,queue,wait_seconds,talk_seconds,wrap_seconds,outcome\n"
csv_bytes = st.one_of(st.binary(max_size=300), st.binary(max_size=300).map(CSV_HEADER.__add__))
capture_bytes = st.one_of(
    st.binary(max_size=300),
    st.builds(
        lambda t, d, raw: f'{{"t": {t}, "dir": {d}, "raw": {raw}}}\n'.encode(),
        st.sampled_from(["0", "-1", "1e400", '"x"', "null", "true", "[]"]),
        st.sampled_from(['"recv"', '"send"', '"sideways"', "1", "null"]),
        st.sampled_from(['"Event: X\\r\\n\\r\\n"', "1", "null", '"\\u0000"']),
    ),
)


def _file(data: bytes, suffix: str) -> Path:
    with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as handle:
        handle.write(data)
    return Path(handle.name)


@fuzz
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200)))
def test_a_websocket_message_is_parsed_or_refused_as_an_invalid_message(raw: bytes | str) -> None:
    with suppress(InvalidMessage):
        parse_message(raw)


@fuzz
@given(st.text(max_size=120))
def test_an_ivr_condition_is_compiled_or_refused_as_an_expression_error(source: str) -> None:
    with suppress(ExpressionError):
        compile_expression(source)


@fuzz
@given(st.text(max_size=300))
def test_an_ivr_flow_file_is_loaded_or_refused_as_an_invalid_flow(text: str) -> None:
    with suppress(InvalidFlow):
        parse_flow(load_text(text))


@fuzz
@given(csv_bytes)
@example(b"\x80 not UTF-8")
@example(b"offered_at,queue\n\x00")
@example(b"offered_at,queue\n2025-03-03T09:00:00Z\n")  # a short row
def test_a_calls_csv_is_read_or_refused_as_invalid_input(data: bytes) -> None:
    path = _file(data, ".csv")
    try:
        with suppress(InvalidInput):
            read_calls_csv(path)
    finally:
        path.unlink()


@fuzz
@given(capture_bytes)
def test_a_capture_is_read_or_refused_as_a_bad_capture(data: bytes) -> None:
    path = _file(data, ".jsonl")
    try:
        with suppress(BadCapture):
            read_capture(path)
    finally:
        path.unlink()
