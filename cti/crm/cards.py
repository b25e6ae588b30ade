"""What the CRM shows: customer cards with their latest interactions, built in two queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from cti.crm.models import Customer, Interaction, Tier

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


def build_cards(session: Session, customers: Sequence[Customer]) -> list[CustomerCard]:
    recent = _recent_by_customer(session, [customer.id for customer in customers])
    return [_card(customer, recent.get(customer.id, ())) for customer in customers]


def _card(customer: Customer, recent: tuple[InteractionSummary, ...]) -> CustomerCard:
    return CustomerCard(
        id=customer.id,
        name=customer.name,
        phones=tuple(phone.e164 for phone in customer.phones),
        email=customer.email,
        account_number=customer.account_number,
        segment=customer.segment,
        tier=Tier(customer.tier),
        lifetime_value=float(customer.lifetime_value),
        churn_risk=float(customer.churn_risk),
        consent_marketing_calls=customer.consent_marketing_calls,
        consent_recording=customer.consent_recording,
        customer_since=customer.customer_since,
        owner_agent=customer.owner_agent,
        open_complaints=customer.open_complaints,
        recent=recent,
    )


def _recent_by_customer(
    session: Session, customer_ids: list[int]
) -> dict[int, tuple[InteractionSummary, ...]]:
    """The latest interactions of each customer, ranked in SQL so heavy callers cost nothing."""
    if not customer_ids:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=Interaction.customer_id,
            order_by=(Interaction.offered_at.desc(), Interaction.id.desc()),
        )
        .label("rank")
    )
    ranked = select(Interaction, rank).where(Interaction.customer_id.in_(customer_ids)).subquery()
    latest = aliased(Interaction, ranked)
    query = (
        select(latest)
        .where(ranked.c.rank <= RECENT_INTERACTIONS)
        .order_by(ranked.c.customer_id, ranked.c.rank)
    )
    grouped: dict[int, list[InteractionSummary]] = {}
    for row in session.scalars(query):
        if row.customer_id is not None:
            grouped.setdefault(row.customer_id, []).append(summarise(row))
    return {customer_id: tuple(rows) for customer_id, rows in grouped.items()}


def summarise(row: Interaction) -> InteractionSummary:
    return InteractionSummary(
        id=row.id,
        call_id=row.call_id,
        direction=row.direction,
        started_at=row.offered_at,
        queue=row.queue,
        agent_login=row.agent_login,
        outcome=row.outcome,
        disposition=row.disposition,
        notes=row.notes,
    )
