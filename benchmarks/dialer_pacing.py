"""The pacing decision's cost on a busy campaign: ``Pacer.decide`` with real state in it.

The campaign is warmed with a few thousand calls of history (handle times, ring times, live
rate, and enough live answers that the bound leaves the model room: the cost measured is the
model's), then held at a steady state: most agents busy at spread elapsed times, and the calls
in flight a predictive dialler keeps up at a 15% live-answer rate (about 0.65 per agent).
Ten per cent of the agents are free, so the model asks for more lines than the bound allows:
the widest search a decision makes.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass

from cti.clock import monotonic
from dialer import events as ev
from dialer.pacer import Pacer, Reason
from dialer.settings import PacingSettings

START = 1_800_000_000.0


@dataclass(frozen=True, slots=True)
class Cost:
    agents: int
    in_flight: int
    p50_us: float
    p99_us: float


def busy_campaign(agents: int, seed: int = 1) -> tuple[Pacer, float]:
    rng = random.Random(seed)
    pacer = Pacer(PacingSettings(origin=START, handle_seconds=190.0))
    now = START
    for i in range(agents):
        pacer.apply(ev.AgentFree(f"a{i}", now))
    seq = 0
    while pacer.bound.book(0).live < 60 * agents:  # history, with room under the bound
        seq += 1
        call = f"h{seq}"
        pacer.apply(ev.Dialled(call, now))
        now += rng.uniform(0.01, 0.05)
        if rng.random() < 0.15 and pacer.free:
            pacer.apply(ev.Person(call, now))
            agent = min(pacer.free)
            pacer.apply(ev.Connected(call, agent, now))
            pacer.apply(ev.AgentFree(agent, now + rng.lognormvariate(5.1, 0.6)))
        else:
            pacer.apply(ev.Unanswered(call, now))
    now += 600.0
    for i, agent in enumerate(sorted(pacer.free)[: agents * 9 // 10]):  # busy, spread
        call = f"b{i}"
        pacer.apply(ev.Dialled(call, now - rng.uniform(200, 400)))
        pacer.apply(ev.Person(call, now - rng.uniform(0, 190)))
        pacer.apply(ev.Connected(call, agent, now - rng.uniform(0, 190)))
    for i in range(int(agents * 0.65)):
        pacer.apply(ev.Dialled(f"r{i}", now - rng.uniform(0, 20)))
    pacer.alpha_star = pacer.settings.target_rate  # where a campaign starts (the warm-up's
    return pacer, now  # one-sided history would have trimmed it to the top of its range)


def decision_cost(agents: int, decisions: int = 2000) -> Cost:
    pacer, now = busy_campaign(agents)
    times = []
    for i in range(decisions):
        start = monotonic()
        decision = pacer.decide(now + i * 0.001)
        times.append(monotonic() - start)
        if decision.reason not in (Reason.MODEL, Reason.HELD_BY_BOUND):
            raise RuntimeError(f"the benchmark missed the model: {decision}")
    times.sort()
    p99 = times[int(0.99 * len(times))]
    return Cost(agents, len(pacer.calls), statistics.median(times) * 1e6, p99 * 1e6)


if __name__ == "__main__":
    for n in (10, 50, 200):
        print(decision_cost(n))
