"""Mode (b), Switchboard routes: the holding context's UserEvent queues the call in our ACD;
the agent legs the adapter rings are followed; a resync finds held and bridged callers.

No recording of this dialplan exists (the captures use app_queue), so the events below are
written by hand in the shape Asterisk 22 gives a ``UserEvent`` raised on a channel: the
channel snapshot headers, then ``UserEvent`` and the custom headers.
"""

from __future__ import annotations

from cti.asterisk.ami import ActionResult, Event, Headers, Response
from cti.asterisk.normalise import AmiNormaliser
from cti.asterisk.resync import RoutedLegs, ended_times
from cti.telephony import events as ev

CALLER = {
    "Channel": "PJSIP/trunk-00000007",
    "ChannelState": "6",
    "ChannelStateDesc": "Up",
    "CallerIDNum": "+14155550123",
    "CallerIDName": "Mo Routed",
    "Context": "switchboard-hold",
    "Exten": "sales",
    "Priority": "1",
    "Uniqueid": "1795480000.41",
    "Linkedid": "1795480000.41",
}


def event(name: str, **headers: str) -> Event:
    return Event(name, Headers([("Privilege", "user,all"), *CALLER.items(), *headers.items()]))


def test_the_holding_contexts_user_event_offers_and_queues_the_call() -> None:
    normaliser = AmiNormaliser(inbound_contexts=("switchboard-routed", "switchboard-hold"))
    out = normaliser.feed(event("UserEvent", UserEvent="SwitchboardQueued", Queue="sales"), 10.0)
    offered = next(e for e in out if isinstance(e, ev.CallOffered))
    queued = next(e for e in out if isinstance(e, ev.CallQueued))
    assert (offered.call_id, offered.caller_number, offered.caller_name) == (
        "1795480000.41",
        "+14155550123",
        "Mo Routed",
    )
    assert (queued.call_id, queued.queue) == ("1795480000.41", "sales")


def test_other_user_events_are_not_queue_joins() -> None:
    normaliser = AmiNormaliser(inbound_contexts=("switchboard-hold",))
    assert normaliser.feed(event("UserEvent", UserEvent="SomethingElse", Queue="sales"), 1.0) == []


# -- the agent legs the adapter rings, and a resync after Switchboard restarted ------------

HOLD = ("switchboard-routed", "switchboard-hold")


def queued(normaliser: AmiNormaliser) -> None:
    normaliser.feed(event("UserEvent", UserEvent="SwitchboardQueued", Queue="sales"), 10.0)


def test_an_agent_leg_that_hangs_up_first_makes_the_call_end_by_the_agent() -> None:
    normaliser = AmiNormaliser(inbound_contexts=HOLD)
    queued(normaliser)
    leg = "switchboard-12.1"
    normaliser.agent_ringing("1795480000.41", "agent01", leg, "sales", 11.0)
    out = normaliser.agent_connected("1795480000.41", "agent01", leg, "sales", 13.0)
    assert [type(e).__name__ for e in out] == ["CallAnswered"]  # its ring was already told
    hung_up = {"Channel": "Local/agent01@switchboard-agents-00000001;1", "Uniqueid": leg,
               "Linkedid": leg, "Cause": "16"}  # fmt: skip
    normaliser.feed(Event("Hangup", Headers(list(hung_up.items()))), 20.0)
    (ended,) = normaliser.feed(event("Hangup", Cause="16"), 20.1)
    assert isinstance(ended, ev.CallEnded) and ended.cause is ev.EndCause.AGENT_HANGUP


def channel_row(**headers: str) -> Event:
    return Event("CoreShowChannel", Headers(list(headers.items())))


def test_a_resync_queues_callers_in_the_holding_context_and_connects_bridged_ones() -> None:
    """What a restarted Switchboard finds: a caller on hold music, and one bridged with an
    agent leg of the connect context (its SB_AGENT_ID read with Getvar)."""
    rows = (
        channel_row(Channel="Local/caller@sb-callers-00000001;1", Uniqueid="100.1",
                    Linkedid="100.1", Context="switchboard-hold", Exten="sales",
                    Application="MusicOnHold", Duration="00:00:07", CallerIDNum="+15550001"),
        channel_row(Channel="Local/caller@sb-callers-00000002;1", Uniqueid="100.2",
                    Linkedid="100.2", Context="switchboard-hold", Exten="support",
                    Application="", Duration="00:00:30", BridgeId="b-1",
                    CallerIDNum="+15550002"),
        channel_row(Channel="Local/agent02@switchboard-agents-00000003;1",
                    Uniqueid="switchboard-9.9", Linkedid="switchboard-9.9",
                    Context="switchboard-connect", Exten="bridge", Application="Bridge",
                    Duration="00:00:20", BridgeId="b-1"),
    )  # fmt: skip
    channels = ActionResult("c", Response("c", "Success"), rows)
    nothing = ActionResult("q", Response("q", "Success"), ())
    routed = RoutedLegs("switchboard-hold", {"switchboard-9.9": ("100.2", "agent02")})
    out = AmiNormaliser(inbound_contexts=HOLD).resync(channels, nothing, 1000.0, routed=routed)
    by_call: dict[str, list[str]] = {}
    for e in out:
        by_call.setdefault(e.call_id, []).append(type(e).__name__)
    assert by_call["100.1"] == ["CallOffered", "CallQueued"]
    assert by_call["100.2"] == ["CallOffered", "AgentRinging", "CallAnswered"]
    (waiting,) = [e for e in out if isinstance(e, ev.CallQueued)]
    assert waiting.queue == "sales" and abs(waiting.at - (1000.0 - 7.5)) < 0.01
    (answered,) = [e for e in out if isinstance(e, ev.CallAnswered)]
    assert (answered.agent_id, answered.queue) == ("agent02", "support")


def test_the_dialplans_notes_of_ended_calls_keep_each_calls_latest_and_skip_a_cut_entry() -> None:
    """``SB_ENDED`` keeps its last 2000 characters: the first entry may be cut anywhere (a
    cut call id matches no call; a cut time, or none, is skipped)."""
    noted = "01.5/7.900001:1795480001.5/100.2:1040.250/100.9:nonsense/100.2:1042/:5/100.3:inf/"
    assert ended_times(noted) == {"7.900001": 1795480001.5, "100.2": 1042.0}
    assert ended_times("") == {}


def test_a_routed_call_gone_after_a_cut_ends_when_the_dialplan_noted_not_at_the_resync() -> None:
    """The link was down when the agent hung up at 1040: the next resync, at 1100, ends the
    call at 1040 (its talk is 40 s, not the cut's 100 s); without a note, at the resync."""
    rows = (
        channel_row(Channel="Local/caller@sb-callers-00000002;1", Uniqueid="100.2",
                    Linkedid="100.2", Context="switchboard-hold", Exten="support",
                    Application="", Duration="00:00:30", BridgeId="b-1",
                    CallerIDNum="+15550002"),
        channel_row(Channel="Local/agent02@switchboard-agents-00000003;1",
                    Uniqueid="switchboard-9.9", Linkedid="switchboard-9.9",
                    Context="switchboard-connect", Exten="bridge", Application="Bridge",
                    Duration="00:00:20", BridgeId="b-1"),
    )  # fmt: skip
    nothing = ActionResult("q", Response("q", "Success"), ())
    for noted, ends_at in (({"100.2": 1040.0}, 1040.0), ({}, 1100.0)):
        normaliser = AmiNormaliser(inbound_contexts=HOLD)
        talking = RoutedLegs("switchboard-hold", {"switchboard-9.9": ("100.2", "agent02")})
        channels = ActionResult("c", Response("c", "Success"), rows)
        normaliser.resync(channels, nothing, 1000.0, routed=talking)
        gone = ActionResult("c", Response("c", "Success"), ())
        out = normaliser.resync(
            gone, nothing, 1100.0, routed=RoutedLegs("switchboard-hold", {}, noted)
        )
        (ended,) = [e for e in out if isinstance(e, ev.CallEnded)]
        assert (ended.call_id, ended.at) == ("100.2", ends_at)


def test_without_the_route_mode_hint_a_held_caller_is_only_offered() -> None:
    """What resync did before: a caller in the holding context was never queued again."""
    row = channel_row(Channel="Local/caller@sb-callers-00000001;1", Uniqueid="100.1",
                      Linkedid="100.1", Context="switchboard-hold", Exten="sales",
                      Duration="00:00:07")  # fmt: skip
    channels = ActionResult("c", Response("c", "Success"), (row,))
    nothing = ActionResult("q", Response("q", "Success"), ())
    out = AmiNormaliser(inbound_contexts=HOLD).resync(channels, nothing, 1000.0)
    assert [type(e).__name__ for e in out] == ["CallOffered"]
