"""WFM figures beside their targets and beside pyworkforce 0.5.4, measured in the same run.

pyworkforce needs Python >= 3.12 and the project runs on 3.11, so the peer runs in its own
venv (``.bench-venv``, made here when missing, with Python 3.12 from pyenv or ``PATH``),
through a subprocess that reports JSON. ``python -m benchmarks.wfm_bench`` prints the rows.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from acd.model import QueueConfig
from cti.clock import monotonic
from simulations.bare import run_bare
from simulations.model import run
from simulations.scenario import Demand, Group, Scenario
from wfm.erlang import Load
from wfm.required import Target, required_agents

Row = tuple[str, str, str, str, str]
ROOT = Path(__file__).resolve().parent.parent
BENCH_VENV = ROOT / ".bench-venv"
PEER = "pyworkforce==0.5.4"
PEER_TIMEOUT_SECONDS = 40.0
PYTHON_312 = ("/root/.pyenv/versions/3.12.1/bin/python", "python3.12", "python3.13")

AHT, ANSWER, PATIENCE = 180.0, 20.0, 120.0

_PEER_SCRIPT = """
import json, sys, time
from pyworkforce.queuing import ErlangA, ErlangC
kind, erlangs = sys.argv[1], float(sys.argv[2])
aht, asa, patience, interval = 3.0, 20 / 60, 2.0, 30  # minutes
calls = erlangs * interval / aht
times = []
for _ in range(int(sys.argv[3])):
    start = time.perf_counter()
    if kind == "c":
        out = ErlangC(calls, aht, asa, interval).required_positions(0.8)
    else:
        out = ErlangA(calls, aht, asa, interval, patience).required_positions(0.8)
    times.append(time.perf_counter() - start)
times.sort()
print(json.dumps({"ms": times[len(times) // 2] * 1000, "agents": out["raw_positions"]}))
"""


def _median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm
    times = []
    for _ in range(repeat):
        start = monotonic()
        fn()
        times.append(monotonic() - start)
    return statistics.median(times) * 1000


def peer_python() -> tuple[Path | None, str]:
    """The bench venv's interpreter, creating the venv if needed; or None and why not."""
    python = BENCH_VENV / "bin" / "python"
    if python.exists():
        return python, ""
    base = next((p for p in PYTHON_312 if Path(p).exists() or shutil.which(p)), None)
    if base is None:
        return None, "no Python >= 3.12 found for pyworkforce"
    try:
        subprocess.run([base, "-m", "venv", str(BENCH_VENV)], check=True, capture_output=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", PEER],
            check=True,
            capture_output=True,
            timeout=300,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        shutil.rmtree(BENCH_VENV, ignore_errors=True)
        return None, f"could not install {PEER}: {exc}"
    return python, ""


def peer(kind: str, erlangs: float, repeat: int) -> tuple[str, float | None]:
    python, why = peer_python()
    if python is None:
        return why, None
    try:
        done = subprocess.run(
            [str(python), "-c", _PEER_SCRIPT, kind, str(erlangs), str(repeat)],
            capture_output=True,
            text=True,
            timeout=PEER_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        return f"pyworkforce: no answer in {PEER_TIMEOUT_SECONDS:.0f} s", None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        return f"pyworkforce fails: {last[:80]}", None
    result = json.loads(done.stdout)
    return f"pyworkforce {result['ms']:.2f} ms → {result['agents']} agents", float(result["ms"])


def erlang_c_row() -> Row:
    load, target = Load.of(20_000, AHT), Target(0.8, ANSWER)
    ms = _median_ms(lambda: required_agents(load, target), 50)
    agents = required_agents(load, target).agents
    text, peer_ms = peer("c", 20_000, 3)
    return (
        "Erlang C required agents, 80/20 at 20,000 Erlangs",
        f"{ms:.2f} ms → {agents} agents",
        "≤ 5 ms",
        text,
        _ratio(peer_ms, ms),
    )


def erlang_a_row() -> Row:
    load, target = Load.of(5_000, AHT), Target(0.8, ANSWER)
    ms = _median_ms(lambda: required_agents(load, target, patience=PATIENCE), 10)
    agents = required_agents(load, target, patience=PATIENCE).agents
    text, peer_ms = peer("a", 5_000, 1)
    return (
        f"Erlang A required agents, 80/20 at 5,000 Erlangs, patience {PATIENCE:.0f} s",
        f"{ms:.2f} ms → {agents} agents",
        "≤ 50 ms",
        text,
        _ratio(peer_ms, ms),
    )


def simulation_row(agents: int = 100, erlangs: float = 95.0, hours: int = 8) -> Row:
    queue = QueueConfig("support", skills=(("support", 1),))
    calls = erlangs * 1800 / AHT
    scenario = Scenario(
        (queue,),
        (Demand("support", (calls,) * (2 * hours), AHT, handle="exponential", patience=PATIENCE),),
        (Group("team", (("support", 1),), (agents,) * (2 * hours)),),
    )
    ours, bare = _rates(
        lambda seed: run(scenario, seed).calls,
        lambda seed: run_bare(agents, erlangs, AHT, PATIENCE, hours * 3600, seed).calls,
    )
    return (
        f"simulated calls per wall second, real ACD on SimPy, M/M/{agents}+M, one core",
        f"{ours:,.0f} calls/s",
        "≥ 0.5x the bare SimPy model, same run",
        f"bare SimPy Resource model {bare:,.0f} calls/s",
        f"{ours / bare:.2f}x the bare model",
    )


def _rates(
    ours: Callable[[int], int], bare: Callable[[int], int], runs: int = 3
) -> tuple[float, float]:
    """Calls per second of each, run turn about on the same seeds, so that whatever else
    loads the machine meanwhile weighs on both alike."""
    ours(0), bare(0)  # warm
    seconds, calls = [0.0, 0.0], [0, 0]
    for seed in range(1, runs + 1):
        for k, simulate in enumerate((ours, bare)):
            start = monotonic()
            calls[k] += simulate(seed)
            seconds[k] += monotonic() - start
    return calls[0] / seconds[0], calls[1] / seconds[1]


def _ratio(peer_ms: float | None, ours_ms: float) -> str:
    if peer_ms is None or ours_ms <= 0:
        return "—"
    return f"{peer_ms / ours_ms:,.0f}x faster"


def rows() -> list[Row]:
    return [erlang_c_row(), erlang_a_row(), simulation_row()]


if __name__ == "__main__":
    for row in rows():
        print(" | ".join(row), file=sys.stdout)
