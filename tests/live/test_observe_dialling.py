"""Mode (a): click-to-dial. The agent's phone rings first (``Local/<agent>@switchboard-agents``);
once it answers, the customer is dialled through ``switchboard-outbound``."""

from __future__ import annotations

import pytest

from tests.live.pbx import Pbx
from tests.live.scenario import first_pop, logged, near, no_calls_left, state_of
from tests.live.switchboard import Switchboard, eventually

pytestmark = pytest.mark.asterisk

CUSTOMER = "+14155550188"


def dial(sb: Switchboard, agent: str, number: str) -> str:
    res = sb.request("POST", "/api/calls/originate", agent, json={"number": number})
    assert res.status_code == 200, res.text
    return str(res.json()["call_id"])


def test_a_click_to_dial_rings_the_agent_then_the_customer_and_is_logged_outbound(
    pbx: Pbx, switchboard: Switchboard
) -> None:
    sb = switchboard
    pbx.phone("agent01", "answer-1-7")  # answers after 1 s, hangs up 7 s later
    pbx.phone(CUSTOMER, "answer-2-30")  # the customer answers 2 s after being dialled
    eventually(lambda: state_of(sb, "agent01") == "available", "agent01 available")
    with sb.desktop("agent01") as desktop:
        call_id = dial(sb, "agent01", CUSTOMER)
        _, pop = first_pop(desktop, call_id)
        assert pop["call"]["direction"] == "outbound"
        eventually(lambda: state_of(sb, "agent01") == "on_call", "agent01 on the call")
        (row,) = logged(sb, call_id)
    assert (row.direction, row.agent_login, row.outcome) == ("outbound", "agent01", "answered")
    assert row.dialled_number == CUSTOMER
    assert near(row.talk_seconds, 7 - 2, slack=2.0), row  # the customer talked from 2 s to 7 s
    no_calls_left(sb, pbx)


def test_a_click_to_dial_the_agent_never_answers_tells_the_agent_and_is_logged(
    pbx: Pbx, switchboard: Switchboard
) -> None:
    sb = switchboard
    pbx.phone("agent01", "noanswer")
    eventually(lambda: state_of(sb, "agent01") == "available", "agent01 available")
    with sb.desktop("agent01") as desktop:
        call_id = dial(sb, "agent01", CUSTOMER)
        errors = eventually(lambda: desktop.of("error"), "an error on the desktop", timeout=30)
        assert errors[0][1]["error_id"] == "agent-did-not-answer"
        assert CUSTOMER in errors[0][1]["message"]
    (row,) = logged(sb, call_id)
    assert (row.direction, row.agent_login, row.outcome) == ("outbound", None, "missed")
    assert row.rang_agents == ("agent01",)
    assert row.dialled_number == CUSTOMER and row.answered_at is None
    no_calls_left(sb, pbx)
    assert state_of(sb, "agent01") == "available"
