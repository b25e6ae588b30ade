"""The dialer's real campaign runtime on Asterisk 22, through a real Switchboard in route mode.

A campaign is created, loaded and started over the HTTP API; the engine opens each signed-in
agent's persistent leg (``switchboard-dialer-agent``), dials leads through
``switchboard-dialer-out``, hears ``AMD()``'s verdict and hands each person to Switchboard's
own ACD, whose offer is a ``Bridge``. What is checked is what a campaign manager sees: each
lead's state and the compliance record (the attempts CSV).
"""

from __future__ import annotations

import csv
import io
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.live.pbx import Pbx
from tests.live.relay import Relay
from tests.live.routing import connected, log_in, route_mode, serve
from tests.live.switchboard import Desktop, Switchboard, eventually

pytestmark = pytest.mark.asterisk

AGENTS = ("agent01", "agent02", "agent03")
#: what each kind of lead's phone does; the lead's state and its attempt's outcome and verdict
PLANS: dict[str, tuple[str, str, str, str]] = {
    "person": ("person-1-1", "done", "answered-live", "human"),  # talks 1 s, hangs up
    "machine": ("machine-1", "exhausted", "machine", "machine"),
    "busy": ("busy", "exhausted", "busy", ""),
    "noanswer": ("noanswer", "exhausted", "no-answer", ""),
}
#: 30 leads; few that ring out (a ring lasts at least 15 s by the rules), first so that the
#: other agents work meanwhile
SCRIPT = "Hello, this is Switchboard Test about your plan."
KINDS = ["noanswer"] * 2 + (["person", "machine", "person", "busy", "person"] * 6)[:28]


def campaign_spec(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "mode": "progressive",
        "queue": "sales",
        "caller_id": "+14155550100",
        "window": {"start": "00:00:00", "end": "23:59:59", "days": [1, 2, 3, 4, 5, 6, 7]},
        "safe_harbour": {"company": "Switchboard Test", "callback_number": "+14155550100"},
        "max_attempts": 1,  # one attempt per lead, so every lead ends in a final state
        "ring_seconds": 15,
        "amd": True,
        "script": SCRIPT,
    }
    spec.update(overrides)
    return spec


def start_campaign(sb: Switchboard, name: str, leads: list[str], **spec: Any) -> None:
    res = sb.request(
        "POST", "/api/dialer/campaigns", json={"name": name, "spec": campaign_spec(**spec)}
    )
    assert res.status_code == 201, res.text
    rows = "".join(f"{n},Lead {i},plan-{i}\n" for i, n in enumerate(leads))
    files = {"file": ("leads.csv", f"phone,name,plan\n{rows}".encode(), "text/csv")}
    res = sb.request("POST", f"/api/dialer/campaigns/{name}/leads", files=files)
    assert res.status_code == 200, res.text
    assert res.json()["loaded"] == len(leads), res.text
    res = sb.request("POST", f"/api/dialer/campaigns/{name}/start")
    assert res.status_code == 200, res.text


def lead_states(sb: Switchboard, name: str) -> dict[str, str]:
    return {
        r["phone"]: r["status"] for r in sb.get(f"/api/dialer/campaigns/{name}/leads?limit=500")
    }


def attempts(sb: Switchboard, name: str) -> list[dict[str, str]]:
    res = sb.request("GET", f"/api/dialer/campaigns/{name}/attempts.csv")
    assert res.status_code == 200, res.text
    return list(csv.DictReader(io.StringIO(res.text)))


def settled(sb: Switchboard, name: str, count: int) -> list[dict[str, str]] | None:
    rows = attempts(sb, name)
    return rows if len(rows) >= count and all(r["ended_at"] for r in rows) else None


def sign_in(sb: Switchboard, pbx: Pbx) -> None:
    serve(sb, "sales", wrapup=0)
    for agent in AGENTS:
        pbx.phone(agent, "answer-1-600")  # the persistent leg: answered once, kept up
    log_in(sb, dict.fromkeys(AGENTS, ("sales",)))


def test_a_campaign_of_thirty_leads_over_three_agents_ends_with_every_lead_and_attempt_right(
    pbx: Pbx, routed: Switchboard
) -> None:
    sb = routed
    connected(sb)
    numbers = [f"+1415555{3000 + i}" for i in range(len(KINDS))]
    for number, kind in zip(numbers, KINDS, strict=True):
        pbx.phone(number, PLANS[kind][0])
    sign_in(sb, pbx)
    desktops = {agent: sb.desktop(agent) for agent in AGENTS}
    try:
        start_campaign(sb, "live30", numbers)
        rows = eventually(
            lambda: settled(sb, "live30", len(numbers)), "every attempt ended", 150, 1
        )
        popped = {a: eventually(lambda d=d: pops(d), f"{a}'s pops", 5) for a, d in desktops.items()}
    finally:
        for desktop in desktops.values():
            desktop.close()
    expected = {n: PLANS[k] for n, k in zip(numbers, KINDS, strict=True)}
    assert sorted(r["phone"] for r in rows) == sorted(numbers)  # one attempt each, none twice
    for row in rows:
        _, _, outcome, verdict = expected[row["phone"]]
        assert (row["outcome"], row["amd_verdict"]) == (outcome, verdict), row
        if outcome == "answered-live":
            assert row["agent_id"] in AGENTS, row
            assert float(row["seconds_to_agent"]) < 2.0, row  # bridged within the rules' 2 s
        else:
            assert row["agent_id"] == "", row
    eventually(
        lambda: lead_states(sb, "live30") == {n: p[1] for n, p in expected.items()},
        "every lead in its final state",
        timeout=10,
    )
    answered = {r["agent_id"] for r in rows if r["outcome"] == "answered-live"}
    assert answered == set(AGENTS)  # the ACD spread the people over the three agents
    # each person reached popped on the desktop of the agent who took them: the lead, with
    # the list's own columns, and the campaign's script
    for row in (r for r in rows if r["outcome"] == "answered-live"):
        pop = popped[row["agent_id"]].get(row["id"])
        assert pop is not None, (row, sorted(popped[row["agent_id"]]))
        i = numbers.index(row["phone"])
        assert pop["lead"]["phone"] == row["phone"] and pop["lead"]["name"] == f"Lead {i}"
        assert pop["lead"]["fields"] == {"plan": f"plan-{i}"}, pop["lead"]
        assert pop["campaign"] == {"name": "live30", "script": SCRIPT}
        assert pop["call"]["agent_id"] == row["agent_id"] and pop["call"]["queue"] == "sales"
    assert sum(map(len, popped.values())) == len(
        [r for r in rows if r["outcome"] == "answered-live"]
    )


def pops(desktop: Desktop) -> dict[str, dict[str, Any]]:
    """The campaign pops a desktop received, by attempt."""
    return {m["call"]["call_id"]: m for _, m in desktop.of("pop") if "lead" in m}


def at(row: dict[str, str], column: str) -> float:
    return datetime.fromisoformat(row[column]).timestamp()


def connected_rows(sb: Switchboard, name: str, count: int) -> list[dict[str, str]] | None:
    rows = [r for r in attempts(sb, name) if r["connected_at"]]
    return rows if len(rows) >= count else None


def link_down(sb: Switchboard, name: str) -> dict[str, Any] | None:
    status: dict[str, Any] = sb.get(f"/api/dialer/campaigns/{name}/status")
    return status if "link is down" in status["reason"] else None


def test_the_ami_link_drops_mid_campaign_no_attempt_lost_or_counted_twice(
    pbx: Pbx, run_dir: Path
) -> None:
    relay = Relay(pbx.ami_port)
    sb = route_mode(run_dir / "switchboard", pbx, ami_port=relay.port)
    try:
        connected(sb)
        kinds = ["talker"] * 3 + ["person", "busy", "machine", "person", "person", "busy"]
        plans = {
            "talker": ("person-1-6", "done", "answered-live", "human"),  # hangs up in the cut
            **{k: PLANS[k] for k in ("person", "busy", "machine")},
        }
        numbers = [f"+1415555{4000 + i}" for i in range(len(kinds))]
        for number, kind in zip(numbers, kinds, strict=True):
            pbx.phone(number, plans[kind][0])
        sign_in(sb, pbx)
        start_campaign(sb, "cut", numbers)
        talking = eventually(
            lambda: connected_rows(sb, "cut", 3), "three people talking to the agents", 60, 0.3
        )
        assert {r["phone"] for r in talking} == set(numbers[:3])
        relay.cut()
        cut_at = time.time()
        status = eventually(
            lambda: link_down(sb, "cut"), "the campaign saying the link is down", 30
        )
        assert not status["dialling"], status
        # the three people hang up while nothing can tell Switchboard
        eventually(
            lambda: not [c for c in pbx.channels() for n in numbers[:3] if n in c],
            "the callers gone during the cut",
            15,
        )
        time.sleep(1.0)
        assert not [r for r in attempts(sb, "cut") if at(r, "dialled_at") > cut_at]
        relay.restore()
        restored_at = time.time()
        rows = eventually(lambda: settled(sb, "cut", len(numbers)), "every attempt ended", 90, 1)
    finally:
        sb.stop()
        relay.close()
    assert sorted(r["phone"] for r in rows) == sorted(numbers)  # none lost, none twice
    by_phone = {r["phone"]: r for r in rows}
    for number, kind in zip(numbers, kinds, strict=True):
        row, (_, _, outcome, verdict) = by_phone[number], plans[kind]
        assert (row["outcome"], row["amd_verdict"]) == (outcome, verdict), row
    resolved = [by_phone[n] for n in numbers[:3]]
    assert all(r["cause"] == "ended while the AMI link was down" for r in resolved), resolved
    later = [r for r in rows if r["phone"] not in numbers[:3]]
    # pacing resumed only after the link was back and the calls in flight were resolved
    assert min(at(r, "dialled_at") for r in later) > restored_at
    assert min(at(r, "dialled_at") for r in later) >= max(at(r, "ended_at") for r in resolved)
