"""Customers: who is calling, who is this account, find and create customers.

Synchronous SQLAlchemy; the server calls these methods through ``asyncio.to_thread``. Every
method opens its own short session and returns frozen dataclasses, never ORM objects.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from cti.crm.cards import (
    CallerLookup,
    CustomerCard,
    build_cards,
    load_cards,
    load_cards_by_phone,
)
from cti.crm.errors import InvalidCustomer, NoSuchCustomer
from cti.crm.models import Agent, Customer, CustomerPhone, Tier
from cti.crm.phones import digits, is_withheld, normalise

MAX_SEARCH_RESULTS = 100
#: A search of at least this many digits also matches part of a stored number.
MIN_PARTIAL_DIGITS = 4

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_LIKE = re.compile(r"^[\d\s+().-]+$")


@dataclass(frozen=True, slots=True)
class NewCustomer:
    name: str
    phones: tuple[str, ...] = ()
    email: str | None = None
    account_number: str | None = None
    segment: str | None = None
    tier: str = Tier.STANDARD
    lifetime_value: float = 0.0
    churn_risk: float = 0.0
    consent_marketing_calls: bool = False
    consent_recording: bool = False
    customer_since: date | None = None
    owner_agent: str | None = None
    open_complaints: int = 0


class CrmService:
    def __init__(self, session_factory: sessionmaker[Session], default_region: str = "US") -> None:
        self._sessions = session_factory
        self._region = default_region

    def lookup_caller(self, number: str | None) -> CallerLookup:
        """Everyone reachable on ``number``; a withheld or unusable number matches no one."""
        if is_withheld(number):
            return CallerLookup(number, None, withheld=True, matches=())
        e164 = normalise(number, self._region)
        if e164 is None:
            return CallerLookup(number, None, withheld=False, matches=())
        with self._sessions() as session:
            matches = load_cards_by_phone(session, e164)
        return CallerLookup(number, e164, withheld=False, matches=tuple(matches))

    def lookup_account(self, account_number: str) -> CustomerCard | None:
        wanted = account_number.strip()
        if not wanted:
            return None
        with self._sessions() as session:
            cards = self._cards(session, Customer.account_number == wanted)
        return cards[0] if cards else None

    def get_customer(self, customer_id: int) -> CustomerCard:
        with self._sessions() as session:
            cards = self._cards(session, Customer.id == customer_id)
        if not cards:
            raise NoSuchCustomer(
                f"no customer with id {customer_id}", details={"customer_id": customer_id}
            )
        return cards[0]

    def search_customers(self, query: str, limit: int = 20) -> list[CustomerCard]:
        """Customers whose name contains, account starts with, or number matches ``query``."""
        text = query.strip()
        if not text:
            return []
        limit = max(1, min(limit, MAX_SEARCH_RESULTS))
        with self._sessions() as session:
            return self._cards(session, or_(*self._search_terms(text)), limit=limit)

    def create_customer(self, new: NewCustomer) -> CustomerCard:
        phones = validated_phones(new.phones, self._region)
        validate_fields(new)
        try:
            with self._sessions.begin() as session:
                _validate_references(session, new)
                customer = _customer_row(new, phones)
                session.add(customer)
                session.flush()
                return build_cards(session, [customer])[0]
        except IntegrityError:  # lost a race for the same account number
            raise InvalidCustomer("account_number", "is already in use") from None

    def account_numbers(self, limit: int = 500) -> list[str]:
        """Up to ``limit`` customers' account numbers, in customer order (the simulated
        callers key them in at the IVR)."""
        query = (
            select(Customer.account_number)
            .where(Customer.account_number.is_not(None))
            .order_by(Customer.id)
            .limit(limit)
        )
        with self._sessions() as session:
            return [number for number in session.scalars(query) if number]

    def _search_terms(self, text: str) -> list[ColumnElement[bool]]:
        terms: list[ColumnElement[bool]] = [
            Customer.name.icontains(text, autoescape=True),
            Customer.account_number.istartswith(text, autoescape=True),
        ]
        e164 = normalise(text, self._region)
        if e164 is not None:
            terms.append(Customer.id.in_(_owners_of(e164)))
        number_digits = digits(text)
        if _PHONE_LIKE.match(text) and len(number_digits) >= MIN_PARTIAL_DIGITS:
            partial = select(CustomerPhone.customer_id).where(
                CustomerPhone.e164.contains(number_digits, autoescape=True)
            )
            terms.append(Customer.id.in_(partial))
        return terms

    @staticmethod
    def _cards(
        session: Session, where: ColumnElement[bool], limit: int | None = None
    ) -> list[CustomerCard]:
        return load_cards(session, where, limit)


def _owners_of(e164: str) -> Select[Any]:
    return select(CustomerPhone.customer_id).where(CustomerPhone.e164 == e164)


def validated_phones(raw_phones: Sequence[str], region: str) -> list[str]:
    phones: list[str] = []
    for raw in raw_phones:
        e164 = normalise(raw, region)
        if e164 is None:
            raise InvalidCustomer("phones", f"{raw!r} is not a phone number")
        if e164 not in phones:
            phones.append(e164)
    return phones


def validate_fields(new: NewCustomer) -> None:
    if not new.name.strip() or len(new.name.strip()) > 200:
        raise InvalidCustomer("name", "must be 1 to 200 characters")
    if new.email is not None and not _EMAIL.match(new.email):
        raise InvalidCustomer("email", f"{new.email!r} is not an email address")
    if new.account_number is not None and not 0 < len(new.account_number.strip()) <= 32:
        raise InvalidCustomer("account_number", "must be 1 to 32 characters")
    if new.tier not in tuple(Tier):
        raise InvalidCustomer("tier", f"must be one of {', '.join(Tier)}")
    if not math.isfinite(new.lifetime_value) or new.lifetime_value < 0:
        raise InvalidCustomer("lifetime_value", "must be a finite amount of at least 0")
    if not 0.0 <= new.churn_risk <= 1.0:
        raise InvalidCustomer("churn_risk", "must be between 0 and 1")
    if new.open_complaints < 0:
        raise InvalidCustomer("open_complaints", "must be at least 0")


def _validate_references(session: Session, new: NewCustomer) -> None:
    account = new.account_number.strip() if new.account_number else None
    if account and session.scalar(select(Customer.id).where(Customer.account_number == account)):
        raise InvalidCustomer("account_number", f"{account!r} is already in use")
    owner = new.owner_agent
    if owner is not None and session.scalar(select(Agent.id).where(Agent.login == owner)) is None:
        raise InvalidCustomer("owner_agent", f"no agent with login {owner!r}")


def _customer_row(new: NewCustomer, phones: list[str]) -> Customer:
    return Customer(
        name=new.name.strip(),
        email=new.email,
        account_number=new.account_number.strip() if new.account_number else None,
        segment=new.segment,
        tier=Tier(new.tier).value,
        lifetime_value=new.lifetime_value,
        churn_risk=new.churn_risk,
        consent_marketing_calls=new.consent_marketing_calls,
        consent_recording=new.consent_recording,
        customer_since=new.customer_since,
        owner_agent=new.owner_agent,
        open_complaints=new.open_complaints,
        phones=[CustomerPhone(e164=e164) for e164 in phones],
    )
