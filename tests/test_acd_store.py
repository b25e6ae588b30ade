"""The ACD's routing configuration and interval statistics in the database, on SQLite and on
PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from acd.config import QueueSpec
from acd.engine import Acd
from acd.model import Overflow, OverflowKind, QueueConfig, Strategy
from acd.service import RoutingService
from acd.stats import Counters
from acd.store import RoutingStore
from cti.clock import ManualClock


@pytest.fixture
def store(session_factory: sessionmaker[Session]) -> RoutingStore:
    return RoutingStore(session_factory)


def test_queues_are_saved_replaced_and_listed_by_name(store: RoutingStore) -> None:
    store.save_queue(QueueConfig("support", "Support", (("support", 1),), wrapup_seconds=60))
    billing = QueueConfig(
        "billing",
        "Billing",
        (("billing", 2), ("spanish", 1)),
        strategy=Strategy.ROUND_ROBIN,
        service_level_seconds=30,
        wrapup_seconds=45,
        max_wait_seconds=120,
        overflow=Overflow(OverflowKind.QUEUE, "support"),
    )
    store.save_queue(billing)
    support = QueueConfig("support", "Technical support", (("support", 3),), wrapup_seconds=60)
    store.save_queue(support)
    assert store.load_queues() == [billing, support]


def test_a_deleted_queue_is_no_longer_listed(store: RoutingStore) -> None:
    store.save_queue(QueueConfig("sales", "Sales", (("sales", 1),)))
    store.save_queue(QueueConfig("billing", "Billing", (("billing", 1),)))
    store.delete_queue("sales")
    assert [queue.name for queue in store.load_queues()] == ["billing"]


def test_the_skill_catalogue_is_saved_described_and_deleted(store: RoutingStore) -> None:
    store.save_skill("sales", "sales calls")
    store.save_skill("spanish", "")
    store.save_skill("sales", "new and upgrading customers")
    store.delete_skill("spanish")
    assert store.skills() == {"sales": "new and upgrading customers"}


def test_intervals_are_saved_once_per_queue_and_start_and_read_back_in_order(
    store: RoutingStore,
) -> None:
    store.save_intervals(
        [
            ("sales", 1800, Counters(offered=3)),
            ("sales", 900, Counters(offered=1)),
        ]
    )
    store.save_intervals([("sales", 1800, Counters(offered=4, answered=4))])
    store.save_intervals([("billing", 900, Counters(offered=9))])
    assert store.intervals("sales", 0, 2700) == [
        (900, Counters(offered=1)),
        (1800, Counters(offered=4, answered=4)),
    ]
    assert store.intervals("sales", 900, 1800) == [(900, Counters(offered=1))]


async def test_a_standby_taking_over_takes_up_the_queues_the_active_process_stored_since(
    store: RoutingStore,
) -> None:
    """Two processes on one database: the standby loaded the queues when it started, the active
    one changed sales since; on taking over, the standby routes by what is stored now."""
    store.save_skill("sales", "")
    store.save_queue(QueueConfig("sales", "Sales", (("sales", 1),), wrapup_seconds=30))

    def process() -> RoutingService:
        acd = Acd(ManualClock(), store.load_queues())
        return RoutingService(acd, store, dict(store.skills()), lambda commands: None)

    active, standby = process(), process()
    spec = QueueSpec(skills={"sales": 1}, wrapup_seconds=0, ring_timeout=4)
    await active.put_queue("sales", spec)
    store.save_skill("spanish", "speaks Spanish")
    assert standby.acd.queue("sales").wrapup_seconds == 30  # what it loaded at its start
    await standby.refresh()
    assert standby.acd.queue("sales") == active.acd.queue("sales")
    assert standby.acd.queue("sales").wrapup_seconds == 0
    assert standby.skills["spanish"] == "speaks Spanish"
