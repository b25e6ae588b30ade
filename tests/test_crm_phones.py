"""Phone numbers to E.164, and what counts as a withheld number."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cti.crm.phones import is_withheld, normalise


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+12125550147", "+12125550147"),
        ("(212) 555-0147", "+12125550147"),
        ("212.555.0147", "+12125550147"),
        ("1 212 555 0147", "+12125550147"),
        ("011 44 20 7946 0958", "+442079460958"),
        ("+44 20 7946 0958", "+442079460958"),
        ("sip:+12125550147@pbx.example", "+12125550147"),
        ("tel:+12125550147", "+12125550147"),
    ],
)
def test_numbers_are_normalised_to_e164(raw: str, e164: str) -> None:
    assert normalise(raw, "US") == e164


def test_a_national_number_is_read_in_the_default_region() -> None:
    assert normalise("020 7946 0958", "GB") == "+442079460958"
    assert normalise("020 7946 0958", "gb") == "+442079460958"


@pytest.mark.parametrize("raw", ["garbage", "12", "1001", "+1 212", "x" * 200])
def test_what_is_not_a_phone_number_normalises_to_none(raw: str) -> None:
    assert normalise(raw, "US") is None


@pytest.mark.parametrize(
    "raw", [None, "", " ", "anonymous", "ANONYMOUS", "<unknown>", "Restricted", "private"]
)
def test_withheld_markers_are_recognised(raw: str | None) -> None:
    assert is_withheld(raw)
    assert normalise(raw) is None


@given(st.text(max_size=80))
def test_normalise_never_raises_and_returns_e164_or_none(raw: str) -> None:
    result = normalise(raw, "US")
    assert result is None or (result.startswith("+") and result[1:].isdigit())
