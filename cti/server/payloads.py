"""The JSON shapes pushed to desktops and boards, built from each feature's views."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import orjson

from acd.agents import Agent
from acd.commands import PhoneFailed
from acd.stats import QueueSnapshot
from acd.views import agent_view, alert_view, iso, snapshot_view
from cti.calls.model import Call
from cti.calls.views import call_view
from cti.crm.cards import CallerLookup
from cti.crm.external import ExternalLookup
from cti.crm.views import external_view, lookup_view
from dialer.offers import LeadCard, OutboundOffer


def encode(message: dict[str, Any]) -> bytes:
    return orjson.dumps(message, default=_default)


def _default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def pop(
    call: Call, lookup: CallerLookup | None, sent_at: float, crm: ExternalLookup | None = None
) -> bytes:
    return encode(
        {
            "type": "pop",
            "call": call_view(call),
            "customer": lookup_view(lookup),
            "crm": external_view(crm),
            "ivr": dict(call.variables),
            "ringing_at": call.ringing_at,
            "sent_at": sent_at,
        }
    )


def outbound_call(offer: OutboundOffer, ended_at: float | None = None) -> dict[str, Any]:
    """A campaign call in the shape of ``call_view``: the agent was given it at ``offer.at``
    (the person is bridged to the agent's waiting line, so it never rings)."""
    lead = offer.lead
    return {
        "call_id": offer.attempt_id,
        "leg": 0,
        "direction": "outbound",
        "phase": "ended" if ended_at is not None else "connected",
        "caller_number": lead.phone,
        "caller_name": lead.name or None,
        "dialled": lead.phone,
        "queue": offer.queue,
        "agent_id": offer.agent_id,
        "offered_at": iso(offer.dialled_at),
        "queued_at": iso(offer.answered_at),
        "ringing_at": None,
        "answered_at": iso(offer.at),
        "ended_at": iso(ended_at),
        "on_hold": False,
        "outcome": None,
        "ivr": {},
    }


def lead_view(lead: LeadCard) -> dict[str, Any]:
    return {
        "id": lead.lead_id,
        "name": lead.name,
        "phone": lead.phone,
        "account": lead.account,
        "fields": dict(lead.fields),
        "attempts": lead.attempts,
    }


def outbound_pop(
    offer: OutboundOffer,
    lookup: CallerLookup | None,
    sent_at: float,
    crm: ExternalLookup | None = None,
) -> bytes:
    """The pop of a person a campaign reached: the lead, the customer's CRM record (found by
    the lead's account, else by its number), the external CRM's answer if one is configured,
    and the campaign's name and script."""
    return encode(
        {
            "type": "pop",
            "call": outbound_call(offer),
            "customer": lookup_view(lookup),
            "crm": external_view(crm),
            "ivr": {},
            "lead": lead_view(offer.lead),
            "campaign": {"name": offer.campaign, "script": offer.script},
            "ringing_at": None,
            "sent_at": sent_at,
        }
    )


def enriched(call: Call, crm: ExternalLookup, sent_at: float) -> bytes:
    """The external CRM's answer for a call already popped."""
    return enriched_call(call.call_id, crm, sent_at)


def enriched_call(call_id: str, crm: ExternalLookup, sent_at: float) -> bytes:
    return encode(
        {"type": "enrich", "call_id": call_id, "crm": external_view(crm), "sent_at": sent_at}
    )


def call_changed(call: Call, change: str) -> bytes:
    return encode({"type": "call", "change": change, "call": call_view(call)})


def board(
    snapshots: list[QueueSnapshot], agents: list[Agent], alerts: list[PhoneFailed] | None = None
) -> bytes:
    return encode(
        {
            "type": "board",
            "queues": [snapshot_view(s) for s in snapshots],
            "agents": [agent_view(a) for a in agents],
            "alerts": [alert_view(a) for a in alerts or ()],
        }
    )
