"""``switchboard pbx check`` on the example configuration (nothing wrong) and on broken
copies of it (one line per problem), and ``switchboard capture`` of a live session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live.pbx import Bundle, Pbx
from tests.live.switchboard import Switchboard, eventually, live_settings

pytestmark = pytest.mark.asterisk


def switchboard_cli(
    pbx: Pbx, workdir: Path, *args: str, **extra: str
) -> subprocess.CompletedProcess[str]:
    """``switchboard ARGS`` with the live run's settings (and ``extra``) in its environment."""
    settings = live_settings(workdir, pbx)
    env = {**os.environ, "SWITCHBOARD_TELEPHONY": "asterisk", "SWITCHBOARD_AMI_HOST": "127.0.0.1",
           "SWITCHBOARD_AMI_PORT": str(pbx.ami_port), "SWITCHBOARD_AMI_USER": "switchboard",
           "SWITCHBOARD_AMI_SECRET": pbx.secret, "SWITCHBOARD_AGI_HOST": "127.0.0.1",
           "SWITCHBOARD_AGI_PORT": str(pbx.agi_port),
           "SWITCHBOARD_DATABASE_URL": settings.database_url, **extra}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "cti.cli", *args],
        capture_output=True, text=True, env=env, timeout=60, cwd=workdir, check=False,
    )  # fmt: skip


def test_pbx_check_finds_nothing_wrong_with_the_example_configuration(
    pbx: Pbx, switchboard: Switchboard, run_dir: Path
) -> None:
    done = switchboard_cli(pbx, run_dir, "pbx", "check", "--agent", "agent01",
                           SWITCHBOARD_ASTERISK_DIALER="true")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("ok: switchboard@127.0.0.1")
    assert done.stdout.rstrip().endswith("is ready for observe mode and dialling")


def broken(name: str, text: str) -> str:
    """The example, broken as a user might break it."""
    if name == "queues.conf":  # the billing queue the IVR flow uses was never copied
        return text.replace("[billing]", "[billing-old]")
    if name == "extensions.conf":  # the old agent pattern, no outbound nor dialer agent context
        text = text.replace("exten => _[a-z0-9].,1,Dial(", "exten => _X.,1,Dial(")
        text = text.replace("[switchboard-dialer-agent]", "[dialer-agent-renamed]")
        return text.replace("[switchboard-outbound]", "[outbound-renamed]")
    if name == "manager.conf":  # no dialplan read class, no event filters
        text = text.replace("read = call,agent,dialplan,user", "read = call,agent,user")
        return "\n".join(li for li in text.splitlines() if not li.startswith("eventfilter"))
    return text


def test_pbx_check_prints_one_line_per_problem_of_a_broken_configuration(
    asterisk: Bundle, run_dir: Path
) -> None:
    pbx = Pbx(asterisk, run_dir / "broken").configure(edit=broken).start()
    try:
        done = switchboard_cli(pbx, run_dir, "pbx", "check", "--agent", "agent01",
                               SWITCHBOARD_ASTERISK_DIALER="true")  # fmt: skip
    finally:
        pbx.stop()
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "AMI permissions: no VarSet event came back: add `dialplan` to `read`",
        "dialplan: context 'switchboard-outbound' does not exist (observe mode)",
        "dialplan: context 'switchboard-dialer-agent' does not exist (dialling)",
        "dialplan: no extension of 'switchboard-agents' matches agent 'agent01' "
        "(in patterns, N, X and Z are wildcards, in either case)",
        "queues: the IVR sends callers to 'billing', which app_queue does not have",
        f"FastAGI: nothing accepts connections on 127.0.0.1:{pbx.agi_port} "
        f"([Errno 111] Connect call failed ('127.0.0.1', {pbx.agi_port}))",
    ]


def test_pbx_check_in_route_mode_finds_nothing_wrong_with_the_example_configuration(
    pbx: Pbx, routed: Switchboard, run_dir: Path
) -> None:
    done = switchboard_cli(pbx, run_dir, "pbx", "check", "--agent", "agent01",
                           SWITCHBOARD_ASTERISK_MODE="route")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("ok: switchboard@127.0.0.1")
    assert done.stdout.rstrip().endswith("is ready for route mode")


def broken_for_routing(name: str, text: str) -> str:
    """The example, its route-mode contexts broken as a user might break them."""
    if name != "extensions.conf":
        return text
    # the holding context takes digits only, the connect context's extension renamed, and
    # the agent context (which both modes ring) gone
    text = text.replace("exten => _[a-z].,1,UserEvent(", "exten => _X.,1,UserEvent(")
    text = text.replace("exten => bridge,1,", "exten => connect,1,")
    return text.replace("[switchboard-agents]", "[agents-renamed]")


def test_pbx_check_in_route_mode_prints_one_line_per_problem_of_a_broken_configuration(
    asterisk: Bundle, run_dir: Path
) -> None:
    pbx = Pbx(asterisk, run_dir / "broken").configure(edit=broken_for_routing).start()
    try:
        done = switchboard_cli(pbx, run_dir, "pbx", "check", "--agent", "agent01",
                               SWITCHBOARD_ASTERISK_MODE="route")  # fmt: skip
    finally:
        pbx.stop()
    assert done.returncode == 1
    held = [f"dialplan: no extension of 'switchboard-hold' matches queue {queue!r}, where the "
            "IVR sends callers (route mode)"
            for queue in ("billing", "sales", "support")]  # the shipped flow's  # fmt: skip
    assert done.stdout.splitlines() == [
        "dialplan: context 'switchboard-agents' does not exist (route mode)",
        *held,
        "dialplan: context 'switchboard-connect' has no extension 'bridge', which the answered "
        "agent leg runs (route mode)",
        f"FastAGI: nothing accepts connections on 127.0.0.1:{pbx.agi_port} "
        f"([Errno 111] Connect call failed ('127.0.0.1', {pbx.agi_port}))",
    ]


def test_capture_records_a_live_call_in_the_format_of_the_fixtures(pbx: Pbx, run_dir: Path) -> None:
    out = run_dir / "capture.jsonl"
    pbx.phone("agent01", "answer-1-2")
    pbx.phone("agent02", "answer-1-2")
    env = {**os.environ, "SWITCHBOARD_AMI_PORT": str(pbx.ami_port),
           "SWITCHBOARD_AMI_SECRET": pbx.secret}  # fmt: skip
    command = [sys.executable, "-m", "cti.cli", "capture", str(out), "--seconds", "25"]
    capture = subprocess.Popen(command, env=env, cwd=run_dir, stderr=subprocess.PIPE, text=True)
    eventually(lambda: out.exists() and "Authentication accepted" in out.read_text(),
               "the capture logged in", timeout=30)  # fmt: skip
    call_id = pbx.call("+14155550100", number="+14155550123", name="Jane Roe", patience=20)
    _, err = capture.communicate(timeout=60)
    assert capture.returncode == 0, err
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines[0] == {"t": lines[0]["t"], "dir": "recv", "raw": lines[0]["raw"]}
    assert lines[0]["raw"].startswith("Asterisk Call Manager/")
    assert "Secret: ********" in lines[1]["raw"] and pbx.secret not in out.read_text()
    raws = [line["raw"] for line in lines[2:]]
    assert all(raw.endswith("\r\n\r\n") for raw in raws)
    assert any("Event: AgentConnect" in raw and call_id in raw for raw in raws)
    assert [line["t"] for line in lines] == sorted(line["t"] for line in lines)
