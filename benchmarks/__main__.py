"""``make bench``: every figure beside its target and its peer, measured in the same run.

``python -m benchmarks [section ...]`` runs some sections only: ami, acd, wfm, pop, dialer, crm.
``--json PATH`` also writes every row to PATH (see ``benchmarks.report``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks import (
    acd_routing,
    ami_ingest,
    crm_import,
    dialer_bench,
    pop_latency,
    report,
    wfm_bench,
)

console = Console(width=150)
Row = tuple[str, str, str, str, str]
FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "asterisk"


def ratio(ours: float, peer: float, higher_is_better: bool) -> str:
    if not peer or not ours:
        return "—"
    return f"{(ours / peer if higher_is_better else peer / ours):.1f}x better"


def pop_rows() -> list[Row]:
    rows: list[Row] = []
    for agents, rate in ((200, 20.0), (1000, 100.0)):
        seconds = 20.0 if agents == 200 else 15.0
        console.print(f"pop latency: {agents} agents, {rate:.0f} calls/s, {seconds:.0f} s each …")
        ours = pop_latency.measure_switchboard(agents, rate, seconds)
        peer = pop_latency.measure_peer(agents, rate, seconds)
        target = "p99 ≤ 20 ms at 1,000 agents, 100 calls/s (later goal)"
        setup = f"{agents} agents, {rate:.0f} calls/s ({ours.samples} pops)"
        for label, a, b in (("p50", ours.p50_ms, peer.p50_ms), ("p99", ours.p99_ms, peer.p99_ms)):
            rows.append(
                (
                    f"ring → pop {label}, {setup}",
                    f"{a:.2f} ms",
                    target if label == "p99" else "—",
                    f"bare uvicorn push: {b:.2f} ms",
                    f"{a / b:.1f}x the floor" if b else "—",
                )
            )
    return rows


def acd_rows() -> list[Row]:
    rows: list[Row] = []
    for agents in (500, 5000, 50000):
        console.print(f"routing: {agents} agents, 100 skills, 200 queues, 2,000 waiting …")
        acd = acd_routing.build(agents)
        ours, naive = acd_routing.agent_side(
            acd, 40_000
        )  # each a few µs: many, for a steady figure
        target = "≥ 100,000/s, p99 ≤ 100 µs" if agents == 5000 else "sub-linear growth"
        rows.append(
            (
                f"agent frees up → best call, {agents:,} agents",
                f"{ours.per_second:,.0f}/s p50 {ours.p50_us:.1f} µs p99 {ours.p99_us:.1f} µs",
                target,
                f"naive scan {naive.per_second:,.0f}/s p99 {naive.p99_us:.0f} µs",
                ratio(ours.per_second, naive.per_second, True),
            )
        )
        ours, naive = acd_routing.call_side(agents, 5000)
        rows.append(
            (
                f"call arrives → best agent, {agents:,} agents free",
                f"{ours.per_second:,.0f}/s p50 {ours.p50_us:.1f} µs p99 {ours.p99_us:.1f} µs",
                target,
                f"naive scan {naive.per_second:,.0f}/s p99 {naive.p99_us:.0f} µs",
                ratio(ours.per_second, naive.per_second, True),
            )
        )
    return rows


def ami_rows() -> list[Row]:
    console.print("AMI ingest: load_seed7 capture through parser + normaliser + call engine …")
    result = ami_ingest.run(FIXTURES / "load_seed7.jsonl")
    return [
        (
            f"AMI ingest (parse + normalise + state), {result.events:,} messages",
            f"{result.ours_per_second:,.0f} events/s",
            "≥ 50,000 events/s on one core",
            f"pyst2 parsing only: {result.pyst2_per_second:,.0f}/s",
            ratio(result.ours_per_second, result.pyst2_per_second, True),
        )
    ]


def wfm_rows() -> list[Row]:
    console.print("WFM: Erlang staffing and the simulator, beside pyworkforce 0.5.4 …")
    return wfm_bench.rows()


SECTIONS: dict[str, Callable[[], list[Row]]] = {
    "ami": ami_rows,
    "acd": acd_rows,
    "wfm": wfm_rows,
    "pop": pop_rows,
    "dialer": dialer_bench.rows,
    "crm": crm_import.rows,
}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("sections", nargs="*", metavar="section", help=", ".join(SECTIONS))
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the rows here")
    args = parser.parse_args(argv)
    unknown = [name for name in args.sections if name not in SECTIONS]
    if unknown:
        parser.error(f"no section {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    chosen = args.sections or list(SECTIONS)
    table = Table(title="Switchboard benchmarks (this machine, this run)", show_lines=True)
    for column in ("figure", "measured", "target", "peer (same run)", "ratio"):
        table.add_column(column)
    rows: list[tuple[str, Row]] = []
    for name in chosen:
        for row in SECTIONS[name]():
            table.add_row(*row)
            rows.append((name, row))
    console.print(table)
    if args.json is not None:
        report.write_json(args.json, rows)
        console.print(f"rows written to {args.json}")


if __name__ == "__main__":
    main(sys.argv[1:])
