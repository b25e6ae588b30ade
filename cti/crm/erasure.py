"""A customer's right to their data: everything held on them (export), and erasure.

Erasing a customer deletes their record and phones and anonymises every interaction that
was theirs, whether it was matched to them (``customer_id``) or only came from or went to
one of their numbers, in any spelling the PBX stored (``(415) 555-0177``, ``14155550177``,
``sip:4155550177@trunk``: each stored number is normalised to E.164 for the comparison,
``cti.crm.phones``): the numbers, the notes, the follow-up and what the IVR collected are
removed, and the leg stays in the call log as a nameless count (queue, times, outcome,
disposition), so statistics and forecasts still add up. A write-back still waiting in the
outbox for those interactions is dropped, since it carries the notes. Who erased whom and
when is recorded in ``crm_erasures``, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import phonenumbers
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from cti.crm.cards import load_cards
from cti.crm.errors import NoSuchCustomer
from cti.crm.models import CrmErasure, CrmWriteBack, Customer, CustomerPhone, Interaction
from cti.crm.phones import normalise
from cti.crm.views import card_view

#: The interaction columns an export carries (everything but internal keys).
_EXPORTED = (
    "call_id",
    "leg",
    "direction",
    "caller_number",
    "dialled_number",
    "queue",
    "agent_login",
    "offered_at",
    "ringing_at",
    "answered_at",
    "ended_at",
    "wait_seconds",
    "talk_seconds",
    "wrap_seconds",
    "outcome",
    "disposition",
    "notes",
    "follow_up",
    "ivr_data",
)


@dataclass(frozen=True, slots=True)
class Erasure:
    id: int
    customer_id: int
    erased_by: str
    erased_at: datetime
    interactions: int


class CustomerData:
    def __init__(self, session_factory: sessionmaker[Session], default_region: str = "US") -> None:
        self._sessions = session_factory
        self._region = default_region

    def export(self, customer_id: int) -> dict[str, Any]:
        """The customer's record and every interaction of theirs, oldest first."""
        with self._sessions() as session:
            cards = load_cards(session, Customer.id == customer_id)
            if not cards:
                raise _missing(customer_id)
            rows = session.scalars(
                select(Interaction)
                .where(Interaction.id.in_(self._theirs(session, customer_id)))
                .order_by(Interaction.offered_at, Interaction.id)
            )
            interactions = [_exported(row) for row in rows]
        customer = card_view(cards[0])
        customer.pop("recent")
        return {"customer": customer, "interactions": interactions}

    def erase(self, customer_id: int, by: str, at: datetime) -> Erasure:
        with self._sessions.begin() as session:
            if session.get(Customer, customer_id) is None:
                raise _missing(customer_id)
            ids = self._theirs(session, customer_id)
            if ids:
                session.execute(delete(CrmWriteBack).where(CrmWriteBack.interaction_id.in_(ids)))
                session.execute(
                    update(Interaction)
                    .where(Interaction.id.in_(ids))
                    .values(
                        customer_id=None,
                        caller_number=None,
                        dialled_number=None,
                        notes=None,
                        follow_up=None,
                        ivr_data={},
                    )
                )
            session.execute(delete(CustomerPhone).where(CustomerPhone.customer_id == customer_id))
            session.execute(delete(Customer).where(Customer.id == customer_id))
            record = CrmErasure(
                customer_id=customer_id, erased_by=by, erased_at=at, interactions=len(ids)
            )
            session.add(record)
            session.flush()
            return Erasure(record.id, customer_id, by, at, len(ids))

    def erasures(self, customer_id: int) -> list[Erasure]:
        with self._sessions() as session:
            rows = session.scalars(select(CrmErasure).where(CrmErasure.customer_id == customer_id))
            return [
                Erasure(r.id, r.customer_id, r.erased_by, r.erased_at, r.interactions) for r in rows
            ]

    def _theirs(self, session: Session, customer_id: int) -> list[int]:
        """The ids of the customer's interactions: matched to them, or from or to one of their
        numbers however it was spelt when stored.

        The database picks the candidates (the customer's id, an exact E.164 match, or a
        stored number holding the national number's digits in order, whatever lies between
        them); each candidate's stored numbers are then normalised with the same region as
        every lookup, and only a number that normalises to one of theirs makes it theirs."""
        numbers = set(
            session.scalars(
                select(CustomerPhone.e164).where(CustomerPhone.customer_id == customer_id)
            )
        )
        columns = (Interaction.caller_number, Interaction.dialled_number)
        spelt = [
            column.like(pattern)
            for pattern in sorted({_digits_in_order(number) for number in numbers})
            for column in columns
        ]
        rows = session.execute(
            select(Interaction.id, Interaction.customer_id, *columns).where(
                or_(
                    Interaction.customer_id == customer_id,
                    *(column.in_(numbers) for column in columns),
                    *spelt,
                )
            )
        )
        return [
            row.id
            for row in rows
            if row.customer_id == customer_id
            or normalise(row.caller_number, self._region) in numbers
            or normalise(row.dialled_number, self._region) in numbers
        ]


def _digits_in_order(e164: str) -> str:
    """A LIKE pattern for any spelling of ``e164``: its national number's digits in order,
    anything around or between them (spaces, dashes, brackets, a country prefix, a URI)."""
    national = str(phonenumbers.parse(e164).national_number)
    return "%" + "%".join(national) + "%"


def _exported(row: Interaction) -> dict[str, Any]:
    view = {name: getattr(row, name) for name in _EXPORTED}
    for name in ("offered_at", "ringing_at", "answered_at", "ended_at"):
        view[name] = view[name].isoformat() if view[name] is not None else None
    return view


def _missing(customer_id: int) -> NoSuchCustomer:
    return NoSuchCustomer(
        f"no customer with id {customer_id}", details={"customer_id": customer_id}
    )
