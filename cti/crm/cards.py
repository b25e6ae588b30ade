"""What the CRM shows: customer cards with their latest interactions.

``load_cards`` reads them in three plain column queries (customers, their phones, their latest
interactions ranked in SQL), with no ORM objects: it runs for every call, at offer. The two
queries that follow the customers are built once, with the ids as an expanding parameter, so
SQLAlchemy neither rebuilds nor recompiles them per call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, select
from sqlalchemy.orm import Session

from cti.crm.models import Customer, CustomerPhone, Interaction, Tier

#: How many past interactions a card carries.
RECENT_INTERACTIONS = 5


@dataclass(frozen=True, slots=True)
class InteractionSummary:
    id: int
    call_id: str
    direction: str
    started_at: datetime
    queue: str | None
    agent_login: str | None
    outcome: str | None
    disposition: str | None
    notes: str | None


@dataclass(frozen=True, slots=True)
class CustomerCard:
    id: int
    name: str
    phones: tuple[str, ...]
    email: str | None
    account_number: str | None
    segment: str | None
    tier: Tier
    lifetime_value: float
    churn_risk: float
    consent_marketing_calls: bool
    consent_recording: bool
    customer_since: date | None
    owner_agent: str | None
    open_complaints: int
    recent: tuple[InteractionSummary, ...]  # newest first


@dataclass(frozen=True, slots=True)
class CallerLookup:
    number_raw: str | None
    number_e164: str | None
    withheld: bool
    matches: tuple[CustomerCard, ...]


_CARD_COLUMNS = (
    Customer.id,
    Customer.name,
    Customer.email,
    Customer.account_number,
    Customer.segment,
    Customer.tier,
    Customer.lifetime_value,
    Customer.churn_risk,
    Customer.consent_marketing_calls,
    Customer.consent_recording,
    Customer.customer_since,
    Customer.owner_agent,
    Customer.open_complaints,
)
_SUMMARY_COLUMNS = (
    Interaction.id,
    Interaction.call_id,
    Interaction.direction,
    Interaction.offered_at,
    Interaction.queue,
    Interaction.agent_login,
    Interaction.outcome,
    Interaction.disposition,
    Interaction.notes,
)

_PHONES = (
    select(CustomerPhone.customer_id, CustomerPhone.e164)
    .where(CustomerPhone.customer_id.in_(bindparam("ids", expanding=True)))
    .order_by(CustomerPhone.id)
)
_RANKED = (
    select(
        Interaction.customer_id,
        *_SUMMARY_COLUMNS,
        func.row_number()
        .over(
            partition_by=Interaction.customer_id,
            order_by=(Interaction.offered_at.desc(), Interaction.id.desc()),
        )
        .label("rank"),
    )
    .where(Interaction.customer_id.in_(bindparam("ids", expanding=True)))
    .subquery()
)
_RECENT = (
    select(_RANKED)
    .where(_RANKED.c.rank <= RECENT_INTERACTIONS)
    .order_by(_RANKED.c.customer_id, _RANKED.c.rank)
)

_BY_PHONE = (
    select(*_CARD_COLUMNS)
    .where(
        Customer.id.in_(
            select(CustomerPhone.customer_id).where(CustomerPhone.e164 == bindparam("e164"))
        )
    )
    .order_by(Customer.name, Customer.id)
)


def load_cards_by_phone(session: Session, e164: str) -> list[CustomerCard]:
    """Everyone reachable on ``e164`` (the lookup every call makes), by name."""
    return _assemble(session, session.execute(_BY_PHONE, {"e164": e164}).all())


def load_cards(
    session: Session, where: ColumnElement[bool], limit: int | None = None
) -> list[CustomerCard]:
    """The cards of the customers ``where`` selects, by name (then id)."""
    query = select(*_CARD_COLUMNS).where(where).order_by(Customer.name, Customer.id).limit(limit)
    customers = session.execute(query).all()
    return _assemble(session, customers)


def build_cards(session: Session, customers: Sequence[Customer]) -> list[CustomerCard]:
    """The cards of customers already loaded (or just written) in ``session``."""
    if not customers:
        return []
    session.flush()
    return load_cards(session, Customer.id.in_([c.id for c in customers]))


def _assemble(session: Session, customers: Sequence[Any]) -> list[CustomerCard]:
    ids = [c.id for c in customers]
    if not ids:
        return []
    phones: dict[int, list[str]] = {}
    for customer_id, e164 in session.execute(_PHONES, {"ids": ids}):
        phones.setdefault(customer_id, []).append(e164)
    recent = _recent_by_customer(session, ids)
    return [
        CustomerCard(
            id=c.id,
            name=c.name,
            phones=tuple(phones.get(c.id, ())),
            email=c.email,
            account_number=c.account_number,
            segment=c.segment,
            tier=Tier(c.tier),
            lifetime_value=float(c.lifetime_value),
            churn_risk=float(c.churn_risk),
            consent_marketing_calls=c.consent_marketing_calls,
            consent_recording=c.consent_recording,
            customer_since=c.customer_since,
            owner_agent=c.owner_agent,
            open_complaints=c.open_complaints,
            recent=recent.get(c.id, ()),
        )
        for c in customers
    ]


def _recent_by_customer(
    session: Session, customer_ids: list[int]
) -> dict[int, tuple[InteractionSummary, ...]]:
    """The latest interactions of each customer, ranked in SQL so heavy callers cost nothing."""
    grouped: dict[int, list[InteractionSummary]] = {}
    for row in session.execute(_RECENT, {"ids": customer_ids}):
        grouped.setdefault(row.customer_id, []).append(
            InteractionSummary(
                row.id,
                row.call_id,
                row.direction,
                row.offered_at,
                row.queue,
                row.agent_login,
                row.outcome,
                row.disposition,
                row.notes,
            )
        )
    return {customer_id: tuple(rows) for customer_id, rows in grouped.items()}
