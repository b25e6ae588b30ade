"""The call log: idempotent per-leg records and wrap-ups, on SQLite and on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from cti.crm import (
    CallLog,
    CrmService,
    InteractionRecord,
    InvalidInteraction,
    NewCustomer,
    NoSuchInteraction,
)
from cti.crm.calllog import leg_key

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


@pytest.fixture
def log(session_factory: sessionmaker[Session]) -> CallLog:
    return CallLog(session_factory)


def leg(call_id: str, leg: int, agent: str | None, **changes: Any) -> InteractionRecord:
    record = InteractionRecord(
        call_id=call_id,
        leg=leg,
        direction="inbound",
        offered_at=T0 + timedelta(minutes=leg),
        caller_number="+12125550147",
        dialled_number="+18005550101",
        queue="support",
        agent_login=agent,
        answered_at=T0 + timedelta(minutes=leg, seconds=20) if agent else None,
        wait_seconds=20.0,
        outcome="answered" if agent else "abandoned",
    )
    return replace(record, **changes)


def test_recording_the_same_leg_twice_leaves_one_row(log: CallLog) -> None:
    record = leg("1700000000.1", 1, "agent01")
    first = log.record(record)
    second = log.record(record)
    assert first == second
    assert log.get("1700000000.1") == [record]


def test_a_record_round_trips_with_ivr_data_rang_agents_and_utc_times(log: CallLog) -> None:
    paris = timezone(timedelta(hours=1))
    record = leg(
        "c1",
        1,
        "agent02",
        offered_at=datetime(2026, 3, 2, 15, 0, tzinfo=paris),
        ended_at=datetime(2026, 3, 2, 15, 5, 30, tzinfo=paris),
        talk_seconds=310.5,
        ivr_data=(("account", "AC100"), ("language", "en")),
        rang_agents=("agent05", "agent01"),
    )
    log.record(record)
    [stored] = log.get("c1")
    assert stored.offered_at == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    assert stored.offered_at.tzinfo == UTC and stored.ended_at is not None
    assert stored.ivr_data == (("account", "AC100"), ("language", "en"))
    assert stored.rang_agents == ("agent05", "agent01")
    assert stored.talk_seconds == 310.5


def test_a_later_report_of_a_leg_updates_it_but_cannot_erase_its_wrap_up(log: CallLog) -> None:
    log.record(leg("c1", 1, "agent01"))
    log.wrap_up("c1", "agent01", "resolved", "Reset the router.", wrap_seconds=12.0)
    log.record(leg("c1", 1, "agent01", talk_seconds=95.0))
    [stored] = log.get("c1")
    assert stored.talk_seconds == 95.0
    assert (stored.disposition, stored.notes, stored.wrap_seconds) == (
        "resolved",
        "Reset the router.",
        12.0,
    )


def test_wrap_up_lands_on_the_latest_leg_the_agent_handled(log: CallLog) -> None:
    log.record(leg("c1", 1, "agent01", outcome="transferred"))
    log.record(leg("c1", 2, "agent02", queue="billing", outcome="transferred"))
    log.record(leg("c1", 3, "agent01", queue="retention"))
    log.record(leg("c1", 4, "agent03", queue="sales"))
    row_id = log.wrap_up("c1", "agent01", "retained-discount", "15% off.", follow_up="Fri")
    legs = {record.leg: record for record in log.get("c1")}
    assert legs[3].disposition == "retained-discount"
    assert (legs[3].notes, legs[3].follow_up) == ("15% off.", "Fri")
    assert [legs[n].disposition for n in (1, 2, 4)] == [None, None, None]
    assert row_id == log.record(leg("c1", 3, "agent01", queue="retention"))


def test_wrap_up_of_a_call_the_agent_never_had_is_a_404(log: CallLog) -> None:
    log.record(leg("c1", 1, "agent01"))
    with pytest.raises(NoSuchInteraction) as caught:
        log.wrap_up("c1", "agent02", "resolved", None)
    assert (caught.value.status, caught.value.error_id) == (404, "no-such-interaction")
    with pytest.raises(NoSuchInteraction):
        log.wrap_up("nope", "agent01", "resolved", None)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"call_id": ""}, "call_id"),
        ({"leg": -1}, "leg"),
        ({"direction": "sideways"}, "direction"),
        ({"offered_at": datetime(2026, 3, 2, 14, 0)}, "offered_at"),
        ({"wait_seconds": -3.0}, "wait_seconds"),
        ({"customer_id": 999}, "customer_id"),
    ],
)
def test_an_invalid_record_is_refused_naming_the_field(
    log: CallLog, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInteraction) as caught:
        log.record(replace(leg("c1", 1, "agent01"), **changes))
    assert (caught.value.status, caught.value.details["field"]) == (422, field)
    assert log.get("c1") == []


def test_a_logged_call_shows_on_the_customer_card(
    log: CallLog, session_factory: sessionmaker[Session]
) -> None:
    crm = CrmService(session_factory)
    customer = crm.create_customer(NewCustomer(name="Ana Lima", phones=("+12125550147",)))
    log.record(leg("c1", 1, "agent01", customer_id=customer.id))
    log.wrap_up("c1", "agent01", "resolved", "Reset the router.")
    [summary] = crm.get_customer(customer.id).recent
    assert (summary.call_id, summary.agent_login, summary.disposition) == (
        "c1",
        "agent01",
        "resolved",
    )
    assert summary.notes == "Reset the router." and summary.started_at == T0 + timedelta(minutes=1)


def test_a_call_queued_again_never_replaces_its_first_conversation(log: CallLog) -> None:
    """Issue 13 item 2: after an IVR queues the caller again, the engine starts again at leg
    0; the second conversation gets the next leg number and the first stays as it was."""
    first = leg("c1", 0, "agent01", offered_at=T0, talk_seconds=21.0)
    again = leg("c1", 0, "agent02", offered_at=T0 + timedelta(seconds=40), talk_seconds=95.0)
    log.record(first)
    log.record(again)
    log.record(again)  # reported (or replayed) once more: still the same row
    stored = log.get("c1")
    assert [(r.leg, r.agent_login, r.talk_seconds) for r in stored] == [
        (0, "agent01", 21.0),
        (1, "agent02", 95.0),
    ]
    log.wrap_up("c1", "agent01", "resolved", None)
    assert log.get("c1")[0].disposition == "resolved"


def test_the_leg_identity_is_the_call_the_leg_and_the_offer_time() -> None:
    record = leg("1700000000.1", 2, "agent01", offered_at=datetime(2026, 3, 2, 14, 0, 0, 250, UTC))
    assert leg_key(record) == "1700000000.1/2/1772460000000250"
    assert leg_key(replace(record, offered_at=record.offered_at + timedelta(microseconds=1))) != (
        leg_key(record)
    )


def test_inbound_legs_are_the_queued_inbound_legs_offered_in_the_window_in_offer_order(
    log: CallLog,
) -> None:
    log.record(leg("later", 0, "agent01", offered_at=T0 + timedelta(minutes=30)))
    log.record(leg("first", 0, None, offered_at=T0))
    log.record(leg("billing", 0, "agent02", queue="billing", offered_at=T0 + timedelta(minutes=5)))
    log.record(leg("outbound", 0, "agent01", direction="outbound"))
    log.record(leg("unqueued", 0, None, queue=None))
    log.record(leg("too-early", 0, "agent01", offered_at=T0 - timedelta(seconds=1)))
    log.record(leg("too-late", 0, "agent01", offered_at=T0 + timedelta(hours=1)))
    window = (T0, T0 + timedelta(hours=1))
    assert [r.call_id for r in log.inbound_legs(*window)] == ["first", "billing", "later"]
    support = log.inbound_legs(*window, queue="support")
    assert [(r.call_id, r.queue, r.outcome) for r in support] == [
        ("first", "support", "abandoned"),
        ("later", "support", "answered"),
    ]
