"""What the dialer tells the agent's desktop about a person it reached.

A campaign call has no inbound call behind it, so the call centre's own pop (built when an
agent's phone rings) never fires for it. The runtime tells a ``PopSink`` instead, which the
application provides (``cti.server.outbound_pops``):

- ``reached``: a person answered (AMD said so, or AMD is off); the sink may look the customer
  up in the CRM now, so the pop costs no database round trip when an agent is chosen;
- ``offered``: the ACD chose an agent (or the preview agent who dialled is connected): the
  lead, the campaign's name and script go to that agent's desktop;
- ``ended``: the attempt is over (``agent_id``: the agent it was given to, if any), or the
  bridge to that agent was refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from dialer.models import DialerLead


@dataclass(frozen=True, slots=True)
class LeadCard:
    """The lead as the pop shows it: its list's columns, and how often it has been tried."""

    lead_id: int
    name: str
    phone: str
    account: str | None
    fields: tuple[tuple[str, str], ...]  # the list's other columns, in the order they came
    attempts: int  # this one included

    @classmethod
    def of(cls, lead: DialerLead, attempts: int) -> LeadCard:
        fields = tuple(
            (str(k), "" if v is None else str(v)) for k, v in (lead.fields or {}).items()
        )
        return cls(lead.id, lead.name, lead.phone, lead.account, fields, attempts)


@dataclass(frozen=True, slots=True)
class PersonReached:
    attempt_id: str
    lead: LeadCard
    at: float


@dataclass(frozen=True, slots=True)
class OutboundOffer:
    attempt_id: str
    agent_id: str
    campaign: str
    script: str
    queue: str
    lead: LeadCard
    dialled_at: float
    answered_at: float | None
    at: float  # when the agent was chosen


class PopSink(Protocol):
    def reached(self, person: PersonReached) -> None: ...

    def offered(self, offer: OutboundOffer) -> None: ...

    def ended(self, attempt_id: str, agent_id: str | None, at: float) -> None: ...
