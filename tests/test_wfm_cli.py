"""``switchboard wfm``: a planner's chain of files, and one-line errors for bad input."""

from __future__ import annotations

import csv
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
