"""Customers and caller lookup, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from cti.crm import (
    CallLog,
    CrmService,
    Directory,
    InteractionRecord,
    InvalidCustomer,
    NewCustomer,
    NoSuchCustomer,
    Tier,
)

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


@pytest.fixture
def crm(session_factory: sessionmaker[Session]) -> CrmService:
    return CrmService(session_factory)


def add(crm: CrmService, name: str, *phones: str, account: str | None = None) -> int:
    return crm.create_customer(NewCustomer(name=name, phones=phones, account_number=account)).id


@pytest.mark.parametrize(
    "raw", [None, "", "   ", "anonymous", "Anonymous", "<unknown>", "restricted", "sip:anonymous@x"]
)
def test_a_withheld_number_is_reported_as_withheld_without_an_error(
    crm: CrmService, raw: str | None
) -> None:
    lookup = crm.lookup_caller(raw)
    assert lookup.withheld is True
    assert lookup.number_e164 is None and lookup.matches == ()
    assert lookup.number_raw == raw


def test_two_customers_sharing_a_number_both_come_back(crm: CrmService) -> None:
    first = add(crm, "Ana Lima", "+1 212 555 0147")
    second = add(crm, "Rui Lima", "(212) 555-0147", "+1 415 555 0101")
    add(crm, "Someone Else", "+1 415 555 0102")
    lookup = crm.lookup_caller("2125550147")
    assert lookup.number_e164 == "+12125550147" and not lookup.withheld
    assert {card.id for card in lookup.matches} == {first, second}


def test_an_unknown_number_is_normalised_and_matches_no_one(crm: CrmService) -> None:
    add(crm, "Ana Lima", "+12125550147")
    lookup = crm.lookup_caller("+1 646 555 0199")
    assert lookup.number_e164 == "+16465550199"
    assert lookup.withheld is False and lookup.matches == ()


def test_an_unparseable_number_matches_no_one_without_an_error(crm: CrmService) -> None:
    lookup = crm.lookup_caller("not a number")
    assert lookup.number_raw == "not a number"
    assert lookup.number_e164 is None and lookup.withheld is False and lookup.matches == ()


def test_a_customer_card_carries_the_last_five_interactions_newest_first(
    crm: CrmService, session_factory: sessionmaker[Session]
) -> None:
    customer = add(crm, "Ana Lima", "+12125550147")
    log = CallLog(session_factory)
    for n in range(7):
        at = T0 + timedelta(days=n)
        log.record(InteractionRecord(f"c{n}", 1, "inbound", at, customer_id=customer))
    card = crm.lookup_caller("+12125550147").matches[0]
    assert [s.call_id for s in card.recent] == ["c6", "c5", "c4", "c3", "c2"]
    assert card.recent[0].started_at == T0 + timedelta(days=6)


def test_a_card_shows_every_field_that_was_stored(
    crm: CrmService, session_factory: sessionmaker[Session]
) -> None:
    Directory(session_factory).create_agent("agent07", "Kim Park", "pw")
    new = NewCustomer(
        name="  Ana Lima ",
        phones=("212 555 0147", "+12125550147", "415-555-0101"),
        email="ana@example.com",
        account_number="AC100",
        segment="consumer",
        tier="gold",
        lifetime_value=1234.5,
        churn_risk=0.25,
        consent_marketing_calls=True,
        consent_recording=True,
        customer_since=date(2019, 4, 1),
        owner_agent="agent07",
        open_complaints=2,
    )
    card = crm.get_customer(crm.create_customer(new).id)
    assert card.name == "Ana Lima"
    assert card.phones == ("+12125550147", "+14155550101")
    assert (card.tier, card.lifetime_value, card.churn_risk) == (Tier.GOLD, 1234.5, 0.25)
    assert card.consent_marketing_calls and card.consent_recording
    assert (card.customer_since, card.owner_agent, card.open_complaints) == (
        date(2019, 4, 1),
        "agent07",
        2,
    )
    assert card.recent == ()


def test_an_account_number_finds_its_customer_and_an_unknown_one_finds_none(
    crm: CrmService,
) -> None:
    customer = add(crm, "Ana Lima", "+12125550147", account="AC100")
    found = crm.lookup_account(" AC100 ")
    assert found is not None and found.id == customer
    assert crm.lookup_account("AC999") is None


def test_account_numbers_come_in_customer_order_without_the_customers_that_have_none(
    crm: CrmService,
) -> None:
    add(crm, "Ana Lima", account="AC30000001")
    add(crm, "No Account")
    add(crm, "Rui Lima", account="AC10000002")
    add(crm, "Kim Park", account="AC20000003")
    assert crm.account_numbers() == ["AC30000001", "AC10000002", "AC20000003"]
    assert crm.account_numbers(limit=2) == ["AC30000001", "AC10000002"]


def test_getting_a_missing_customer_is_a_404_with_a_stable_id(crm: CrmService) -> None:
    with pytest.raises(NoSuchCustomer) as caught:
        crm.get_customer(4242)
    assert (caught.value.status, caught.value.error_id) == (404, "no-such-customer")


@pytest.mark.parametrize(
    ("new", "field"),
    [
        (NewCustomer(name="  "), "name"),
        (NewCustomer(name="Ana", phones=("12",)), "phones"),
        (NewCustomer(name="Ana", email="not-an-email"), "email"),
        (NewCustomer(name="Ana", tier="platinum"), "tier"),
        (NewCustomer(name="Ana", churn_risk=1.5), "churn_risk"),
        (NewCustomer(name="Ana", lifetime_value=-1.0), "lifetime_value"),
        (NewCustomer(name="Ana", lifetime_value=float("nan")), "lifetime_value"),
        (NewCustomer(name="Ana", open_complaints=-1), "open_complaints"),
        (NewCustomer(name="Ana", owner_agent="nobody"), "owner_agent"),
    ],
)
def test_customer_validation_errors_name_the_field(
    crm: CrmService, new: NewCustomer, field: str
) -> None:
    with pytest.raises(InvalidCustomer) as caught:
        crm.create_customer(new)
    error = caught.value
    assert (error.status, error.error_id) == (422, "invalid-customer")
    assert error.details["field"] == field
    assert field in error.message


def test_an_account_number_can_belong_to_only_one_customer(crm: CrmService) -> None:
    add(crm, "Ana Lima", account="AC100")
    with pytest.raises(InvalidCustomer) as caught:
        add(crm, "Rui Lima", account="AC100")
    assert caught.value.details["field"] == "account_number"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lima", {"Ana Lima", "Rui Lima"}),
        ("ANA", {"Ana Lima"}),
        ("AC10", {"Ana Lima"}),
        ("(415) 555-0101", {"Rui Lima"}),
        ("0101", {"Rui Lima"}),
        ("50%", set()),
        ("   ", set()),
    ],
)
def test_search_finds_customers_by_name_account_or_number(
    crm: CrmService, query: str, expected: set[str]
) -> None:
    add(crm, "Ana Lima", "+12125550147", account="AC100")
    add(crm, "Rui Lima", "+14155550101", account="BX200")
    add(crm, "Bea Costa", "+16465550123", account="CZ300")
    assert {card.name for card in crm.search_customers(query)} == expected


def test_search_returns_at_most_the_limit(crm: CrmService) -> None:
    for n in range(5):
        add(crm, f"Lima {n}")
    assert len(crm.search_customers("lima", limit=3)) == 3
