"""``switchboard ivr``: the flow test runner, validation and the schema, without a PBX."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cti.cli import app

SHIPPED = str(Path(__file__).parents[1] / "ivr" / "flows" / "main-menu.yaml")
runner = CliRunner()


def test_ivr_test_prints_the_path_the_variables_and_where_the_call_ends() -> None:
    result = runner.invoke(
        app, ["ivr", "test", SHIPPED, "--digits", "2,1234#", "--at", "2027-01-14T10:00:00-06:00"]
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert (
        "path: hours > welcome > identify > main_menu > billing_account > verify > to_billing"
        in out
    )
    assert "  IVR_MENU=2" in out and "  IVR_ACCOUNT=1234" in out
    assert "ends: queue billing" in out
    assert "journey: chose Billing, entered account 1234, not verified" in out


def test_ivr_test_with_a_found_vip_account_and_silence_then_a_bad_choice() -> None:
    vip = runner.invoke(app, ["ivr", "test", SHIPPED, "--digits", "2,12345678#", "--found",
                              "--tier", "vip", "--at", "2027-01-14T10:00:00-06:00"])  # fmt: skip
    assert "SB_PRIORITY=20" in vip.output and "ends: queue billing" in vip.output
    lost = runner.invoke(app, ["ivr", "test", SHIPPED, "--digits", ",7,9",
                               "--at", "2027-01-14T10:00:00-06:00"])  # fmt: skip
    assert "main_menu  <- (silence)" in lost.output and "ends: queue support" in lost.output
    assert "made no valid choice" in lost.output


def test_ivr_validate_names_each_problem_and_fails(tmp_path: Path) -> None:
    flow = tmp_path / "bad.json"
    flow.write_text(json.dumps({"name": "bad", "start": "m", "nodes": {
        "m": {"type": "menu", "options": {"1": "gone"}}}}))  # fmt: skip
    result = runner.invoke(app, ["ivr", "validate", str(flow)])
    assert result.exit_code == 1
    assert "nodes.m.options.1: target 'gone' does not exist" in result.output
    assert "nodes.m.prompt: a menu node needs a prompt file or text to say" in result.output
    ok = runner.invoke(app, ["ivr", "validate", SHIPPED, "--queues", "sales,support,billing",
                             "--skills", "sales,billing"])  # fmt: skip
    assert ok.exit_code == 0 and "main-menu: valid" in ok.output


def test_ivr_schema_prints_json_schema() -> None:
    result = runner.invoke(app, ["ivr", "schema"])
    assert json.loads(result.output)["title"] == "Switchboard IVR flow"
