"""The external CRM connector against a real HTTP server (tests/fake_crm.py): both shipped
maps, timeouts and retries, the circuit breaker, the per-number cache, junk answers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from cti.clock import ManualClock
from cti.crm.breaker import BreakerState, CircuitBreaker
from cti.crm.connector import HttpCrm, fill
from cti.crm.crm_maps import REST, SALESFORCE, load_map
from cti.crm.errors import CrmUnavailable, InvalidCrmMap
from tests.fake_crm import TOKEN, FakeCrm, fake_crm, rest_record

ADA = "+12125550147"


@pytest.fixture
def server() -> Iterator[FakeCrm]:
    with fake_crm() as crm:
        crm.behaviour.customers[ADA] = rest_record("c-1", "Ada Lovelace")
        yield crm


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_000.0)


@pytest.fixture
async def rest(server: FakeCrm, clock: ManualClock) -> AsyncIterator[HttpCrm]:
    link = HttpCrm(
        server.url, REST, clock, timeout=0.5, retries=1,
        breaker=CircuitBreaker(clock, failures=3, reset_seconds=30), cache_seconds=60,
    )  # fmt: skip
    yield link
    await link.close()


async def test_a_known_caller_comes_back_as_a_card_with_tier_value_risk_complaints_history(
    rest: HttpCrm, server: FakeCrm
) -> None:
    found = await rest.lookup("(212) 555-0147")
    assert found.status == "found" and found.number == ADA
    (card,) = found.cards
    assert (card.external_id, card.name, card.tier) == ("c-1", "Ada Lovelace", "vip")
    assert (card.lifetime_value, card.churn_risk, card.open_complaints) == (18250.5, 0.7, 2)
    assert card.history[0].summary == "Billing dispute"
    assert server.behaviour.lookups == [ADA]  # asked in E.164


async def test_an_unknown_caller_is_not_found_and_a_withheld_one_is_never_asked(
    rest: HttpCrm, server: FakeCrm
) -> None:
    assert (await rest.lookup("+14155550100")).status == "not-found"
    assert (await rest.lookup("anonymous")).status == "no-number"
    assert server.behaviour.lookups == ["+14155550100"]


async def test_answers_are_cached_per_number_until_the_ttl_runs_out(
    rest: HttpCrm, server: FakeCrm, clock: ManualClock
) -> None:
    await rest.lookup(ADA)
    await rest.lookup("212-555-0147")
    assert server.behaviour.lookups == [ADA]
    clock.advance(61)
    await rest.lookup(ADA)
    assert server.behaviour.lookups == [ADA, ADA]


@pytest.mark.parametrize(
    ("junk", "field"),
    [
        (b"<html>Service temporarily unavailable</html>", "not JSON"),
        (json.dumps({"customers": {"id": 1}}).encode(), "customers"),
        (json.dumps({"customers": ["x"]}).encode(), "records[0]"),
        (json.dumps({"customers": [{"name": "no id"}]}).encode(), "records[0].id"),
        (json.dumps({"customers": [rest_record("c", "A", churn_risk=7)]}).encode(),
         "records[0].churn_risk"),
        (json.dumps({"customers": [rest_record("c", "A", tier="platinum")]}).encode(),
         "records[0].tier"),
        (json.dumps({"customers": [rest_record("c", "A", history="x")]}).encode(),
         "records[0].history"),
    ],
)  # fmt: skip
async def test_junk_is_refused_naming_the_field_and_logged_and_the_lookup_still_answers(
    rest: HttpCrm, server: FakeCrm, junk: bytes, field: str
) -> None:
    server.behaviour.junk = junk
    found = await rest.lookup(ADA)
    assert found.status == "invalid" and found.cards == ()
    assert found.reason is not None and field in found.reason


async def test_a_failing_crm_is_retried_a_bounded_number_of_times_then_unavailable(
    rest: HttpCrm, server: FakeCrm
) -> None:
    server.behaviour.lookup_status = 503
    found = await rest.lookup(ADA)
    assert found.status == "unavailable" and "503" in (found.reason or "")
    assert len(server.behaviour.lookups) == 2  # the try and one retry


async def test_a_slow_crm_times_out(server: FakeCrm, clock: ManualClock) -> None:
    server.behaviour.delay = 1.0
    link = HttpCrm(server.url, REST, clock, timeout=0.2, retries=0)
    try:
        found = await link.lookup(ADA)
    finally:
        await link.close()
    assert found.status == "unavailable" and "in time" in (found.reason or "")


async def test_the_breaker_opens_after_failures_in_a_row_then_lets_one_trial_through(
    rest: HttpCrm, server: FakeCrm, clock: ManualClock
) -> None:
    server.down()
    for _ in range(3):
        assert (await rest.lookup(ADA)).status == "unavailable"
    assert rest.breaker_state is BreakerState.OPEN
    found = await rest.lookup(ADA)
    assert found.reason == "the CRM's circuit breaker is open"
    clock.advance(30)
    assert rest.breaker_state is BreakerState.HALF_OPEN


async def test_after_the_reset_time_one_success_closes_the_breaker(
    rest: HttpCrm, server: FakeCrm, clock: ManualClock
) -> None:
    server.behaviour.lookup_status = 500
    for number in ("+12125550001", "+12125550002", "+12125550003"):
        await rest.lookup(number)
    assert rest.breaker_state is BreakerState.OPEN
    asked = len(server.behaviour.lookups)
    await rest.lookup(ADA)
    assert len(server.behaviour.lookups) == asked  # open: the CRM is not even asked
    clock.advance(30)
    server.behaviour.lookup_status = 200
    assert (await rest.lookup(ADA)).status == "found"
    assert rest.breaker_state is BreakerState.CLOSED


async def test_salesforce_is_asked_by_soql_on_phone_with_the_bearer_token(
    server: FakeCrm, clock: ManualClock
) -> None:
    server.behaviour.customers[ADA] = {
        "attributes": {"type": "Contact"},
        "Id": "0035g00000XyZ1AAA",
        "Name": "Ada Lovelace",
        "Tier__c": "Gold",
        "Lifetime_Value__c": 1200.0,
        "Churn_Risk__c": 0.25,
        "Open_Complaints__c": 1.0,
        "Cases": {"totalSize": 1, "done": True, "records": [
            {"CreatedDate": "2026-11-02T09:00:00.000+0000", "Subject": "Router", "Status": "Closed"}
        ]},
    }  # fmt: skip
    link = HttpCrm(server.url, SALESFORCE, clock, token=SecretStr(TOKEN), api_version="v61.0")
    try:
        found = await link.lookup("2125550147")
        await link.write_back({"call_id": "c1", "phone": ADA, "direction": "inbound",
                               "disposition": "resolved", "notes": "fixed",
                               "talk_whole_seconds": 95, "salesforce_call_type": "Inbound",
                               "ended_date": "2026-12-01", "external_id": None})  # fmt: skip
    finally:
        await link.close()
    (card,) = found.cards
    assert (card.external_id, card.tier, card.open_complaints) == ("0035g00000XyZ1AAA", "gold", 1)
    assert card.history[0].disposition == "Closed"
    assert "FROM Contact WHERE Phone = '+12125550147'" in server.behaviour.queries[0]
    assert set(server.behaviour.authorisations) == {f"Bearer {TOKEN}"}
    (write,) = server.behaviour.writes
    assert write["path"] == "/services/data/v61.0/sobjects/Task"
    task = write["body"]
    assert task["WhoId"] == "0035g00000XyZ1AAA"  # found from the (cached) lookup
    assert (task["CallDurationInSeconds"], task["CallDisposition"]) == (95, "resolved")
    assert task["Subject"] == "Call inbound: resolved"


async def test_a_refused_write_back_raises_for_the_outbox_to_retry(
    rest: HttpCrm, server: FakeCrm
) -> None:
    server.behaviour.write_status = 500
    with pytest.raises(CrmUnavailable):
        await rest.write_back({"call_id": "c1", "phone": ADA, "external_id": "c-1"})
    assert server.behaviour.refused_writes == 2


def test_a_map_file_replaces_the_preset_and_a_bad_one_is_named(tmp_path: Path) -> None:
    good = tmp_path / "map.json"
    good.write_text(REST.model_dump_json())
    assert load_map("salesforce", good) == REST
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"lookup": {"path": "/x"}, "fields": {}, "write_back": {}}))
    with pytest.raises(InvalidCrmMap, match=r"bad.json: fields.external_id: Field required"):
        load_map("rest", bad)


def test_a_placeholder_alone_keeps_its_type_and_inside_text_is_formatted() -> None:
    values = {"n": 95, "d": "resolved", "none": None}
    assert fill({"a": "{n}", "b": "took {n} s: {d}", "c": ["{none}"]}, values) == {
        "a": 95,
        "b": "took 95 s: resolved",
        "c": [None],
    }
