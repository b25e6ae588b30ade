"""Demo data: four queues, a floor of agents, customers with a past, and weeks of traffic.

Deterministic for a given seed (Faker and ``random.Random`` both seeded, history anchored at
``until`` rather than the wall clock) and idempotent: a database that already has agents or
customers is left alone. The traffic (``traffic_days``) is the call log of callers the CRM does
not know, at a realistic volume with weekday, intraday and holiday shapes, so that a planner's
forecast has history to work from. Every phone number is in the fictional 555-01XX range and every
email address is at an RFC 2606 example domain, so the demo can never reach a real person.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from faker import Faker
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from acd.model import QueueConfig
from acd.models import Skill
from acd.store import write_queue
from cti.crm.calllog import InteractionRecord, record_values
from cti.crm.models import (
    Agent,
    AgentSkill,
    Customer,
    CustomerPhone,
    Interaction,
    Outcome,
)
from cti.db import take_schema_lock
from cti.demo.history import CallIds, HistoryContext, customer_history
from cti.roles import Role
from cti.telephony.events import Direction
from wfm.demo import history as traffic_history

#: Two customers of one household share this line; a call from it matches both.
SHARED_NUMBER = "+13125550100"
#: The demo history ends here unless the caller passes ``until``.
DEMO_UNTIL = datetime(2026, 1, 5, 22, 0, tzinfo=UTC)

DEMO_QUEUES = tuple(
    QueueConfig(name, label, ((name, 1),), service_level_seconds=sl, wrapup_seconds=wrapup)
    for name, label, sl, wrapup in (
        ("sales", "Sales", 20, 30),
        ("support", "Technical support", 30, 60),
        ("billing", "Billing", 30, 45),
        ("retention", "Retention", 20, 60),
    )
)
SKILLS = tuple(queue.name for queue in DEMO_QUEUES)
SUPERVISORS = ("super01", "super02")
ADMIN = "admin"

# fmt: off
#: Real US area codes; with 555-01XX they make numbers that are reserved as fictional.
_AREA_CODES = (
    201, 202, 203, 205, 206, 207, 208, 210, 212, 213, 214, 215, 216, 217, 218, 219, 224, 225,
    228, 229, 231, 234, 239, 240, 248, 251, 252, 253, 254, 256, 260, 262, 267, 269, 270, 276,
    281, 301, 302, 303, 304, 305, 307, 308, 309, 310, 312, 313, 314, 315, 316, 317, 318, 319,
    320, 321, 323, 325, 330, 331, 334, 336, 337, 339, 347, 352, 360, 361, 385, 386, 401, 402,
    404, 405, 406, 407, 408, 409, 410, 412, 413, 414, 415, 417, 419, 423, 424, 425, 432, 434,
    435, 440, 443, 469, 470, 478, 479, 480, 484, 501, 502, 503, 504, 505, 507, 508, 509, 510,
    512, 513, 515, 516, 517, 518, 520, 530, 540, 541, 551, 559, 561, 562, 563, 570, 571, 573,
    574, 575, 580, 585, 586, 601, 602, 603, 605, 606, 607, 608, 609, 610, 612, 614, 615, 616,
    617, 618, 619, 620, 623, 626, 630, 631, 636, 641, 646, 650, 651, 660, 661, 662, 678, 682,
    701, 702, 703, 704, 706, 707, 708, 712, 713, 714, 715, 716, 717, 718,
)
# fmt: on
_EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
_SEGMENTS = {"consumer": 70, "small-business": 22, "enterprise": 8}
_TIERS = {"standard": 80, "gold": 15, "vip": 5}
_LTV_MEDIAN = {"standard": 450.0, "gold": 3200.0, "vip": 18000.0}
#: Calls on an ordinary Thursday per queue in the demo traffic (Monday is busier, Sunday quiet).
TRAFFIC_PER_WEEKDAY = {"sales": 160.0, "support": 180.0, "billing": 90.0, "retention": 50.0}


@dataclass(frozen=True, slots=True)
class SeedReport:
    seeded: bool
    queues: int
    agents: int
    customers: int
    interactions: int


_NOTHING = SeedReport(seeded=False, queues=0, agents=0, customers=0, interactions=0)


def seed_demo(
    session_factory: sessionmaker[Session],
    *,
    seed: int,
    password: str,
    customers: int = 2000,
    agents: int = 24,
    until: datetime = DEMO_UNTIL,
    traffic_days: int = 0,
) -> SeedReport:
    """Fill an empty database with the demo; an already-populated one is left untouched."""
    if customers < 2 or agents < 1:
        raise ValueError("the demo needs at least 2 customers and 1 agent")
    try:
        with session_factory.begin() as session:
            take_schema_lock(session.connection())  # another server may be seeding right now
            if _populated(session):
                return _NOTHING
            return _seed(session, seed, password, customers, agents, until, traffic_days)
    except IntegrityError:  # a server without the lock (SQLite) filled it first: keep theirs
        with session_factory() as session:
            if _populated(session):
                return _NOTHING
        raise


def _seed(
    session: Session,
    seed: int,
    password: str,
    customers: int,
    agents: int,
    until: datetime,
    traffic_days: int,
) -> SeedReport:
    rng, fake = random.Random(seed), Faker("en_US")
    fake.seed_instance(seed)
    staff = _staff(rng, fake, agents, PasswordHasher().hash(password))
    floor = [agent.login for agent in staff if agent.role == Role.AGENT]
    people = _customers(rng, fake, customers, floor, until)
    for queue in DEMO_QUEUES:
        write_queue(session, queue)
    session.add_all([Skill(name=skill, description=f"{skill} calls") for skill in SKILLS])
    session.add_all(staff)
    session.add_all(people)
    session.flush()
    history = _history(rng, people, staff, until)
    history += _traffic(seed, staff, until, traffic_days)
    if history:
        session.execute(insert(Interaction), history)
    return SeedReport(True, len(DEMO_QUEUES), len(staff), len(people), len(history))


def demo_caller_numbers(session_factory: sessionmaker[Session]) -> list[str]:
    """Every known customer number once, in customer order (``SHARED_NUMBER`` included)."""
    query = (
        select(CustomerPhone.e164)
        .group_by(CustomerPhone.e164)
        .order_by(func.min(CustomerPhone.customer_id), CustomerPhone.e164)
    )
    with session_factory() as session:
        return list(session.scalars(query))


def _populated(session: Session) -> bool:
    has_agents = session.scalar(select(Agent.id).limit(1)) is not None
    return has_agents or session.scalar(select(Customer.id).limit(1)) is not None


def _staff(rng: random.Random, fake: Faker, count: int, password_hash: str) -> list[Agent]:
    staff = [_floor_agent(rng, fake, index, password_hash) for index in range(count)]
    for login in SUPERVISORS:
        skills = [AgentSkill(skill=skill, level=4) for skill in SKILLS]
        name = f"{fake.first_name()} {fake.last_name()}"
        staff.append(
            Agent(login=login, display_name=name, role=Role.SUPERVISOR.value, skills=skills)
        )
    staff.append(Agent(login=ADMIN, display_name="Administrator", role=Role.ADMIN.value, skills=[]))
    for agent in staff:
        agent.password_hash = password_hash
    return staff


def _floor_agent(rng: random.Random, fake: Faker, index: int, password_hash: str) -> Agent:
    primary = SKILLS[index % len(SKILLS)]
    extras = rng.sample([s for s in SKILLS if s != primary], k=rng.choice((0, 1, 1, 2)))
    skills = [AgentSkill(skill=primary, level=rng.randint(2, 5))]
    skills += [AgentSkill(skill=skill, level=rng.randint(1, 4)) for skill in extras]
    return Agent(
        login=f"agent{index + 1:02d}",
        display_name=f"{fake.first_name()} {fake.last_name()}",
        role=Role.AGENT.value,
        password_hash=password_hash,
        skills=skills,
    )


def _customers(
    rng: random.Random, fake: Faker, count: int, owners: Sequence[str], until: datetime
) -> list[Customer]:
    names = [(fake.first_name(), fake.last_name()) for _ in range(count)]
    names[1] = (names[1][0], names[0][1])  # one household: the pair sharing SHARED_NUMBER
    phone_counts = [2 if rng.random() < 0.3 else 1 for _ in range(count)]
    numbers = iter(_numbers(rng, sum(phone_counts)))
    accounts = rng.sample(range(10_000_000, 100_000_000), count)
    people = []
    for index, (first, last) in enumerate(names):
        person = _customer(rng, first, last, f"AC{accounts[index]}", owners, until)
        labels = ("mobile", "work")[: phone_counts[index]]
        person.phones = [CustomerPhone(e164=next(numbers), label=label) for label in labels]
        people.append(person)
    for person in people[:2]:
        person.phones.append(CustomerPhone(e164=SHARED_NUMBER, label="home"))
    return people


def _customer(
    rng: random.Random, first: str, last: str, account: str, owners: Sequence[str], until: datetime
) -> Customer:
    tier = _pick(rng, _TIERS)
    complaints = rng.choices((0, 1, 2, 3), weights=(88, 8, 3, 1))[0]
    owned = {"vip": 1.0, "gold": 0.4}.get(tier, 0.03)
    return Customer(
        name=f"{first} {last}",
        email=_email(rng, first, last),
        account_number=account,
        segment=_pick(rng, _SEGMENTS),
        tier=tier,
        lifetime_value=round(_LTV_MEDIAN[tier] * rng.lognormvariate(0, 0.6), 2),
        churn_risk=round(min(1.0, rng.betavariate(2, 7) + 0.15 * complaints), 3),
        consent_marketing_calls=rng.random() < 0.55,
        consent_recording=rng.random() < 0.92,
        customer_since=(until - timedelta(days=rng.randint(30, 4000))).date(),
        owner_agent=rng.choice(owners) if owners and rng.random() < owned else None,
        open_complaints=complaints,
    )


def _email(rng: random.Random, first: str, last: str) -> str | None:
    if rng.random() < 0.12:
        return None
    local = re.sub(r"[^a-z.]", "", f"{first}.{last}".lower())
    suffix = str(rng.randint(1, 99)) if rng.random() < 0.4 else ""
    return f"{local}{suffix}@{rng.choice(_EMAIL_DOMAINS)}"


def _numbers(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct fictional US numbers (NPA-555-01XX), never ``SHARED_NUMBER``."""
    pool = [f"+1{area}55501{line:02d}" for area in _AREA_CODES for line in range(100)]
    pool.remove(SHARED_NUMBER)
    if count > len(pool):
        raise ValueError(f"the demo has {len(pool)} fictional numbers, {count} were needed")
    return rng.sample(pool, count)


def _history(
    rng: random.Random, people: Sequence[Customer], staff: Sequence[Agent], until: datetime
) -> list[dict[str, object]]:
    by_queue = {
        skill: [a.login for a in staff if a.role == Role.AGENT and skill in _skills(a)]
        for skill in SKILLS
    }
    wrapups = {queue.name: queue.wrapup_seconds for queue in DEMO_QUEUES}
    ids, rows = CallIds(), []
    for person in people:
        phones = tuple(phone.e164 for phone in person.phones)
        ctx = HistoryContext(person.id, phones, by_queue, wrapups, until, person.customer_since)
        count = rng.choices((1, 2, 3, 4, 5, 6), weights=(15, 25, 25, 18, 10, 7))[0]
        rows += [record_values(rec) for rec in customer_history(rng, ctx, count, ids)]
    return rows


def _traffic(
    seed: int, staff: Sequence[Agent], until: datetime, days: int
) -> list[dict[str, object]]:
    """``days`` of calls from unknown callers before ``until``, answered by the queue's agents."""
    if days <= 0:
        return []
    rng, ids, rows = random.Random(seed + 1), CallIds(prefix="traffic"), []
    first = (until - timedelta(days=days)).date()
    wrapups = {queue.name: queue.wrapup_seconds for queue in DEMO_QUEUES}
    for n, (queue, weekday) in enumerate(TRAFFIC_PER_WEEKDAY.items()):
        agents = [a.login for a in staff if a.role == Role.AGENT and queue in _skills(a)]
        calls = traffic_history(
            first,
            days,
            queue=queue,
            calls_per_weekday=weekday,
            country="US",
            timezone="UTC",
            seed=seed * 31 + n,
            aht=240.0 + wrapups[queue],
        )
        for call in calls:
            wait = round(call.wait or 0.0, 1)
            answered = call.outcome == "answered" and bool(agents)
            start = call.offered_at + timedelta(seconds=wait)
            talk = call.talk if answered else None
            rec = InteractionRecord(
                call_id=ids.new(call.offered_at),
                leg=1,
                direction=Direction.INBOUND,
                offered_at=call.offered_at,
                queue=queue,
                agent_login=rng.choice(agents) if answered else None,
                ringing_at=start if answered else None,
                answered_at=start if answered else None,
                ended_at=start + timedelta(seconds=talk or 0.0),
                wait_seconds=wait,
                talk_seconds=talk,
                wrap_seconds=float(wrapups[queue]) if answered else None,
                outcome=Outcome.ANSWERED if answered else Outcome.ABANDONED,
            )
            rows.append(record_values(rec))
    return rows


def _skills(agent: Agent) -> set[str]:
    return {skill.skill for skill in agent.skills}


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]
