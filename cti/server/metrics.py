"""``/metrics``: the centre in Prometheus' text format (``prometheus-client``).

Read at scrape time from the live objects (no copy to keep in step):

- ``switchboard_calls_offered_total``, ``_answered_total``, ``_abandoned_total`` per queue
  (today's counts of the ACD's statistics: they restart at zero with the process, which
  ``rate()`` and ``increase()`` take in their stride);
- ``switchboard_calls_waiting`` and ``switchboard_longest_wait_seconds`` per queue;
- ``switchboard_agents`` per state;
- ``switchboard_ami_connected`` (the PBX link, labelled with the telephony backend) and
  ``switchboard_ami_events_total`` (every AMI event the adapter heard);
- ``switchboard_call_log_backlog``: journalled call-log entries waiting for the database;
- ``switchboard_engine_active``: 1 on the process running the engine, 0 on a standby.

Observed as they happen: ``switchboard_ring_to_pop_seconds`` (from the call ringing to its pop
going out) and ``switchboard_call_log_write_seconds`` (one entry's database write).

Who may scrape: with ``SWITCHBOARD_METRICS_TOKEN`` set, a client sending ``Authorization:
Bearer <token>``; without it, only a client on the loopback (a Prometheus or an agent on the
same host). Anyone else gets 401 ``scrape-refused``. User tokens never open it: the figures
are the centre's, not a user's.
"""

from __future__ import annotations

import hmac
from collections import Counter
from collections.abc import Callable, Iterator

from fastapi import APIRouter, Request, Response
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from acd.agents import AgentState
from cti.asterisk.adapter import AsteriskTelephony
from cti.errors import SwitchboardError
from cti.openapi import error_responses
from cti.server.services import Services

router = APIRouter(tags=["operations"])

#: The text format every Prometheus reads (what ``generate_latest`` writes for these names).
TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8"
LOOPBACK = frozenset({"127.0.0.1", "::1"})
RING_TO_POP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
WRITE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)


class ScrapeRefused(SwitchboardError):
    status = 401
    error_id = "scrape-refused"


class _Live(Collector):
    def __init__(self, svc: Services, engine_running: Callable[[], bool]) -> None:
        self._svc, self._running = svc, engine_running

    def collect(self) -> Iterator[Metric]:
        yield from self._queues()
        yield self._agents()
        yield from self._pbx()
        svc = self._svc
        backlog = GaugeMetricFamily(
            "switchboard_call_log_backlog",
            "Call-log entries journalled and waiting for the database",
        )
        backlog.add_metric([], svc.writer.backlog)
        yield backlog
        active = GaugeMetricFamily(
            "switchboard_engine_active", "1 on the process running the engine, 0 on a standby"
        )
        active.add_metric([], 1 if self._running() else 0)
        yield active

    def _queues(self) -> Iterator[Metric]:
        q = ["queue"]
        offered = CounterMetricFamily("switchboard_calls_offered", "Calls offered", labels=q)
        answered = CounterMetricFamily("switchboard_calls_answered", "Calls answered", labels=q)
        abandoned = CounterMetricFamily(
            "switchboard_calls_abandoned", "Calls abandoned by the caller", labels=q
        )
        waiting = GaugeMetricFamily("switchboard_calls_waiting", "Calls waiting", labels=q)
        longest = GaugeMetricFamily(
            "switchboard_longest_wait_seconds", "The longest wait of a call waiting", labels=q
        )
        for s in self._svc.centre.acd.snapshots():
            offered.add_metric([s.queue], s.offered)
            answered.add_metric([s.queue], s.answered)
            abandoned.add_metric([s.queue], s.abandoned)
            waiting.add_metric([s.queue], s.waiting)
            longest.add_metric([s.queue], s.longest_wait)
        yield from (offered, answered, abandoned, waiting, longest)

    def _agents(self) -> Metric:
        agents = GaugeMetricFamily("switchboard_agents", "Agents by state", labels=["state"])
        states = Counter(a.state for a in self._svc.centre.acd.agents())
        for state in AgentState:
            agents.add_metric([state.value], states[state])
        return agents

    def _pbx(self) -> Iterator[Metric]:
        port = self._svc.telephony
        connected = GaugeMetricFamily(
            "switchboard_ami_connected",
            "1 while the PBX link (AMI, or the simulated PBX) is up",
            labels=["telephony"],
        )
        connected.add_metric([self._svc.settings.telephony.value], 1 if port.connected else 0)
        yield connected
        events = CounterMetricFamily("switchboard_ami_events", "AMI events received")
        events.add_metric([], port.ami_events if isinstance(port, AsteriskTelephony) else 0)
        yield events


class Metrics:
    """One registry per application (no process-wide default): two apps in one test process
    never share a figure."""

    def __init__(self, svc: Services, engine_running: Callable[[], bool]) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.ring_to_pop = Histogram(
            "switchboard_ring_to_pop_seconds",
            "From the agent's phone ringing to the screen-pop going out",
            buckets=RING_TO_POP_BUCKETS,
            registry=self.registry,
        )
        self.call_log_write = Histogram(
            "switchboard_call_log_write_seconds",
            "One call-log entry's database write",
            buckets=WRITE_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_Live(svc, engine_running))
        self._token = svc.settings.metrics_token
        svc.hub.on_pop = self.ring_to_pop.observe
        svc.writer.on_write = self.call_log_write.observe

    def admit(self, request: Request) -> None:
        """Raise ``ScrapeRefused`` unless the scraper holds the token (or, without one, is
        on the loopback)."""
        if self._token is None:
            client = request.client.host if request.client else ""
            if client not in LOOPBACK:
                raise ScrapeRefused(
                    "scrape /metrics from this host, or set SWITCHBOARD_METRICS_TOKEN",
                    details={"client": client},
                )
            return
        sent = request.headers.get("authorization", "")
        expected = f"Bearer {self._token.get_secret_value()}"
        if not hmac.compare_digest(sent.encode(), expected.encode()):
            raise ScrapeRefused("send the scrape token: Authorization: Bearer <token>")

    def render(self) -> bytes:
        return generate_latest(self.registry)


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "content": {TEXT_FORMAT: {"schema": {"type": "string"}}},
            "description": "The Prometheus text exposition format",
        },
        **error_responses(401),
    },
)
async def metrics(request: Request) -> Response:
    """The centre's figures for Prometheus (see docs/deploy.md for who may scrape)."""
    collected: Metrics = request.app.state.metrics
    collected.admit(request)
    return Response(collected.render(), media_type=TEXT_FORMAT)
