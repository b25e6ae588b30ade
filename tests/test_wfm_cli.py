"""``switchboard wfm``: a planner's chain of files, and one-line errors for bad input."""

from __future__ import annotations

import csv
import math
from pathlib import Path

from typer.testing import CliRunner

from wfm.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "asterisk"
runner = CliRunner()


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


def test_forecast_staff_schedule_simulate_chain(tmp_path: Path) -> None:
    calls, fc, staffing = (
        tmp_path / "calls.csv",
        tmp_path / "forecast.csv",
        tmp_path / "staffing.csv",
    )
    _ok("demo-data", "--out", str(calls), "--days", "35", "--calls-per-day", "200")
    out = _ok(
        "forecast",
        "--calls",
        str(calls),
        "--start",
        "2025-04-07",
        "--days",
        "2",
        "--timezone",
        "Europe/London",
        "--country",
        "GB",
        "--out",
        str(fc),
    )
    assert "WAPE" in out
    _ok(
        "staff",
        "--forecast",
        str(fc),
        "--out",
        str(staffing),
        "--patience",
        "120",
        "--chart",
        str(tmp_path / "sl.png"),
    )
    rows = _rows(staffing)
    assert len(rows) == 96 and max(int(r["scheduled"]) for r in rows) > 0
    _ok(
        "schedule",
        "--staffing",
        str(staffing),
        "--out",
        str(tmp_path / "shifts.csv"),
        "--roster",
        str(tmp_path / "roster.csv"),
        "--timezone",
        "Europe/London",
        "--chart",
        str(tmp_path / "cover.html"),
    )
    assert (tmp_path / "cover.html").read_text().startswith("<!doctype html>")
    assert (tmp_path / "sl.png").read_bytes()[:4] == b"\x89PNG"
    roster = _rows(tmp_path / "roster.csv")
    assert roster and all(r["agent"] != "(open)" for r in roster)
    out = _ok("simulate", "--staffing", str(staffing), "--replications", "2")
    assert "support" in out


def test_replay_prints_actual_beside_simulated() -> None:
    out = _ok(
        "replay", str(FIXTURES / "load_seed7.queue_log"), "--agents", "8", "--replications", "2"
    )
    assert "loadq" in out and "SL actual" in out


def test_a_bad_forecast_file_stops_with_file_row_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "forecast.csv"
    bad.write_text("start,calls,aht\n2025-04-07T08:00:00+00:00,many,180\n")
    result = runner.invoke(app, ["staff", "--forecast", str(bad)])
    assert result.exit_code == 1
    assert "forecast.csv:2: calls: 'many' is not a number" in result.output


def _skills_inputs(tmp_path: Path) -> tuple[Path, Path, Path]:
    forecast = tmp_path / "forecast.csv"
    forecast.write_text(
        "start,queue,calls,aht\n"
        "2025-04-07T09:00:00+00:00,sales,60,200\n"
        "2025-04-07T09:30:00+00:00,sales,0,0\n"
        "2025-04-07T10:00:00+00:00,sales,60,200\n"
        "2025-04-07T09:00:00+00:00,support,40,240\n"
        "2025-04-07T09:30:00+00:00,support,0,0\n"
        "2025-04-07T10:00:00+00:00,support,40,240\n"
    )
    queues = tmp_path / "queues.json"
    queues.write_text(
        '{"sales": {"skills": {"sales": 1}, "wrapup_seconds": 20},'
        ' "support": {"skills": {"support": 1}}}'
    )
    groups = tmp_path / "groups.json"
    groups.write_text(
        '[{"name": "sales", "skills": {"sales": 1}},'
        ' {"name": "support", "skills": {"support": 1}},'
        ' {"name": "blend", "skills": {"sales": 1, "support": 1}}]'
    )
    return forecast, queues, groups


def test_staff_with_groups_searches_by_simulation_per_interval(tmp_path: Path) -> None:
    forecast, queues, groups = _skills_inputs(tmp_path)
    out, chart = tmp_path / "skills.csv", tmp_path / "groups.png"
    printed = _ok(
        "staff",
        "--forecast",
        str(forecast),
        "--queues",
        str(queues),
        "--groups",
        str(groups),
        "--patience",
        "120",
        "--shrinkage",
        "0.25",
        "--replications",
        "2",
        "--out",
        str(out),
        "--chart",
        str(chart),
    )
    assert "candidates simulated" in printed and "Erlang per queue alone" in printed
    busy, quiet, again = _rows(out)
    assert quiet["agents"] == quiet["scheduled"] == "0" and quiet["sales_service_level"] == ""
    for column in ("agents", "sales_agents", "support_agents", "blend_agents"):
        assert busy[column] == again[column]  # the same demand: the same answer
    assert int(busy["agents"]) == sum(
        int(busy[f"{g}_agents"]) for g in ("sales", "support", "blend")
    )
    for group in ("sales", "support", "blend"):
        on_phones = int(busy[f"{group}_agents"])
        assert int(busy[f"{group}_scheduled"]) == math.ceil(on_phones / 0.75 - 1e-9)
    for queue in ("sales", "support"):
        assert float(busy[f"{queue}_service_level"]) >= 0.8
    assert busy["sales_aht"] == "200.0"  # handle time as forecast, wrap-up included
    assert chart.read_bytes()[:4] == b"\x89PNG"
    _ok(
        "schedule",
        "--staffing",
        str(out),
        "--column",
        "blend_scheduled",
        "--out",
        str(tmp_path / "shifts.csv"),
    )
    assert _rows(tmp_path / "shifts.csv")
    day = _ok(
        "simulate", "--staffing", str(out), "--queues", str(queues), "--groups", str(groups),
        "--replications", "2", "--chart", str(tmp_path / "day.png"),
    )  # fmt: skip
    assert "sales" in day and "support" in day  # every queue of the plan, one run
    assert (tmp_path / "day.png").read_bytes()[:4] == b"\x89PNG"
    result = runner.invoke(app, ["simulate", "--staffing", str(out)])
    assert result.exit_code == 2 and "--groups" in result.output


def test_staff_with_groups_names_what_is_wrong_in_the_forecast(tmp_path: Path) -> None:
    forecast, queues, groups = _skills_inputs(tmp_path)
    base = [
        "staff",
        "--queues",
        str(queues),
        "--groups",
        str(groups),
        "--out",
        str(tmp_path / "o.csv"),
    ]

    nameless = tmp_path / "total.csv"
    nameless.write_text("start,queue,calls,aht\n2025-04-07T09:00:00+00:00,,60,200\n")
    result = runner.invoke(app, [*base, "--forecast", str(nameless)])
    assert result.exit_code == 1
    assert f"{nameless}:2: queue: is empty" in result.output

    ragged = tmp_path / "ragged.csv"
    ragged.write_text(forecast.read_text().rsplit("\n", 2)[0] + "\n")  # support loses 10:00
    result = runner.invoke(app, [*base, "--forecast", str(ragged)])
    assert result.exit_code == 1
    assert "queue 'support' has no forecast for 2025-04-07T10:00:00+00:00" in result.output

    stranger = tmp_path / "stranger.csv"
    stranger.write_text("start,queue,calls,aht\n2025-04-07T09:00:00+00:00,billing,5,100\n")
    result = runner.invoke(app, [*base, "--forecast", str(forecast), "--forecast", str(stranger)])
    assert result.exit_code == 1
    assert "forecast for billing, which the queues do not configure" in result.output


def test_the_service_level_target_is_an_option_checked_like_any_input(tmp_path: Path) -> None:
    staffing = tmp_path / "staffing.csv"
    staffing.write_text("start,calls,aht,agents\n2025-04-07T09:00:00+00:00,10,180,2\n")
    for command in ("staff --forecast", "simulate --staffing"):
        result = runner.invoke(app, [*command.split(), str(staffing), "--service-level", "1.5"])
        assert result.exit_code == 1, result.output
        assert "error: service_level: must be between 0 and 1" in result.output


def test_bad_shift_lengths_are_refused_naming_the_option(tmp_path: Path) -> None:
    staffing = tmp_path / "staffing.csv"
    staffing.write_text("start,scheduled\n2025-04-07T09:00:00+00:00,2\n")
    result = runner.invoke(app, ["schedule", "--staffing", str(staffing), "--lengths", "4,x"])
    assert result.exit_code == 2
    assert "'4,x' is not hours such as 4,6,8" in result.output


def test_a_plan_naming_a_queue_the_routing_lacks_is_refused_naming_its_column(
    tmp_path: Path,
) -> None:
    forecast, queues, groups = _skills_inputs(tmp_path)
    plan = tmp_path / "skills.csv"
    common = ["--groups", str(groups), "--replications", "2"]
    _ok("staff", "--forecast", str(forecast), "--queues", str(queues), "--out", str(plan), *common)
    sales_only = tmp_path / "sales.json"
    sales_only.write_text('{"sales": {"skills": {"sales": 1}}}')
    result = runner.invoke(
        app, ["simulate", "--staffing", str(plan), "--queues", str(sales_only), *common]
    )
    assert result.exit_code == 1
    assert "skills.csv: support_calls: queue 'support' is not configured" in result.output
