"""The live capture ``tests/fixtures/asterisk/live_route`` (mode (b), recorded with
``switchboard capture`` by ``python -m tests.live.record route``), replayed through the real
adapter. The capture is another session than the Switchboard that routed: the agent legs are
known from their ``SB_*`` variables and ``OriginateResponse``. What the live Switchboard
logged (``live_route.calllog.json``) is the truth: app_queue kept no ``queue_log``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from cti.asterisk.adapter import Dialplan
from cti.asterisk.capture import read_capture
from cti.asterisk.config import AmiConfig, AsteriskMode
from cti.replay.run import Replay
from cti.telephony import events as ev

CAPTURE = Path(__file__).parent / "fixtures" / "asterisk" / "live_route"
ROUTE = AmiConfig(user="switchboard", mode=AsteriskMode.ROUTE)


def replayed() -> Replay:
    lines = read_capture(CAPTURE.with_suffix(".jsonl"))
    return asyncio.run(Replay(lines, config=ROUTE, dialplan=Dialplan()).run())


def truth() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(CAPTURE.with_suffix(".calllog.json").read_text())
    return rows


def test_every_leg_the_live_switchboard_logged_replays_with_its_queue_agent_and_outcome() -> None:
    replay = replayed()
    ours = [(line.call_id, line.leg, line.queue, line.agent, line.outcome.value)
            for line in replay.log]  # fmt: skip
    assert ours == [(r["call_id"], r["leg"], r["queue"], r["agent"], r["outcome"]) for r in truth()]
    assert not replay.refusals


def test_waits_and_talks_agree_with_the_live_call_log_within_a_second() -> None:
    for line, row in zip(replayed().log, truth(), strict=True):
        assert abs(line.wait_seconds - row["wait"]) <= 1.0, (line, row)
        if row["talk"] is None:
            assert line.talk_seconds is None
        else:
            assert line.talk_seconds is not None and abs(line.talk_seconds - row["talk"]) <= 1.0


def test_the_busy_phone_is_a_failed_offer_every_time_and_never_a_ring_out() -> None:
    replay = replayed()
    jane, ivan = truth()[0]["call_id"], truth()[1]["call_id"]
    rang = [e for _, e in replay.events if isinstance(e, ev.AgentRingNoAnswer)]
    assert next((e.call_id, e.failed) for e in rang if e.agent_id == "agent01") == (jane, True)
    assert all(e.failed for e in rang if e.agent_id == "agent01")
    assert not [e for e in rang if e.agent_id != "agent01"]  # the others answered or were let go
    assert "agent03" in {pop.agent_id for pop in replay.recorder.pops if pop.call_id == ivan}
