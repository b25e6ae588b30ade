"""``/metrics``: what Prometheus scrapes, who may scrape it, and the shipped Grafana dashboard
asks only for metrics that are served."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client import Histogram
from prometheus_client.parser import text_string_to_metric_families

from cti.clock import LiveClock, ManualClock
from cti.server.app import create_app
from cti.server.metrics import Metrics
from cti.telephony import commands as cmd
from tests.authz_floor import Floor
from tests.fake_ami import eventually
from tests.support import auth, services, settings_for
from tests.test_asterisk_adapter import rig

TOKEN = "scrape-token-for-the-tests-0123456789"
DASHBOARD = Path(__file__).parent.parent / "docs" / "grafana" / "switchboard.json"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, frozenset(s.labels.items()))] = s.value
    return found


def value(found: Samples, name: str, **labels: str) -> float:
    return found[(name, frozenset(labels.items()))]


@pytest.fixture(scope="module")
def floor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Floor]:
    settings = settings_for(
        tmp_path_factory.mktemp("metrics"), demo_customers=20, demo_agents=4, metrics_token=TOKEN
    )
    with TestClient(create_app(settings, clock=ManualClock(LiveClock().now()))) as client:
        yield Floor(client)


def _count(histogram: Histogram) -> float:
    return next(s.value for s in histogram.collect()[0].samples if s.name.endswith("_count"))


def _count_before(before: Samples) -> float:
    return before.get(("switchboard_ring_to_pop_seconds_count", frozenset()), 0.0)


def scrape(client: TestClient) -> str:
    res = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("text/plain; version=0.0.4")
    return res.text


def test_a_scrape_shows_the_calls_per_queue_the_agents_the_pops_and_the_call_log(
    floor: Floor,
) -> None:
    floor.reset()
    before = samples(scrape(floor.client))
    call_id = floor.call("agent02", "connected")
    queue = floor.svc.centre.calls[call_id].queue
    pops = floor.client.app.state.metrics.ring_to_pop  # type: ignore[attr-defined]
    floor.run(eventually, lambda: _count(pops) >= 1 + _count_before(before))  # the CRM answers
    floor.run(floor.svc.telephony.dispatch, cmd.Hangup(call_id))
    floor.run(floor.svc.writer.drain)
    floor.call(None, "waiting")  # everyone paused: this one waits in sales
    after = samples(scrape(floor.client))

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - before.get((name, frozenset(labels.items())), 0.0)

    assert grew("switchboard_calls_offered_total", queue=queue) >= 1
    assert grew("switchboard_calls_answered_total", queue=queue) == 1
    assert value(after, "switchboard_calls_waiting", queue="sales") == 1
    assert value(after, "switchboard_longest_wait_seconds", queue="sales") >= 0
    agents = {dict(k[1])["state"]: v for k, v in after.items() if k[0] == "switchboard_agents"}
    assert sum(agents.values()) == 4 and agents["paused"] >= 3
    assert grew("switchboard_ring_to_pop_seconds_count") == 1
    assert grew("switchboard_call_log_write_seconds_count") >= 1
    assert value(after, "switchboard_call_log_backlog") == 0
    assert value(after, "switchboard_engine_active") == 1
    assert value(after, "switchboard_ami_connected", telephony="simulated") == 1
    assert value(after, "switchboard_ami_events_total") == 0  # no AMI on the simulated PBX


def test_abandoned_calls_are_counted_per_queue(floor: Floor) -> None:
    floor.reset()
    before = samples(scrape(floor.client))
    call_id = floor.call(None, "waiting")
    floor.run(floor.svc.telephony.caller_hangs_up, call_id)
    after = samples(scrape(floor.client))
    name = "switchboard_calls_abandoned_total"
    key = (name, frozenset({("queue", "sales")}))
    assert after[key] - before.get(key, 0.0) == 1


def test_without_the_scrape_token_metrics_are_refused_even_with_a_users_token(
    floor: Floor,
) -> None:
    bare = floor.client.get("/metrics")
    assert bare.status_code == 401 and bare.json()["error_id"] == "scrape-refused"
    admin = floor.client.get("/metrics", headers=auth(floor.client, "admin"))
    assert admin.status_code == 401
    wrong = floor.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}x"})
    assert wrong.status_code == 401


def test_without_a_token_configured_only_the_loopback_may_scrape(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path, demo_customers=20, demo_agents=4))
    with TestClient(app) as remote:
        refused = remote.get("/metrics")
        assert refused.status_code == 401
        assert refused.json()["details"] == {"client": "testclient"}
    local_app = create_app(settings_for(tmp_path, demo_customers=20, demo_agents=4))
    with TestClient(local_app, client=("127.0.0.1", 40000)) as local:
        assert local.get("/metrics").status_code == 200


def test_every_panel_of_the_grafana_dashboard_asks_for_metrics_that_are_served(
    floor: Floor,
) -> None:
    served = {name for name, _ in samples(scrape(floor.client))}
    dashboard = json.loads(DASHBOARD.read_text())
    asked: dict[str, set[str]] = {}
    for panel in dashboard["panels"]:
        exprs = [t["expr"] for t in panel["targets"]]
        assert exprs, f"panel {panel['title']!r} has no query"
        asked[panel["title"]] = {m for e in exprs for m in re.findall(r"switchboard_\w+", e)}
        assert asked[panel["title"]], f"panel {panel['title']!r} asks for no Switchboard metric"
    missing = {title: names - served for title, names in asked.items() if names - served}
    assert missing == {}
    # and every figure the issue asks for has a panel
    wanted = {
        "switchboard_calls_offered_total",
        "switchboard_calls_answered_total",
        "switchboard_calls_abandoned_total",
        "switchboard_calls_waiting",
        "switchboard_longest_wait_seconds",
        "switchboard_agents",
        "switchboard_ami_connected",
        "switchboard_ami_events_total",
        "switchboard_ring_to_pop_seconds_bucket",
        "switchboard_call_log_write_seconds_bucket",
        "switchboard_call_log_backlog",
        "switchboard_engine_active",
    }
    assert wanted <= set().union(*asked.values())


async def test_the_ami_events_counter_counts_every_event_the_adapter_hears() -> None:
    async with rig("inbound_answered.jsonl") as r:
        await r.play("inbound_answered.jsonl", until=1e12)
        assert r.adapter.ami_events == len(r.normaliser.fed) > 10


def test_two_apps_never_share_a_registry(floor: Floor) -> None:
    svc = services(floor.client)
    one, two = Metrics(svc, lambda: True), Metrics(svc, lambda: False)
    try:
        assert one.registry is not two.registry
        assert b"switchboard_engine_active 1.0" in one.render()
        assert b"switchboard_engine_active 0.0" in two.render()
    finally:  # the app's own metrics observe again
        wired: Metrics = floor.client.app.state.metrics  # type: ignore[attr-defined]
        svc.hub.on_pop = wired.ring_to_pop.observe
        svc.writer.on_write = wired.call_log_write.observe
