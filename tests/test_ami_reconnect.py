"""Losing the AMI connection: no call may be lost or logged twice.

Real resync traffic exists in two captures: ``reconnect`` (cut at 12 s, down 6 s, then
``CoreShowChannels`` + ``QueueStatus``) and ``join_busy`` (the same at login). So:

- ``reconnect`` is also replayed with its outage started earlier, at five points: events
  from the cut to the real outage are dropped too, and the real resync then has more to
  catch up. Calls seen queueing before the cut or alive at the resync must be logged exactly
  once; those alive at the resync, joined after it, or seen answered before the cut with the
  right outcome and agent. A call that was waiting at the cut and is gone at the resync was
  answered or abandoned: the wire does not say which, so only its single record is checked.
- the other captures are cut at five points with a 6 s outage and *no* resync (none was
  recorded there, and one built from the normaliser's own state would prove nothing): every
  call is logged at most once, and calls the outage did not touch are logged exactly right.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from cti.asterisk.ami import ActionResult, Event, Headers, Response
from cti.asterisk.normalise import AmiNormaliser
from cti.replay import CaptureLine, Replay, read_capture
from cti.telephony import events as ev
from tests.queue_log import QueueLeg, read_queue_log

CAPTURES = Path(__file__).parent / "fixtures" / "asterisk"
OUTAGE = 6.0
_UNIQUEID = re.compile(r"\r\nUniqueid: ([^\r\n]+)")


def lines_of(name: str) -> list[CaptureLine]:
    return read_capture(CAPTURES / f"{name}.jsonl")


def legs_of(name: str) -> list[QueueLeg]:
    return read_queue_log(CAPTURES / f"{name}.queue_log")[0]


def run(lines: list[CaptureLine]) -> Replay:
    return asyncio.run(Replay(lines).run())


def cut_points(lines: list[CaptureLine], before: float | None = None) -> list[int]:
    """Five recv lines evenly spread over the middle of the capture (or before ``before``)."""
    recv = [i for i, x in enumerate(lines) if x.direction == "recv"]
    if before is not None:
        recv = [i for i in recv if lines[i].t < before]
    return [recv[len(recv) * k // 6] for k in range(1, 6)]


def with_outage(lines: list[CaptureLine], at: int, until: float) -> list[CaptureLine]:
    """The connection drops before line ``at``; what Asterisk said until ``until`` is lost."""
    start = lines[at].t
    dropped = [x for x in lines[at:] if not (x.direction == "recv" and x.t < until)]
    return [*lines[:at], CaptureLine(start, "disconnect", ""), *dropped]


def events(lines: list[CaptureLine], name: str) -> Iterator[tuple[float, str]]:
    """(t, Uniqueid) of each ``name`` event in the lines."""
    head = f"Event: {name}\r\n"
    for line in lines:
        if line.direction != "recv" or head not in line.raw:
            continue
        for message in line.raw.split("\r\n\r\n"):
            if message.startswith(head) and (found := _UNIQUEID.search(message)):
                yield line.t, found[1]


def logged(replay: Replay) -> Counter[tuple[str, str]]:
    return Counter((line.call_id, line.queue) for line in replay.log)


def right(replay: Replay, legs: list[QueueLeg], calls: set[str]) -> None:
    """The legs of ``calls`` are logged once, with queue_log's outcome and agent."""
    by_leg = {(line.call_id, line.queue): line for line in replay.log}
    for leg in (leg for leg in legs if leg.call_id in calls):
        line = by_leg[(leg.call_id, leg.queue)]
        assert (line.outcome.value, line.agent) == (leg.outcome, leg.agent), leg


# -- the real outage ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def reconnect_lines() -> list[CaptureLine]:
    return lines_of("reconnect")


def real_outage(lines: list[CaptureLine]) -> float:
    return next(x.t for x in lines if x.direction == "disconnect")


def test_every_call_is_logged_exactly_once_across_the_real_outage(
    reconnect_lines: list[CaptureLine],
) -> None:
    replay = run(reconnect_lines)
    legs = legs_of("reconnect")
    assert len(replay.resyncs) == 1
    assert logged(replay) == Counter((leg.call_id, leg.queue) for leg in legs)
    right(replay, legs, {leg.call_id for leg in legs})
    assert replay.centre.calls == {} and replay.port.commands == []


@pytest.mark.parametrize("point", range(5))
def test_an_earlier_outage_loses_no_call_and_logs_none_twice(
    point: int, reconnect_lines: list[CaptureLine]
) -> None:
    lines = reconnect_lines
    down = real_outage(lines)
    at = cut_points(lines, before=down)[point]
    replay = run(with_outage(lines, at, down))
    legs = legs_of("reconnect")
    before = lines[:at]
    queued = {call for _, call in events(before, "QueueCallerJoin")}
    answered = {call for _, call in events(before, "AgentConnect")}
    alive = {call for _, call in events(lines, "CoreShowChannel")}  # one resync: the real one
    later = {call for t, call in events(lines, "QueueCallerJoin") if t > down}
    counts = logged(replay)
    assert set(counts.values()) == {1}, "a call was logged twice"
    assert {call for call, _ in counts} >= queued | (alive & {leg.call_id for leg in legs})
    right(replay, legs, alive | later | answered)
    assert len(replay.resyncs) == 1 and replay.port.commands == []


# -- outages with no resync --------------------------------------------------------------


@pytest.fixture(scope="module")
def captures() -> dict[str, list[CaptureLine]]:
    names = ("inbound_answered", "transfer", "join_busy", "load_seed7")
    return {name: lines_of(name) for name in names}


@pytest.mark.parametrize("name", ["inbound_answered", "transfer", "join_busy", "load_seed7"])
@pytest.mark.parametrize("point", range(5))
def test_an_outage_without_resync_logs_no_call_twice(
    name: str, point: int, captures: dict[str, list[CaptureLine]]
) -> None:
    lines = captures[name]
    at = cut_points(lines)[point]
    replay = run(with_outage(lines, at, lines[at].t + OUTAGE))
    legs = legs_of(name)
    counts = logged(replay)
    assert all(n == 1 for n in counts.values()), "a call was logged twice"
    assert set(counts) <= {(leg.call_id, leg.queue) for leg in legs}
    start, end = replay.offset + lines[at].t, replay.offset + lines[at].t + OUTAGE
    untouched = {
        leg.call_id
        for leg in legs
        if leg.ended_at is not None and (leg.ended_at + 2 < start or _entry(leg) - 1 > end)
    }
    assert untouched - {call for call, _ in counts} == set(), "an untouched call was lost"
    right(replay, legs, untouched)


def _entry(leg: QueueLeg) -> float:
    if leg.entered_at is not None:
        return leg.entered_at
    return float("-inf")  # before the recording: touched by any outage


# -- resync is idempotent ----------------------------------------------------------------


def recorded_resync(name: str) -> tuple[ActionResult, ActionResult, float]:
    """The CoreShowChannels and QueueStatus results a capture recorded, and when."""
    (resync,) = run(lines_of(name)).resyncs
    return resync


@pytest.mark.parametrize("name", ["join_busy", "reconnect"])
def test_a_second_resync_with_the_same_snapshot_changes_nothing(name: str) -> None:
    channels, queue_status, now = recorded_resync(name)
    normaliser = AmiNormaliser()
    first = normaliser.resync(channels, queue_status, now)
    assert len(first) > 10
    assert normaliser.resync(channels, queue_status, now + 1) == []


def test_a_resync_ends_the_calls_whose_channels_are_gone() -> None:
    channels, queue_status, now = recorded_resync("join_busy")
    normaliser = AmiNormaliser()
    normaliser.resync(channels, queue_status, now)
    complete = Event("CoreShowChannelsComplete", Headers())
    nothing = ActionResult("x", Response("x", "Success"), (), complete)
    ended = normaliser.resync(nothing, queue_status, now + 5)
    assert len([e for e in ended if type(e).__name__ == "CallEnded"]) == 12
    assert normaliser.calls == {}


def _gone(queue_status: ActionResult) -> ActionResult:
    complete = Event("CoreShowChannelsComplete", Headers())
    return ActionResult("x", Response("x", "Success"), (), complete)


def test_after_a_pbx_restart_the_calls_it_had_end_when_the_link_dropped_as_pbx_lost() -> None:
    channels, queue_status, now = recorded_resync("join_busy")
    normaliser = AmiNormaliser()
    normaliser.resync(channels, queue_status, now)
    answered = {c: t.answered_at for c, t in normaliser.calls.items()}
    lost = now + 2
    out = normaliser.resync(_gone(queue_status), queue_status, now + 30, pbx_lost_at=lost)
    ended = [e for e in out if isinstance(e, ev.CallEnded)]
    assert {e.call_id for e in ended} == set(answered)
    assert {e.cause for e in ended} == {ev.EndCause.PBX_LOST}
    assert all(e.at == max(lost, answered[e.call_id] or lost) for e in ended)
