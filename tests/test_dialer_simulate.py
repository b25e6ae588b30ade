"""``switchboard dialer simulate``: the real pacer and ACD in SimPy, at fixed seeds."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cti.cli import app
from simulations.outbound import run_outbound
from simulations.outbound_scenario import Mode, OutboundScenario

runner = CliRunner()


def scenario(mode: Mode, **changes: float) -> OutboundScenario:
    base: dict[str, float] = {"agents": 10, "live_rate": 0.35, "hours": 2.0}
    base.update(changes)
    return OutboundScenario(
        agents=int(base["agents"]),
        live_rate=base["live_rate"],
        hours=base["hours"],
        window_seconds=3600.0,
        mode=mode,
    )


def test_predictive_stays_under_the_limit_in_every_window_and_beats_progressive() -> None:
    ours = run_outbound(scenario(Mode.PREDICTIVE), seed=3)
    progressive = run_outbound(scenario(Mode.PROGRESSIVE), seed=3)
    assert len(ours.windows) == 2
    assert ours.windows_over == 0
    assert all(w.live_answers > 100 for w in ours.windows)
    assert ours.calls_per_agent_hour > progressive.calls_per_agent_hour


def test_the_vicidial_baseline_goes_over_the_limit_on_a_small_team() -> None:
    result = run_outbound(scenario(Mode.VICIDIAL), seed=3)
    assert result.windows_over >= 1  # the tally does see a window over the limit
    assert result.worst_rate > 0.03


def test_a_window_counts_what_was_dialled_in_it() -> None:
    result = run_outbound(scenario(Mode.PROGRESSIVE, hours=1.5), seed=1)
    first, second = result.windows
    assert (first.hours, second.hours) == (1.0, 0.5)
    assert first.dials > second.dials > 0
    assert 0 < second.talk_share <= 1


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["dialer", "simulate", *args])
    return result.exit_code, result.output


def test_simulate_emits_json_for_each_window_of_each_replication() -> None:
    code, output = invoke(
        "--agents", "3", "--hours", "1", "--window", "0.5h", "--replications", "2", "--json"
    )
    assert code == 0, output
    report = json.loads(output)
    assert report["mode"] == "predictive"
    assert [(w["replication"], w["index"]) for w in report["windows"]] == [
        (0, 0),
        (0, 1),
        (1, 0),
        (1, 1),
    ]
    window = report["windows"][0]
    for key in ("abandonment_rate", "talk_share", "calls_per_agent_hour", "live_answers"):
        assert key in window
    assert report["windows_over_limit"] == sum(w["over_limit"] for w in report["windows"])


def test_simulate_prints_a_table_and_the_windows_over_the_limit() -> None:
    code, output = invoke("--agents", "3", "--hours", "0.5", "--mode", "progressive")
    assert code == 0, output
    assert "progressive dialling, 3 agents" in output
    assert "windows over the limit: " in output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--window", "6m"], "'6m' is not a window such as 24h or 30d"),
        (["--window", "0h"], "is not a window"),
        (["--agents", "0"], "--agents"),
        (["--live-rate", "1.5"], "--live-rate"),
        (["--live-rate", "0.9"], "live_rate + machine_rate must be below 1"),
        (["--live-rate", "0"], "live_rate must be between 0 and 1"),
        (["--limit", "0.001"], "amd_false_positive must be"),
        (["--mode", "turbo"], "--mode"),
        (["--replications", "0"], "--replications"),
    ],
)
def test_bad_options_are_refused_with_a_clear_error(args: list[str], says: str) -> None:
    code, output = invoke(*args)
    assert code == 2
    assert says in " ".join(output.split())
