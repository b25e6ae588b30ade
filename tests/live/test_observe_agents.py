"""Mode (a): agents' pauses, whichever side makes them. Asterisk's queue membership is the
truth for who is in a queue; a pause made on Asterisk (the CLI, the AMI, app_queue's
auto-pause) shows on the desktop and the board, and a desktop pause reaches Asterisk."""

from __future__ import annotations

import pytest

from tests.live.pbx import Pbx
from tests.live.scenario import logged, no_calls_left, queue_events
from tests.live.switchboard import Switchboard, eventually

pytestmark = pytest.mark.asterisk

SALES = "+14155550100"


def member(agent: str) -> str:
    return f"Local/{agent}@switchboard-agents/n"


def states(sb: Switchboard, agent: str) -> tuple[str, str | None]:
    found = sb.agent(agent)
    return found["state"], found["pause_reason"]


def test_a_pause_made_on_asterisk_shows_in_switchboard_and_the_queue_counts_its_members(
    pbx: Pbx, switchboard: Switchboard
) -> None:
    sb = switchboard
    eventually(lambda: states(sb, "agent01") == ("available", None), "agent01 available")
    # queues.conf has two sales members, whatever skills the directory gives the agents
    assert sb.get("/api/queues/sales")["snapshot"]["agents"] == {"available": 2}

    with sb.desktop("agent01") as desktop:
        pbx.action("QueuePause", Interface=member("agent01"), Paused="true", Reason="Lunch")
        eventually(lambda: states(sb, "agent01") == ("paused", "Lunch"), "agent01 paused")
        eventually(
            lambda: [m for _, m in desktop.of("state") if m["agent"]["state"] == "paused"],
            "the desktop told of the pause",
        )
        pbx.action("QueuePause", Interface=member("agent01"), Paused="false")
        eventually(lambda: states(sb, "agent01") == ("available", None), "agent01 unpaused")


def test_a_pause_from_the_desktop_reaches_asterisk_and_its_queue_log(
    pbx: Pbx, switchboard: Switchboard
) -> None:
    sb = switchboard
    eventually(lambda: states(sb, "agent02") == ("available", None), "agent02 available")
    res = sb.request("PUT", "/api/agents/agent02/state", "agent02",
                     json={"state": "paused", "reason": "Coaching"})  # fmt: skip
    assert res.status_code == 200, res.text
    assert states(sb, "agent02") == ("paused", "Coaching")
    for queue in ("sales", "billing"):  # agent02 is in both (queues.conf)
        shown = pbx.cli(f"queue show {queue}")
        assert "paused:Coaching" in next(li for li in shown.splitlines() if "agent02" in li)
    assert ("sales", "agent02", "PAUSE") in [(q, a, e) for _, _, q, a, e, *_ in pbx.queue_log()]

    res = sb.request("PUT", "/api/agents/agent02/state", "agent02", json={"state": "available"})
    assert res.status_code == 200, res.text
    eventually(
        lambda: "paused" not in next(
            li for li in pbx.cli("queue show sales").splitlines() if "agent02" in li
        ),
        "agent02 unpaused on Asterisk",
    )  # fmt: skip
    assert states(sb, "agent02") == ("available", None)


def test_an_agent_who_lets_a_call_ring_out_is_auto_paused_and_switchboard_shows_it(
    pbx: Pbx, switchboard: Switchboard
) -> None:
    sb = switchboard
    pbx.phone("agent01", "noanswer")
    eventually(lambda: states(sb, "agent02") == ("available", None), "agent02 available")
    pbx.action("QueuePause", Interface=member("agent02"), Paused="true", Reason="Lunch")
    eventually(lambda: states(sb, "agent02")[0] == "paused", "agent02 paused")

    call_id = pbx.call(SALES, number="+14155550144", name="Rita", patience=19)
    # sales rings 15 s (queues.conf timeout), then app_queue pauses agent01 (autopause)
    eventually(lambda: states(sb, "agent01")[0] == "paused", "agent01 auto-paused", timeout=30)
    assert "paused" in next(
        li for li in pbx.cli("queue show sales").splitlines() if "agent01" in li
    )
    (row,) = logged(sb, call_id)
    assert (row.outcome, row.agent_login) == ("abandoned", None)
    assert "agent01" in row.rang_agents
    assert ("sales", "agent01", "RINGNOANSWER") in queue_events(pbx, call_id)
    no_calls_left(sb, pbx)
    assert states(sb, "agent01")[0] == "paused"
