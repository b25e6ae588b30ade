"""The demo data: deterministic, idempotent, and with the promised shapes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from acd.store import RoutingStore
from cti.crm import CrmService, Directory
from cti.crm.models import Customer, CustomerPhone, Interaction
from cti.db import make_engine, make_session_factory, migrate
from cti.demo.seed import DEMO_QUEUES, SHARED_NUMBER, demo_caller_numbers, seed_demo
from cti.roles import Role

SMALL_CUSTOMERS, SMALL_AGENTS = 60, 6


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[list[sessionmaker[Session]]]:
    """Fresh migrated SQLite databases, made on demand by indexing (fresh[0], fresh[1]...)."""
    engines = [make_engine(f"sqlite:///{tmp_path}/demo{n}.db") for n in range(3)]
    for engine in engines:
        migrate(engine)
    yield [make_session_factory(engine) for engine in engines]
    for engine in engines:
        engine.dispose()


def snapshot(sessions: sessionmaker[Session]) -> tuple[list[tuple[object, ...]], ...]:
    with sessions() as session:
        customers = session.execute(
            select(
                Customer.name,
                Customer.email,
                Customer.account_number,
                Customer.tier,
                Customer.lifetime_value,
                Customer.churn_risk,
                Customer.customer_since,
                Customer.owner_agent,
            ).order_by(Customer.id)
        ).all()
        phones = session.execute(
            select(CustomerPhone.customer_id, CustomerPhone.e164).order_by(CustomerPhone.id)
        ).all()
        calls = session.execute(
            select(
                Interaction.call_id,
                Interaction.leg,
                Interaction.agent_login,
                Interaction.offered_at,
                Interaction.disposition,
                Interaction.notes,
            ).order_by(Interaction.id)
        ).all()
    return [tuple(r) for r in customers], [tuple(r) for r in phones], [tuple(r) for r in calls]


def test_the_same_seed_gives_the_same_customers_and_another_seed_does_not(
    fresh: list[sessionmaker[Session]],
) -> None:
    for sessions, seed in zip(fresh, (7, 7, 8), strict=True):
        seed_demo(
            sessions, seed=seed, password="pw", customers=SMALL_CUSTOMERS, agents=SMALL_AGENTS
        )
    first, again, other = (snapshot(sessions) for sessions in fresh)
    assert first == again
    assert first[0] != other[0]


def test_seeding_the_full_demo_twice_adds_nothing_the_second_time(
    session_factory: sessionmaker[Session],
) -> None:
    report = seed_demo(session_factory, seed=7, password="switchboard")
    assert report.seeded and (report.customers, report.agents) == (2000, 24 + 3)
    assert report.interactions >= 2 * report.customers
    again = seed_demo(session_factory, seed=7, password="switchboard")
    assert not again.seeded
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 2000
        total = session.scalar(select(func.count()).select_from(Interaction))
    assert total == report.interactions
    matches = CrmService(session_factory).lookup_caller(SHARED_NUMBER).matches
    assert len(matches) == 2 and all(len(card.recent) > 0 for card in matches)


def test_the_demo_floor_has_queues_agents_supervisors_and_an_admin(
    fresh: list[sessionmaker[Session]],
) -> None:
    seed_demo(fresh[0], seed=7, password="pw", customers=SMALL_CUSTOMERS, agents=SMALL_AGENTS)
    directory = Directory(fresh[0])
    queues = {q.name: q for q in RoutingStore(fresh[0]).load_queues()}
    assert {name: q.service_level_seconds for name, q in queues.items()} == {
        "sales": 20,
        "support": 30,
        "billing": 30,
        "retention": 20,
    }
    assert all(q.required_skills and q.wrapup_seconds > 0 for q in queues.values())
    accounts = {a.login: a for a in directory.list_agents()}
    floor = [f"agent{n:02d}" for n in range(1, 7)]
    assert set(accounts) == {*floor, "super01", "super02", "admin"}
    assert all(1 <= len(accounts[login].skills) <= 3 for login in floor)
    assert all(1 <= level <= 5 for a in accounts.values() for _, level in a.skills)
    assert accounts["super01"].role == Role.SUPERVISOR and accounts["admin"].role == Role.ADMIN
    assert all(accounts[login].display_name.count(" ") >= 1 for login in floor)
    skills = {skill for login in floor for skill, _ in accounts[login].skills}
    assert {q.name for q in DEMO_QUEUES} <= skills


def test_every_demo_account_logs_in_with_the_seed_password(
    fresh: list[sessionmaker[Session]],
) -> None:
    seed_demo(fresh[0], seed=7, password="let-me-in", customers=2, agents=1)
    directory = Directory(fresh[0])
    for login in ("agent01", "super02", "admin"):
        assert directory.authenticate(login, "let-me-in") is not None
    assert directory.authenticate("agent01", "switchboard") is None


def test_demo_customers_are_mostly_standard_with_a_few_vips(
    fresh: list[sessionmaker[Session]],
) -> None:
    seed_demo(fresh[0], seed=7, password="pw", customers=600, agents=8)
    with fresh[0]() as session:
        tiers = Counter(session.scalars(select(Customer.tier)))
        complaints = session.scalar(select(func.count()).where(Customer.open_complaints > 0))
        owned = session.scalar(select(func.count()).where(Customer.owner_agent.is_not(None)))
    assert tiers["standard"] > tiers["gold"] > tiers["vip"] > 0
    assert complaints and owned


def test_demo_caller_numbers_are_the_known_numbers_once_each(
    fresh: list[sessionmaker[Session]],
) -> None:
    seed_demo(fresh[0], seed=7, password="pw", customers=SMALL_CUSTOMERS, agents=SMALL_AGENTS)
    numbers = demo_caller_numbers(fresh[0])
    assert len(numbers) == len(set(numbers)) >= SMALL_CUSTOMERS
    assert SHARED_NUMBER in numbers
    assert all(n.startswith("+1") and n[5:9] == "5550" for n in numbers)
    crm = CrmService(fresh[0])
    assert all(crm.lookup_caller(n).matches for n in numbers[:10])


def test_demo_traffic_gives_the_planner_weeks_of_shaped_call_log(
    fresh: list[sessionmaker[Session]],
) -> None:
    until = datetime(2026, 11, 23, tzinfo=UTC)  # a Monday
    seed_demo(
        fresh[0],
        seed=7,
        password="pw",
        customers=SMALL_CUSTOMERS,
        agents=SMALL_AGENTS,
        until=until,
        traffic_days=28,
    )
    with fresh[0]() as session:
        rows = session.scalars(
            select(Interaction).where(Interaction.call_id.like("traffic-%"))
        ).all()
        skills = {a.login: {s for s, _ in a.skills} for a in Directory(fresh[0]).list_agents()}
    assert rows and all(r.customer_id is None and r.caller_number is None for r in rows)
    assert all(until - timedelta(days=28) <= r.offered_at < until for r in rows)
    per_day = Counter((r.offered_at.date(), r.queue) for r in rows)
    mondays = [n for (day, q), n in per_day.items() if q == "sales" and day.weekday() == 0]
    sundays = [n for (day, q), n in per_day.items() if q == "sales" and day.weekday() == 6]
    assert min(mondays) > 2 * max(sundays)  # the weekly shape
    assert 0.8 < sum(mondays) / len(mondays) / (160 * 1.25) < 1.2
    answered = [r for r in rows if r.outcome == "answered"]
    assert 0.9 < len(answered) / len(rows) < 0.98
    assert all(r.queue in skills[r.agent_login] for r in answered)  # by an agent of the queue
    hours = Counter(r.offered_at.hour for r in rows)
    assert sum(hours[h] for h in range(8, 20)) == len(rows)  # open 08:00 to 20:00 (UTC)


def test_no_customer_called_before_they_became_a_customer(
    fresh: list[sessionmaker[Session]],
) -> None:
    seed_demo(fresh[0], seed=7, password="pw", customers=400, agents=SMALL_AGENTS)
    with fresh[0]() as session:
        rows = session.execute(
            select(Customer.customer_since, func.min(Interaction.offered_at))
            .join(Interaction, Interaction.customer_id == Customer.id)
            .group_by(Customer.id)
        ).all()
    assert len(rows) == 400  # every customer has a past
    assert all(first.date() >= since for since, first in rows)
