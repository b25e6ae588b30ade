"""Outbound pacing, side by side in one run: Switchboard's pacer, progressive (1:1) and our
reimplementation of VICIdial's ADAPT_HARD_LIMIT, on the same simulated campaigns and seeds.

Grid: 3, 10, 50 and 200 agents x 15% and 35% live answers (20% machines, AMD taking 0.5% of
people for machines and letting 10% of machines through), 180 s mean talk, 10 s wrap, a 3%
limit over the UK's 24-hour window. To keep ``make bench`` to minutes, each seed simulates the
first ``HOURS`` hours of a day: each seed's day is one window, and it is the hardest part of
the window for Switchboard, whose bound starts every window with no live answers and so no
room for uncovered calls. Smaller teams run more seeds (they are cheap and swing most).
``python -m benchmarks.dialer_bench`` prints the rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.dialer_pacing import decision_cost
from simulations.outbound import OutboundResult, run_outbound
from simulations.outbound_scenario import Mode, OutboundScenario

Row = tuple[str, str, str, str, str]
HOURS = 3.0
WINDOW = 86400.0
LIMIT = 0.03
SEEDS = {3: (1, 2, 3), 10: (1, 2, 3), 50: (1, 2), 200: (1,)}
LIVE_RATES = (0.15, 0.35)


@dataclass(frozen=True, slots=True)
class Outcome:
    worst: float
    over: int
    windows: int
    talk: float
    calls: float

    def __str__(self) -> str:
        return (
            f"worst {self.worst:.2%}, {self.over}/{self.windows} over, talk {self.talk:.1%}, "
            f"{self.calls:.1f} calls/agent-h"
        )


def measure(agents: int, live: float, mode: Mode) -> Outcome:
    scenario = OutboundScenario(
        agents=agents,
        live_rate=live,
        hours=HOURS,
        limit=LIMIT,
        window_seconds=WINDOW,
        mode=mode,
    )
    runs: list[OutboundResult] = [run_outbound(scenario, seed) for seed in SEEDS[agents]]
    n = len(runs)
    return Outcome(
        worst=max(r.worst_rate for r in runs),
        over=sum(r.windows_over for r in runs),
        windows=sum(len(r.windows) for r in runs),
        talk=sum(r.talk_share for r in runs) / n,
        calls=sum(r.calls_per_agent_hour for r in runs) / n,
    )


def point_row(agents: int, live: float) -> Row:
    ours = measure(agents, live, Mode.PREDICTIVE)
    vici = measure(agents, live, Mode.VICIDIAL)
    progressive = measure(agents, live, Mode.PROGRESSIVE)
    target = f"0 windows over {LIMIT:.0%}; talk ≥ VICIdial's where it stays under"
    if agents == 50 and live == 0.35:
        target += "; talk ≥ 85%"
    if vici.over:
        verdict = f"VICIdial over the limit in {vici.over}/{vici.windows}"
    else:
        verdict = f"talk {ours.talk / vici.talk:.2f}x VICIdial's"
    return (
        f"pacing, {agents} agents, {live:.0%} live answers ({len(SEEDS[agents])} seeds)",
        f"Switchboard: {ours}",
        target,
        f"VICIdial ADAPT_HARD_LIMIT: {vici}; progressive: {progressive}",
        verdict,
    )


def cost_row() -> Row:
    big, mid = decision_cost(200), decision_cost(50)
    return (
        f"pacing decision (Pacer.decide), 200 agents, {big.in_flight} calls in flight",
        f"p50 {big.p50_us:.0f} µs, p99 {big.p99_us:.0f} µs",
        "≤ 1 ms at 200 agents",
        f"50 agents: p50 {mid.p50_us:.0f} µs, p99 {mid.p99_us:.0f} µs",
        f"{1000 / big.p50_us:.1f}x under the target (p50)" if big.p50_us else "—",
    )


def rows() -> list[Row]:
    out = [cost_row()]
    for agents in SEEDS:
        for live in LIVE_RATES:
            out.append(point_row(agents, live))
    return out


if __name__ == "__main__":
    for row in rows():
        print(" | ".join(row))
