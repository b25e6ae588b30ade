"""Real Asterisk 22 traffic through the AMI core, the normaliser and the call engine.

Every capture in ``tests/fixtures/asterisk`` is replayed once (module fixture) and its call
log is held against the ``queue_log`` Asterisk wrote meanwhile: the same calls and legs,
outcomes, answering agents, unanswered rings, and waits and talks within a second.

How times are compared. ``queue_log`` times are whole seconds (truncated) and its durations
are differences of those, so:

- an instant ``T`` in ``queue_log`` means some time in ``[T, T + 1)``: ours must be within a
  second of that, ``T - 1 <= ours <= T + 2``; durations must be within ``±1`` s;
- a call that entered before the recording began has no ``ENTERQUEUE``: its entry is
  ``CONNECT`` time minus holdtime (or ``COMPLETE`` time minus talktime and holdtime);
- an answer that happened while the recorder was not listening (before ``join_busy`` logged
  in, during ``reconnect``'s outage) is on no wire: the engine places it at the ring's start,
  the earliest it can have been. For those the wait is a lower bound and the talk an upper
  bound, both within the queue's ring timeout, and the call must still end within a second
  of its ``COMPLETE`` line;
- a redirected caller's first leg gets ``COMPLETECALLER`` only when the caller hangs up
  (``transfer``: talktime 23 s), so that leg's talk is checked to end at the redirect (the
  next ``ENTERQUEUE``) instead.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from acd.agents import AgentState
from cti.asterisk.ami import Event, Headers
from cti.asterisk.normalise import AmiNormaliser
from cti.replay import BadCapture, CallLogLine, CaptureLine, Replay, read_capture, replay
from cti.telephony import events as ev
from tests.queue_log import QueueLeg, read_queue_log

CAPTURES = Path(__file__).parent / "fixtures" / "asterisk"
# captures with Asterisk's own queue_log to check against (mode (b)'s have none: app_queue
# never sees its calls; test_live_route_replay checks those against the live call log)
NAMES = sorted(p.stem for p in CAPTURES.glob("*.jsonl") if p.with_suffix(".queue_log").exists())
RING_TIMEOUT = {"sales": 12.0, "support": 12.0, "loadq": 10.0}  # config/queues.conf


def run(lines: list[CaptureLine]) -> Replay:
    return asyncio.run(Replay(lines).run())


@pytest.fixture(scope="module")
def replays() -> dict[str, Replay]:
    return {name: run(read_capture(CAPTURES / f"{name}.jsonl")) for name in NAMES}


def truth(name: str) -> list[QueueLeg]:
    return read_queue_log(CAPTURES / f"{name}.queue_log")[0]


def paired(log: list[CallLogLine], legs: list[QueueLeg]) -> list[tuple[QueueLeg, CallLogLine]]:
    """Each queue_log leg with the log line of the same call and queue, in order."""
    ours: dict[tuple[str, str], list[CallLogLine]] = {}
    for line in log:
        ours.setdefault((line.call_id, line.queue), []).append(line)
    return [(leg, ours[(leg.call_id, leg.queue)].pop(0)) for leg in legs]


def not_listening(replay: Replay) -> list[tuple[float, float]]:
    """The stretches of epoch time when the recorder heard nothing (before, and outages)."""
    lines = replay.lines
    gaps = [(float("-inf"), replay.offset + lines[0].t)]
    for at, line in enumerate(lines):
        if line.direction == "disconnect":
            back = next((x.t for x in lines[at:] if x.direction == "recv"), line.t)
            gaps.append((replay.offset + line.t, replay.offset + back))
    return gaps


def unheard(second: int | None, gaps: list[tuple[float, float]]) -> bool:
    return second is not None and any(start < second + 1 and second < end for start, end in gaps)


def near(ours: float, second: int) -> bool:
    return second - 1 <= ours <= second + 2


def entry(leg: QueueLeg) -> int:
    """ENTERQUEUE, or for a call that entered before the recording, what the later lines say."""
    if leg.entered_at is not None:
        return leg.entered_at
    assert leg.wait is not None
    if leg.connected_at is not None:
        return leg.connected_at - leg.wait
    assert leg.ended_at is not None
    return leg.ended_at - (leg.talk or 0) - leg.wait


def state_at(replay: Replay, agent_id: str, when: float) -> tuple[AgentState, str | None]:
    agent = replay.agent_at(agent_id, when)
    assert agent is not None, f"{agent_id} unknown at {when}"
    return agent.state, agent.pause_reason


# -- the call log agrees with queue_log --------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_the_replay_logs_the_calls_and_legs_that_queue_log_has(
    name: str, replays: dict[str, Replay]
) -> None:
    ours = Counter((line.call_id, line.queue) for line in replays[name].log)
    assert ours == Counter((leg.call_id, leg.queue) for leg in truth(name))


@pytest.mark.parametrize("name", NAMES)
def test_outcomes_agents_and_unanswered_rings_agree_with_queue_log(
    name: str, replays: dict[str, Replay]
) -> None:
    for leg, line in paired(replays[name].log, truth(name)):
        assert line.outcome.value == leg.outcome, leg
        assert line.agent == leg.agent, leg
        assert list(line.rang_no_answer) == leg.rang_no_answer, leg
        assert leg.caller_number is None or line.caller_number == leg.caller_number


@pytest.mark.parametrize("name", NAMES)
def test_entry_times_agree_with_queue_log(name: str, replays: dict[str, Replay]) -> None:
    for leg, line in paired(replays[name].log, truth(name)):
        assert near(line.entered_at, entry(leg)), (leg, line)


@pytest.mark.parametrize("name", NAMES)
def test_waits_and_talks_agree_with_queue_log_within_a_second(
    name: str, replays: dict[str, Replay]
) -> None:
    gaps = not_listening(replays[name])
    for leg, line in paired(replays[name].log, truth(name)):
        if unheard(leg.connected_at, gaps):
            continue  # see the next test
        assert leg.wait is not None
        assert abs(line.wait_seconds - leg.wait) <= 1, (leg, line)
        if leg.outcome == "answered":
            assert leg.talk is not None and line.talk_seconds is not None
            assert abs(line.talk_seconds - leg.talk) <= 1, (leg, line)


@pytest.mark.parametrize("name", ["join_busy", "reconnect"])
def test_an_answer_nobody_heard_is_placed_at_the_ring_and_the_call_still_ends_on_time(
    name: str, replays: dict[str, Replay]
) -> None:
    gaps = not_listening(replays[name])
    checked = 0
    for leg, line in paired(replays[name].log, truth(name)):
        if not unheard(leg.connected_at, gaps):
            continue
        checked += 1
        assert leg.wait is not None and leg.talk is not None and leg.ended_at is not None
        assert line.talk_seconds is not None
        ring = RING_TIMEOUT[leg.queue]
        assert leg.wait - ring - 1 <= line.wait_seconds <= leg.wait + 1, (leg, line)
        assert leg.talk - 1 <= line.talk_seconds <= leg.talk + ring + 1, (leg, line)
        assert near(line.entered_at + line.wait_seconds + line.talk_seconds, leg.ended_at)
    assert checked >= 2


def test_a_redirected_callers_first_leg_talks_until_the_redirect(
    replays: dict[str, Replay],
) -> None:
    first, second = truth("transfer")
    sales, support = replays["transfer"].log
    assert (sales.outcome.value, sales.agent, support.agent) == (
        "transferred",
        "Alice Agent",
        "Dave Agent",
    )
    assert first.connected_at is not None and second.entered_at is not None
    assert sales.talk_seconds is not None
    assert abs(sales.talk_seconds - (second.entered_at - first.connected_at)) <= 1
    assert sales.call_id == support.call_id and (sales.leg, support.leg) == (0, 1)


# -- what a user would have seen ---------------------------------------------------------


def test_jane_roe_pops_on_bob_agents_screen_before_he_answers(
    replays: dict[str, Replay],
) -> None:
    jane = replays["inbound_answered"]
    (pop,) = jane.recorder.pops
    answered = next(at for at, agent, _, change in jane.recorder.changes if change == "answered")
    assert (pop.agent_id, pop.caller_number) == ("Bob Agent", "+14155550101")
    assert pop.at < answered
    kinds = [type(e).__name__ for _, e in jane.events if not isinstance(e, ev.QueueMemberChanged)]
    assert kinds == ["CallOffered", "CallQueued", "AgentRinging", "CallAnswered", "CallEnded"]
    assert jane.centre.acd.agent("Bob Agent").calls_taken == 1


def test_the_ivr_digits_reach_the_call_and_its_pop(replays: dict[str, Replay]) -> None:
    ivy = replays["ivr_fastagi"]
    collected = {"IVR_MENU": "2", "IVR_ACCOUNT": "1234", "QUEUE_SELECTED": "support"}
    (line,) = ivy.log
    assert dict(line.ivr) == collected
    assert [dict(pop.variables) for pop in ivy.recorder.pops] == [collected, collected]
    assert [pop.agent_id for pop in ivy.recorder.pops] == ["Carol NoAnswer", "Dave Agent"]


def test_both_sales_agents_were_on_lunch_while_ivan_waited_and_hung_up(
    replays: dict[str, Replay],
) -> None:
    ivan = replays["inbound_abandoned"]
    (line,) = ivan.log
    gave_up = line.entered_at + line.wait_seconds
    for agent_id in ("Alice Agent", "Bob Agent"):
        for when in (line.entered_at, gave_up):
            assert state_at(ivan, agent_id, when) == (AgentState.PAUSED, "Lunch")
        assert ivan.centre.acd.agent(agent_id).state is AgentState.AVAILABLE
    assert ivan.recorder.pops == []
    assert line.outcome.value == "abandoned" and line.agent is None


def test_carol_rings_out_then_dave_gets_the_pop_and_the_call(replays: dict[str, Replay]) -> None:
    rita = replays["ring_no_answer"]
    assert [pop.agent_id for pop in rita.recorder.pops] == ["Carol NoAnswer", "Dave Agent"]
    assert [(agent, change) for _, agent, _, change in rita.recorder.changes] == [
        ("Carol NoAnswer", "missed"),
        ("Dave Agent", "answered"),
        ("Dave Agent", "ended"),
    ]
    (missed,) = [e for _, e in rita.events if isinstance(e, ev.AgentRingNoAnswer)]
    assert missed.ring_seconds == 12.0


def test_click_to_dial_is_an_outbound_call_that_rings_the_agent_first(
    replays: dict[str, Replay],
) -> None:
    dial = replays["click_to_dial"]
    calls = [e for _, e in dial.events if not isinstance(e, ev.QueueMemberChanged)]
    offered, variables, ringing, answered, ended = calls
    assert isinstance(offered, ev.CallOffered) and isinstance(ended, ev.CallEnded)
    assert (offered.direction, offered.caller_number, offered.call_id) == (
        ev.Direction.OUTBOUND,
        "15",
        "1795479285.12",
    )
    assert isinstance(variables, ev.CallVariables)
    assert dict(variables.variables) == {"CRM_CUSTOMER_ID": "C-1042", "CAMPAIGN": "manual"}
    assert isinstance(ringing, ev.AgentRinging) and ringing.agent_id == "Bob Agent"
    assert isinstance(answered, ev.CallAnswered) and answered.agent_id == "Bob Agent"
    assert (ended.cause, ended.cause_code) == (ev.EndCause.AGENT_HANGUP, 16)
    (leg,) = dial.legs
    assert leg.outcome is not None and leg.outcome.value == "answered"
    assert dial.log == []  # not a queue leg


def test_queue_member_actions_drive_the_agent_in_the_acd(replays: dict[str, Replay]) -> None:
    erin = replays["member_management"]
    changes = [
        (e.change, e.paused, e.reason, e.penalty)
        for _, e in erin.events
        if isinstance(e, ev.QueueMemberChanged) and e.agent_id == "Erin Agent"
    ]
    assert changes == [
        ("added", False, None, 1),
        ("paused", True, "Coaching", 1),
        ("penalty", True, "Coaching", 3),
        ("unpaused", False, None, 3),
        ("removed", False, None, 3),
    ]
    added, paused, _, _, removed = [
        at
        for at, e in erin.events
        if isinstance(e, ev.QueueMemberChanged) and e.agent_id == "Erin Agent"
    ]
    assert state_at(erin, "Erin Agent", added) == (AgentState.AVAILABLE, None)
    assert state_at(erin, "Erin Agent", paused) == (AgentState.PAUSED, "Coaching")
    assert state_at(erin, "Erin Agent", removed - 0.5) == (AgentState.AVAILABLE, None)
    assert state_at(erin, "Erin Agent", removed) == (AgentState.LOGGED_OUT, None)


def test_the_load_capture_follows_calls_that_began_before_the_recording(
    replays: dict[str, Replay],
) -> None:
    load = replays["load_seed7"]
    earlier = {"1795479789.846", "1795479789.848", "1795479789.850", "1795479789.852"}
    talking = {"1795479786.836", "1795479786.840", "1795479788.844"}
    by_call = {line.call_id: line for line in load.log}
    assert {by_call[c].agent for c in earlier} == {
        "Load Agent 1",
        "Load Agent 8",
        "Load Agent 4",
        "Load Agent 10",
    }
    assert {by_call[c].agent for c in talking} == {f"Load Agent {n}" for n in (11, 14, 18)}
    assert Counter(line.outcome.value for line in load.log) == {"answered": 64, "abandoned": 43}
    assert load.violations == [] and load.resyncs == []


def test_joining_a_busy_pbx_resyncs_once_and_adopts_every_call(
    replays: dict[str, Replay],
) -> None:
    busy = replays["join_busy"]
    assert len(busy.resyncs) == 1
    assert {line.caller_name for line in busy.log} == {f"Busy Caller {n}" for n in range(1, 13)}
    agents = {agent.agent_id for agent in busy.centre.acd.agents()}
    assert agents == {f"Busy Agent {n}" for n in range(1, 6)}


@pytest.mark.parametrize("name", NAMES)
def test_observe_mode_never_offers_a_call_to_the_pbx(name: str, replays: dict[str, Replay]) -> None:
    assert replays[name].port.commands == []
    assert replays[name].refusals == [] and replays[name].violations == []
    # On the wire too: the adapter sent nothing but its own resync, and nothing failed.
    assert {a.name for a in replays[name].link.sent} <= {"CoreShowChannels", "QueueStatus"}
    assert replays[name].recorder.failures == []
    assert replays[name].centre.calls == {}  # every call the capture finished is finished


def test_replay_returns_the_call_log_and_the_cli_prints_it_as_json_lines() -> None:
    path = CAPTURES / "transfer.jsonl"
    assert [line.queue for line in replay(path)] == ["sales", "support"]
    # In a child process: the command configures logging for the whole process.
    script = (
        "import typer; from cti.replay import cli; app = typer.Typer(); "
        "app.command('replay')(cli.replay); app.command('other')(lambda: None); app()"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "replay", str(path)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    rows = [orjson.loads(row) for row in done.stdout.splitlines()]
    assert [(row["queue"], row["outcome"], row["agent"]) for row in rows] == [
        ("sales", "transferred", "Alice Agent"),
        ("support", "answered", "Dave Agent"),
    ]


# -- odd input ---------------------------------------------------------------------------


def event(name: str, **headers: str) -> Event:
    return Event(name, Headers(headers))


CALLER = {
    "Channel": "Local/1@callers-0000aaaa;1",
    "Uniqueid": "1800000000.1",
    "Linkedid": "1800000000.1",
    "CallerIDNum": "+15550001",
    "CallerIDName": "Odd Caller",
    "Context": "inbound",
    "Exten": "sales",
}


def test_unknown_events_and_events_of_unknown_channels_change_nothing() -> None:
    normaliser = AmiNormaliser()
    stray = {**CALLER, "Uniqueid": "1800000000.9", "DestUniqueid": "1800000000.8"}
    unknown = ("Hangup", "DialEnd", "Hold", "BlindTransfer", "AttendedTransfer", "QueueCallerLeave")
    for name in unknown:
        assert normaliser.feed(event(name, **stray), 1.0) == []
    assert normaliser.feed(event("NoSuchEvent", Foo="bar"), 1.0) == []
    assert normaliser.feed(event("AgentComplete", Queue="sales", MemberName="X"), 1.0) == []
    assert normaliser.feed(event("QueueMemberPause"), 1.0) == []
    assert normaliser.calls == {}


def test_a_malformed_position_is_skipped_with_a_warning() -> None:
    normaliser = AmiNormaliser()
    with capture_logs() as logs:
        out = normaliser.feed(event("QueueCallerJoin", **CALLER, Queue="sales", Position="x"), 2.0)
    queued = [e for e in out if isinstance(e, ev.CallQueued)]
    assert queued == [ev.CallQueued("1800000000.1", 2.0, "sales", 0)]
    assert [entry["event"] for entry in logs] == ["ami_malformed_field"]


def test_a_blind_transfer_by_the_agent_ends_the_leg_as_transferred() -> None:
    normaliser = AmiNormaliser()
    leg = {"DestUniqueid": "1800000000.3", "Queue": "sales", "MemberName": "Alice Agent"}
    normaliser.feed(event("QueueCallerJoin", **CALLER, Queue="sales", Position="1"), 1.0)
    normaliser.feed(event("AgentConnect", **CALLER, **leg, HoldTime="2"), 3.0)
    out = normaliser.feed(
        event(
            "BlindTransfer",
            Result="Success",
            TransfererUniqueid="1800000000.3",
            TransfereeUniqueid="1800000000.1",
            Extension="2000",
        ),
        5.0,
    )
    assert out == [ev.CallTransferred("1800000000.1", 5.0, "2000", "number")]
    assert normaliser.feed(event("AgentComplete", **CALLER, **leg, Reason="transfer"), 5.0) == []
    (ended,) = normaliser.feed(event("Hangup", **CALLER, Cause="16"), 9.0)
    assert ended == ev.CallEnded("1800000000.1", 9.0, ev.EndCause.CALLER_HANGUP, 16)


def test_a_caller_redirected_to_an_agent_is_transferred_rung_and_answered() -> None:
    normaliser = AmiNormaliser()
    leg = {"DestUniqueid": "1800000000.3", "Queue": "sales", "MemberName": "Alice Agent"}
    normaliser.feed(event("QueueMemberStatus", Queue="sales", MemberName="Bob Agent",
                          Interface="Local/1002@agents/n", Paused="0"), 0.5)  # fmt: skip
    normaliser.feed(event("QueueCallerJoin", **CALLER, Queue="sales", Position="1"), 1.0)
    normaliser.feed(event("AgentConnect", **CALLER, **leg, HoldTime="2"), 3.0)
    assert normaliser.feed(event("Newexten", **{**CALLER, "Context": "to-agent"}), 6.0) == []
    bob = {"DestChannel": "Local/1002@agents-0000bbbb;1", "DestUniqueid": "1800000000.5"}
    out = normaliser.feed(event("DialBegin", **CALLER, **bob, DialString="1002@agents"), 6.0)
    assert out == [
        ev.CallTransferred("1800000000.1", 6.0, "Bob Agent", "agent"),
        ev.AgentRinging("1800000000.1", 6.0, "Bob Agent", None),
    ]
    out = normaliser.feed(event("DialEnd", **CALLER, **bob, DialStatus="ANSWER"), 8.0)
    assert out == [ev.CallAnswered("1800000000.1", 8.0, "Bob Agent", None)]


def test_hold_and_unhold_on_the_agent_leg_reach_the_call() -> None:
    normaliser = AmiNormaliser()
    leg = {"DestUniqueid": "1800000000.3", "Queue": "sales", "MemberName": "Alice Agent"}
    normaliser.feed(event("QueueCallerJoin", **CALLER, Queue="sales", Position="1"), 1.0)
    normaliser.feed(event("AgentConnect", **CALLER, **leg, HoldTime="2"), 3.0)
    agent_leg = {"Channel": "Local/1001@agents-0000cccc;1", "Uniqueid": "1800000000.3"}
    assert normaliser.feed(event("Hold", **agent_leg), 4.0) == [
        ev.CallHeld("1800000000.1", 4.0, True)
    ]
    assert normaliser.feed(event("Unhold", **agent_leg), 5.0) == [
        ev.CallHeld("1800000000.1", 5.0, False)
    ]


_NAMES = st.sampled_from(
    [
        "Newexten", "NewCallerid", "VarSet", "QueueCallerJoin", "QueueCallerAbandon",
        "AgentCalled", "AgentRingNoAnswer", "AgentDump", "AgentConnect", "AgentComplete",
        "Hangup", "DialBegin", "DialEnd", "BlindTransfer", "AttendedTransfer", "Hold",
        "QueueMemberAdded", "QueueMemberPause", "QueueMemberStatus", "QueueMember",
    ]
)  # fmt: skip
_HEADERS = st.sampled_from(
    [
        "Channel", "Uniqueid", "Linkedid", "DestChannel", "DestUniqueid", "Queue", "MemberName",
        "Interface", "Position", "HoldTime", "TalkTime", "RingTime", "Reason", "Cause",
        "Context", "Exten", "Variable", "Value", "Paused", "Penalty", "DialStatus",
        "DialString", "TransfereeUniqueid", "Result", "CallerIDNum", "LastCall",
    ]
)  # fmt: skip
_VALUES = st.one_of(
    st.sampled_from(["1800000000.1", "1800000000.3", "sales", "inbound", "1", "-1", "", "x"]),
    st.text(max_size=12),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_NAMES, st.dictionaries(_HEADERS, _VALUES, max_size=10)), max_size=12))
def test_no_header_values_make_the_normaliser_fail(
    events: list[tuple[str, dict[str, str]]],
) -> None:
    normaliser = AmiNormaliser()
    with capture_logs() as logs:
        for at, (name, headers) in enumerate(events):
            for out in normaliser.feed(event(name, **headers), float(at)):
                assert isinstance(out, ev.TelephonyEvent)
    assert not [entry for entry in logs if entry["log_level"] == "error"]


def test_a_broken_capture_is_refused_naming_the_file_line_and_field(tmp_path: Path) -> None:
    capture = tmp_path / "broken.jsonl"
    good, bad = '{"t": 0.5, "dir": "recv", "raw": "x"}', '{"t": 1.0, "dir": "sideways", "raw": "y"}'
    capture.write_text(f"{good}\n\n{bad}\n")
    with pytest.raises(BadCapture) as refused:
        read_capture(capture)
    assert (
        refused.value.message == f"{capture}:3: field 'dir' must be one of recv, send, disconnect"
    )
