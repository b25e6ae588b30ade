"""``/metrics`` on a live Asterisk: the AMI link and its events, and an answered call counted
in its queue with its ring-to-pop latency, as Prometheus would scrape them (from the loopback,
with no scrape token set)."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.live.pbx import Pbx
from tests.live.scenario import first_pop, no_calls_left, state_of
from tests.live.switchboard import Switchboard, eventually

pytestmark = pytest.mark.asterisk

SALES = "+14155550100"


def scrape(sb: Switchboard) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    res = sb.http.get("/metrics")
    assert res.status_code == 200, res.text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(res.text)
        for s in family.samples
    }


def test_metrics_show_the_ami_link_its_events_and_an_answered_call_with_its_pop(
    pbx: Pbx, switchboard: Switchboard
) -> None:
    sb = switchboard
    pbx.phone("agent01", "answer-2-2")
    eventually(lambda: state_of(sb, "agent01") == "available", "agent01 available")
    before = scrape(sb)
    assert before[("switchboard_ami_connected", frozenset({("telephony", "asterisk")}))] == 1
    assert before[("switchboard_ami_events_total", frozenset())] > 0  # the resync's, at least
    assert before[("switchboard_engine_active", frozenset())] == 1

    desktop = sb.desktop("agent01")
    call_id = pbx.call(SALES, number="+14155550123", name="Jane Roe", patience=30)
    first_pop(desktop, call_id)
    no_calls_left(sb, pbx)
    desktop.close()
    after = scrape(sb)
    sales = frozenset({("queue", "sales")})
    assert (
        after[("switchboard_calls_answered_total", sales)]
        - before.get(("switchboard_calls_answered_total", sales), 0.0)
        == 1
    )
    assert after[("switchboard_ring_to_pop_seconds_count", frozenset())] >= 1
    assert (
        after[("switchboard_ami_events_total", frozenset())]
        > before[("switchboard_ami_events_total", frozenset())]
    )
