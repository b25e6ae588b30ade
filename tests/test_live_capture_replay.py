"""The live capture ``tests/fixtures/asterisk/live_observe`` (recorded with ``switchboard
capture`` by ``tests/live/record.py``, on the example configuration and the ``switchboard``
account's read classes and event filters), replayed through the real adapter. The generic
checks against its ``queue_log`` run with every capture in ``test_ami_replay``; these are the
scenario's own: the IVR caller is queued once in the queue the IVR chose, with the digits on
the pop, and a pause made on Asterisk shows while Ivan waits and gives up."""

from __future__ import annotations

import asyncio
from pathlib import Path

from acd.agents import AgentState
from cti.asterisk.capture import read_capture
from cti.replay.run import Replay
from tests.queue_log import read_queue_log

CAPTURE = Path(__file__).parent / "fixtures" / "asterisk" / "live_observe"


def replayed() -> Replay:
    return asyncio.run(Replay(read_capture(CAPTURE.with_suffix(".jsonl"))).run())


def test_the_ivr_caller_is_queued_once_in_billing_with_the_digits_on_the_pop() -> None:
    replay = replayed()
    legs, _ = read_queue_log(CAPTURE.with_suffix(".queue_log"))
    ivy = next(leg for leg in legs if leg.caller_number == "+14155550177")
    lines = [line for line in replay.log if line.call_id == ivy.call_id]
    assert [(line.queue, line.agent, line.outcome.value) for line in lines] == [
        ("billing", ivy.agent, "answered")
    ]
    collected = dict(lines[0].ivr)
    assert (collected["IVR_MENU"], collected["IVR_ACCOUNT"]) == ("2", "1234")
    assert collected["QUEUE_SELECTED"] == "billing"
    pops = [pop for pop in replay.recorder.pops if pop.call_id == ivy.call_id]
    assert [pop.agent_id for pop in pops] == [ivy.agent]
    assert dict(pops[0].variables)["IVR_ACCOUNT"] == "1234"


def test_support_was_paused_on_asterisk_while_ivan_waited_and_gave_up() -> None:
    replay = replayed()
    (ivan,) = [line for line in replay.log if line.caller_number == "+442071234567"]
    assert (ivan.queue, ivan.outcome.value, ivan.agent) == ("support", "abandoned", None)
    gave_up = ivan.entered_at + ivan.wait_seconds
    # agent04 is only in support: paused there is paused; agent03 still takes billing calls
    assert replay.agent_at("agent04", gave_up).state is AgentState.PAUSED  # type: ignore[union-attr]
    assert not [pop for pop in replay.recorder.pops if pop.call_id == ivan.call_id]
