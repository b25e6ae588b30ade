"""The demo's past: a believable call history for each seeded customer.

Pure generation from a ``random.Random``; ``cti.demo.seed`` writes what this returns. Calls
fall in US business hours over the ~18 months before ``until``, most are answered, some
abandoned, and a few transferred between queues (two legs under one call id).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cti.crm.calllog import InteractionRecord
from cti.crm.models import Outcome
from cti.telephony.events import Direction

HISTORY_DAYS = 540
#: One fictional (555-01XX) DID per queue: what inbound customers dialled.
QUEUE_NUMBERS = {
    "sales": "+18005550100",
    "support": "+18005550101",
    "billing": "+18005550102",
    "retention": "+18005550103",
}
_QUEUE_WEIGHTS = {"support": 40, "billing": 25, "sales": 20, "retention": 15}
_IVR_DIGIT = {"sales": "1", "support": "2", "billing": "3", "retention": "4"}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_TOPICS = ("router firmware", "mobile data", "voicemail setup", "the app login", "roaming")
_PLANS = ("Fibre 500", "Unlimited Plus", "Family Share", "Business Pro")

#: (disposition, note template) per queue; {amount}, {topic}, {plan} are filled in.
WRAP_UPS: Mapping[str, Sequence[tuple[str, str]]] = {
    "sales": (
        ("sale-closed", "Upgraded to {plan}; contract and welcome pack sent."),
        ("quote-sent", "Asked for a quote on {plan}; emailed it, valid 14 days."),
        ("not-interested", "Compared {plan} with a competitor; happy where they are."),
        ("callback-requested", "Wants to discuss {plan} with their partner first."),
    ),
    "support": (
        ("resolved", "Trouble with {topic}; walked through a reset, working now."),
        ("escalated", "{topic} still failing after reset; escalated to second line."),
        ("ticket-opened", "Intermittent fault on {topic}; opened a ticket for an engineer."),
        ("resolved", "How-to question about {topic}; sent the help article."),
    ),
    "billing": (
        ("payment-taken", "Took a card payment of ${amount}; receipt emailed."),
        ("refund-issued", "Double charge last month; refunded ${amount}."),
        ("invoice-explained", "Queried a ${amount} line on the invoice; explained proration."),
        ("payment-plan", "Set up a three-month plan for ${amount} arrears."),
    ),
    "retention": (
        ("retained-discount", "Threatened to leave over price; kept with 15% off {plan}."),
        ("retained-upgrade", "Unhappy with speed; moved to {plan} at the same price."),
        ("cancelled", "Moving abroad; cancellation booked, final bill ${amount}."),
        ("thinking-it-over", "Offered {plan} at a discount; will decide by Friday."),
    ),
}


@dataclass(frozen=True, slots=True)
class HistoryContext:
    """What the generator needs to know about the customer and the centre."""

    customer_id: int
    phones: tuple[str, ...]
    agents_by_queue: Mapping[str, Sequence[str]]
    wrapup_by_queue: Mapping[str, float]
    until: datetime
    since: date | None = None  # the customer's first day: no call before it


class CallIds:
    """Asterisk-style ids (``demo-<epoch>.<seq>``); the prefix keeps them clear of live calls."""

    def __init__(self, prefix: str = "demo") -> None:
        self._next = 1
        self._prefix = prefix

    def new(self, at: datetime) -> str:
        self._next += 1
        return f"{self._prefix}-{int(at.timestamp())}.{self._next}"


def customer_history(
    rng: random.Random, ctx: HistoryContext, count: int, ids: CallIds
) -> list[InteractionRecord]:
    records: list[InteractionRecord] = []
    for _ in range(count):
        records.extend(_one_call(rng, ctx, ids))
    return records


def _one_call(rng: random.Random, ctx: HistoryContext, ids: CallIds) -> list[InteractionRecord]:
    queue = _pick(rng, _QUEUE_WEIGHTS)
    offered = _business_hours(rng, ctx.until, ctx.since)
    call_id = ids.new(offered)
    outbound = rng.random() < 0.12
    roll = rng.random()
    if roll < 0.10 and not outbound:
        return [_abandoned(rng, ctx, call_id, queue, offered)]
    if roll < 0.16 and not outbound:
        second = rng.choice([q for q in _QUEUE_WEIGHTS if q != queue])
        first = _answered(rng, ctx, call_id, 1, queue, offered, transferred=True)
        handed_over = first.ended_at or offered
        return [first, _answered(rng, ctx, call_id, 2, second, handed_over)]
    return [_answered(rng, ctx, call_id, 1, queue, offered, outbound=outbound)]


def _answered(
    rng: random.Random,
    ctx: HistoryContext,
    call_id: str,
    leg: int,
    queue: str,
    offered: datetime,
    *,
    transferred: bool = False,
    outbound: bool = False,
) -> InteractionRecord:
    wait = 0.0 if outbound else round(min(rng.expovariate(1 / 22), 240.0), 1)
    ring = round(rng.uniform(3, 12), 1)
    talk = round(min(rng.lognormvariate(5.3, 0.6), 3600.0), 1)
    agents = ctx.agents_by_queue.get(queue, ())
    agent = rng.choice(agents) if agents else None
    rang = _rang_without_answer(rng, agents, agent)
    answered = offered + timedelta(seconds=wait + ring)
    disposition, notes = _wrap_up(rng, queue, transferred)
    return InteractionRecord(
        call_id=call_id,
        leg=leg,
        direction=Direction.OUTBOUND if outbound else Direction.INBOUND,
        offered_at=offered,
        caller_number=QUEUE_NUMBERS[queue] if outbound else _caller(rng, ctx),
        dialled_number=_caller(rng, ctx) if outbound else QUEUE_NUMBERS[queue],
        customer_id=ctx.customer_id,
        queue=queue,
        agent_login=agent,
        ringing_at=offered + timedelta(seconds=wait),
        answered_at=answered,
        ended_at=answered + timedelta(seconds=talk),
        wait_seconds=round(wait + ring, 1),
        talk_seconds=talk,
        wrap_seconds=round(ctx.wrapup_by_queue.get(queue, 30) * rng.uniform(0.4, 1.5), 1),
        outcome=Outcome.TRANSFERRED if transferred else Outcome.ANSWERED,
        disposition=disposition,
        notes=notes,
        follow_up=_follow_up(rng, disposition),
        ivr_data=_ivr(rng, queue) if not outbound and leg == 1 else (),
        rang_agents=rang,
    )


def _abandoned(
    rng: random.Random, ctx: HistoryContext, call_id: str, queue: str, offered: datetime
) -> InteractionRecord:
    wait = round(rng.uniform(8, 180), 1)
    agents = ctx.agents_by_queue.get(queue, ())
    return InteractionRecord(
        call_id=call_id,
        leg=1,
        direction=Direction.INBOUND,
        offered_at=offered,
        caller_number=_caller(rng, ctx),
        dialled_number=QUEUE_NUMBERS[queue],
        customer_id=ctx.customer_id,
        queue=queue,
        ended_at=offered + timedelta(seconds=wait),
        wait_seconds=wait,
        outcome=Outcome.ABANDONED,
        ivr_data=_ivr(rng, queue),
        rang_agents=_rang_without_answer(rng, agents, None),
    )


def _wrap_up(rng: random.Random, queue: str, transferred: bool) -> tuple[str, str]:
    if transferred:
        return "transferred", f"Needed {queue} to hand over; transferred with a warm intro."
    disposition, template = rng.choice(WRAP_UPS[queue])
    amount = f"{rng.uniform(9, 480):.2f}"
    note = template.format(amount=amount, topic=rng.choice(_TOPICS), plan=rng.choice(_PLANS))
    return disposition, note


def _follow_up(rng: random.Random, disposition: str) -> str | None:
    if disposition in ("callback-requested", "thinking-it-over", "ticket-opened"):
        return f"Call back on {rng.choice(_WEEKDAYS)} afternoon."
    return None


def _rang_without_answer(
    rng: random.Random, agents: Sequence[str], answering: str | None
) -> tuple[str, ...]:
    others = [a for a in agents if a != answering]
    if not others or rng.random() > 0.2:
        return ()
    return tuple(rng.sample(others, k=min(len(others), rng.randint(1, 2))))


def _ivr(rng: random.Random, queue: str) -> tuple[tuple[str, str], ...]:
    language = "es" if rng.random() < 0.1 else "en"
    verified = "yes" if rng.random() < 0.7 else "no"
    return (("account_verified", verified), ("language", language), ("menu", _IVR_DIGIT[queue]))


def _caller(rng: random.Random, ctx: HistoryContext) -> str | None:
    return rng.choice(ctx.phones) if ctx.phones else None


def _business_hours(rng: random.Random, until: datetime, since: date | None = None) -> datetime:
    """A weekday moment between 13:00 and 23:00 UTC (roughly 8am-6pm across the US), in the
    last ``HISTORY_DAYS`` and not before ``since``."""
    span = HISTORY_DAYS if since is None else min(HISTORY_DAYS, (until.date() - since).days)
    day = until - timedelta(days=rng.randint(1, max(span, 1)))
    step = -1 if since is None or (day.date() - since).days >= 2 else 1
    while day.weekday() >= 5:
        day += timedelta(days=step)
    start = day.replace(hour=13, minute=0, second=0, microsecond=0)
    return start + timedelta(seconds=rng.randint(0, 10 * 3600 - 1))


def _pick(rng: random.Random, weights: Mapping[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]
