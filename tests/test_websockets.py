"""Websockets against the real app: pops while ringing, refusals, bad messages, the board."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from cti.demo.seed import SHARED_NUMBER, demo_caller_numbers
from tests.support import (
    agent_with_skill,
    auth,
    bearer,
    database,
    next_of,
    only_available,
    place_call,
    receive_json_within,
    running_app,
    services,
    token,
)


@pytest.fixture
def client(tmp_path: Any) -> Iterator[TestClient]:
    with running_app(tmp_path) as c:
        yield c


def a_known_number(client: TestClient) -> str:
    """A seeded number that belongs to exactly one customer."""
    crm = services(client).crm
    for number in demo_caller_numbers(database(client)):
        if len(crm.lookup_caller(number).matches) == 1:
            return number
    raise AssertionError("the demo seed has no single-owner number")


def test_the_pop_arrives_while_the_phone_rings_and_carries_the_customer(
    client: TestClient,
) -> None:
    agent = agent_with_skill(client, "sales")
    only_available(client, agent)
    number = a_known_number(client)
    with client.websocket_connect("/ws/agent", subprotocols=bearer(token(client, agent))) as ws:
        assert next_of(ws, "hello")["agent"]["state"] == "available"
        call_id = place_call(client, "sales", number)
        pop = next_of(ws, "pop")
        assert pop["call"]["call_id"] == call_id
        assert pop["call"]["phase"] == "ringing" and pop["call"]["answered_at"] is None
        assert pop["customer"]["status"] == "known"
        card = pop["customer"]["matches"][0]
        assert number in card["phones"]
        assert {"tier", "lifetime_value", "churn_risk", "open_complaints", "recent"} <= set(card)
        assert len(card["recent"]) <= 5


def test_answer_hangup_and_wrap_up_land_in_the_interaction(client: TestClient) -> None:
    agent = agent_with_skill(client, "sales")
    only_available(client, agent)
    headers = auth(client, agent)
    with client.websocket_connect("/ws/agent", subprotocols=bearer(token(client, agent))) as ws:
        call_id = place_call(client, "sales", "+14155550199")
        next_of(ws, "pop")
        assert client.post(f"/api/calls/{call_id}/answer", headers=headers).status_code == 200
        assert next_of(ws, "call")["change"] == "answered"
        assert client.post(f"/api/calls/{call_id}/hangup", headers=headers).status_code == 200
        state = next_of(ws, "state")
        while state["agent"]["state"] != "wrap_up":
            state = next_of(ws, "state")
        res = client.post(
            f"/api/calls/{call_id}/wrapup",
            json={"disposition": "resolved", "notes": "asked about invoice 42"},
            headers=headers,
        )
        assert res.status_code == 200, res.text
    legs = services(client).call_log.get(call_id)
    assert [(leg.outcome, leg.agent_login, leg.disposition) for leg in legs] == [
        ("answered", agent, "resolved")
    ]
    assert legs[0].notes == "asked about invoice 42"
    assert services(client).centre.acd.agent(agent).state.value == "available"


def test_an_unknown_caller_pops_as_unknown_with_an_offer_to_create(client: TestClient) -> None:
    agent = agent_with_skill(client, "sales")
    only_available(client, agent)
    with client.websocket_connect("/ws/agent", subprotocols=bearer(token(client, agent))) as ws:
        place_call(client, "sales", "+14155550177")
        pop = next_of(ws, "pop")
        assert pop["customer"]["status"] == "unknown"
        assert pop["customer"]["offer_create"] is True


def test_two_customers_on_one_number_both_appear_on_the_pop(client: TestClient) -> None:
    agent = agent_with_skill(client, "sales")
    only_available(client, agent)
    with client.websocket_connect("/ws/agent", subprotocols=bearer(token(client, agent))) as ws:
        place_call(client, "sales", SHARED_NUMBER)
        pop = next_of(ws, "pop")
        assert pop["customer"]["status"] == "ambiguous"
        assert len(pop["customer"]["matches"]) == 2


def test_a_withheld_number_pops_without_error(client: TestClient) -> None:
    agent = agent_with_skill(client, "sales")
    only_available(client, agent)
    with client.websocket_connect("/ws/agent", subprotocols=bearer(token(client, agent))) as ws:
        place_call(client, "sales", None)
        pop = next_of(ws, "pop")
        assert pop["customer"]["status"] == "withheld"
        assert pop["call"]["caller_number"] is None


def test_an_agent_may_not_subscribe_to_another_agents_events(client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect(
            "/ws/agent?agent_id=agent02", subprotocols=bearer(token(client, "agent01"))
        ),
    ):
        pass
    assert refused.value.code == 1008


def test_a_supervisor_may_watch_an_agents_events(client: TestClient) -> None:
    offer = bearer(token(client, "super01"))
    with client.websocket_connect("/ws/agent?agent_id=agent02", subprotocols=offer) as ws:
        assert next_of(ws, "hello")["agent"]["agent_id"] == "agent02"


def test_a_socket_without_a_valid_token_is_refused(client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect("/ws/agent", subprotocols=bearer("garbage")),
    ):
        pass
    assert refused.value.code == 1008


def test_invalid_json_gets_an_error_and_the_socket_stays_up(client: TestClient) -> None:
    with client.websocket_connect("/ws/agent", subprotocols=bearer(token(client, "agent01"))) as ws:
        next_of(ws, "hello")
        ws.send_text("{not json")
        error = next_of(ws, "error")
        assert error["error_id"] == "invalid-message" and "invalid JSON" in error["message"]
        ws.send_text('{"type": "teleport"}')
        error = next_of(ws, "error")
        assert error["details"]["reason"] == "unknown-message-type"
        assert "teleport" in error["message"]
        ws.send_text('{"type": "set_state", "state": "sleeping"}')
        assert next_of(ws, "error")["details"]["field"] == "state"
        ws.send_text('{"type": "ping"}')
        assert next_of(ws, "pong")["type"] == "pong"


def test_an_illegal_state_change_over_the_socket_is_reported_not_fatal(client: TestClient) -> None:
    with client.websocket_connect("/ws/agent", subprotocols=bearer(token(client, "agent01"))) as ws:
        next_of(ws, "hello")
        ws.send_text('{"type": "set_state", "state": "logged_out"}')
        assert next_of(ws, "state")["agent"]["state"] == "logged_out"
        ws.send_text('{"type": "set_state", "state": "paused", "reason": "x"}')
        assert next_of(ws, "error")["error_id"] == "illegal-state-change"
        ws.send_text('{"type": "ping"}')
        next_of(ws, "pong")


def test_the_board_is_for_supervisors_only(client: TestClient) -> None:
    offer = bearer(token(client, "agent01"))
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect("/ws/board", subprotocols=offer),
    ):
        pass
    assert refused.value.code == 1008


def test_the_board_shows_a_call_waiting_then_answered(client: TestClient) -> None:
    agent = agent_with_skill(client, "support")
    only_available(client, agent)
    client.put(
        f"/api/agents/{agent}/state",
        json={"state": "paused", "reason": "x"},
        headers=auth(client, "super01"),
    )
    with client.websocket_connect("/ws/board", subprotocols=bearer(token(client, "super01"))) as ws:
        first = next_of(ws, "board")
        assert next(q for q in first["queues"] if q["queue"] == "support")["waiting"] == 0
        place_call(client, "support", "+14155550111")
        board = next_of(ws, "board")
        assert next(q for q in board["queues"] if q["queue"] == "support")["waiting"] == 1
        client.put(
            f"/api/agents/{agent}/state",
            json={"state": "available"},
            headers=auth(client, "super01"),
        )
        for _ in range(20):
            board = next_of(ws, "board")
            support = next(q for q in board["queues"] if q["queue"] == "support")
            if support["answered"] == 1:
                break
        assert support["waiting"] == 0 and support["answered"] == 1


def test_a_message_that_never_comes_fails_the_test_instead_of_hanging_it(
    client: TestClient,
) -> None:
    """The tests' websocket reads give up after a time (Starlette's own wait for ever)."""
    agent = agent_with_skill(client, "sales")
    with client.websocket_connect("/ws/agent", subprotocols=bearer(token(client, agent))) as ws:
        next_of(ws, "hello")
        only_available(client, agent)  # nothing more comes to this desk: no call is placed
        with pytest.raises(AssertionError, match="no websocket message within 1 s"):
            for _ in range(1000):  # whatever state changes come first, then silence
                receive_json_within(ws, seconds=1.0)
