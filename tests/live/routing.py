"""Mode (b), Switchboard routes, on a live Asterisk: the helpers the route-mode scenarios share.

Callers dial the example's routed DID (``+14155550103`` runs ``switchboard-routed``, then waits
in ``switchboard-hold``); Switchboard's ACD picks the agent and originates the agent's leg
into ``switchboard-connect``. Agents log in from the desktop (the directory says who they
are and what they serve); the queues get short ring times so each scenario takes seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.live.pbx import Pbx
from tests.live.scenario import state_of
from tests.live.switchboard import Api, Switchboard, eventually

ROUTED = "+14155550103"  # from-trunk -> switchboard-routed,sales
RING_SECONDS = 4.0  # how long Switchboard lets an agent's leg ring


def route_mode(run_dir: Path, pbx: Pbx, **overrides: Any) -> Switchboard:
    return Switchboard(run_dir, pbx, asterisk_mode="route", **overrides).start()


def serve(sb: Api, *queues: str, ring: float = RING_SECONDS, wrapup: float = 0) -> None:
    """Queues that need their own skill, with short rings and wrap-ups."""
    for queue in queues:
        spec = {"skills": {queue: 1}, "ring_timeout": ring, "wrapup_seconds": wrapup}
        res = sb.request("PUT", f"/api/queues/{queue}", json=spec)
        assert res.status_code == 200, res.text


def log_in(sb: Api, agents: dict[str, tuple[str, ...]]) -> None:
    """Each agent serves exactly the queues given and makes themself available."""
    for agent, queues in agents.items():
        res = sb.request("PUT", f"/api/agents/{agent}/skills",
                         json={"skills": dict.fromkeys(queues, 1)})  # fmt: skip
        assert res.status_code == 200, res.text
        res = sb.request("PUT", f"/api/agents/{agent}/state", agent, json={"state": "available"})
        assert res.status_code == 200, res.text
    eventually(lambda: all(state_of(sb, a) == "available" for a in agents), "the agents available")


def agent_legs(pbx: Pbx, agent: str) -> list[str]:
    """The agent's legs Asterisk has up (Switchboard's originates into the connect context)."""
    return [c for c in pbx.channels() if c.startswith(f"Local/{agent}@switchboard-agents")]


def ringing_legs(pbx: Pbx, agent: str) -> set[str]:
    """The agent's legs, one per Local pair (its ``;1`` and ``;2`` halves are one leg)."""
    return {name.rsplit(";", 1)[0] for name in agent_legs(pbx, agent)}


def connected(sb: Switchboard) -> None:
    eventually(lambda: sb.services.telephony.connected, "Switchboard logged in to the AMI")
