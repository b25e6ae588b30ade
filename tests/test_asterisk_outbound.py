"""Outbound campaigns on the Asterisk adapter, without a PBX: the actions each command sends,
the events AMI traffic becomes, the line outcomes, and bad input (the live proof is in
``tests/live/test_outbound_dialling.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pytest
from structlog.testing import capture_logs

from cti.asterisk.ami import Action, ActionResult, ActionSpec, Event, Response
from cti.asterisk.ami.headers import Headers
from cti.asterisk.campaign_actions import CampaignActions
from cti.asterisk.line_outcomes import failed_line
from cti.asterisk.outbound import BadOutboundCommand, OutboundLines
from cti.clock import ManualClock
from cti.telephony import outbound as ob
from cti.telephony.errors import NoSuchCall

LEAD = "Local/+14155550111@switchboard-dialer-out-0000000a;1"
LEG = "Local/agent01@switchboard-agents-00000003;1"


def event(name: str, **headers: str) -> Event:
    return Event(name, Headers(list(headers.items())))


class SentLink:
    """An ``AmiLink`` that accepts every action and keeps it."""

    connected = True

    def __init__(self) -> None:
        self.sent: list[Action] = []

    def attach(self, on_event: Callable[[Event], None], on_connected: object) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def execute(self, action: ActionSpec, *, timeout: float | None = None) -> ActionResult:
        built = action(f"a-{len(self.sent)}") if callable(action) else action
        self.sent.append(built)
        return ActionResult(built.action_id or "", Response(built.action_id, "Success"))


class Rig:
    def __init__(self) -> None:
        self.link, self.lines, self.clock = SentLink(), OutboundLines(), ManualClock(1000.0)
        self.events: list[ob.OutboundEvent] = []
        self.actions = CampaignActions(
            self.link,
            self.lines,
            self.clock,
            self.emit,
            agent_channel="Local/{agent}@switchboard-agents/n",
        )

    def emit(self, events: Iterable[ob.OutboundEvent]) -> None:
        self.events.extend(events)

    def feed(self, name: str, **headers: str) -> list[ob.OutboundEvent]:
        out = self.lines.feed(event(name, **headers), self.clock.now())
        self.events.extend(out)
        return out

    def headers(self, index: int) -> list[tuple[str, str]]:
        return list(self.link.sent[index].headers)


async def test_a_lead_is_originated_async_with_the_attempt_id_as_its_channel_id() -> None:
    rig = Rig()
    await rig.actions.execute(ob.DialLead("att-1", "+14155550111", "+14155550100", 15.0))
    (sent,) = rig.link.sent
    assert sent.name == "Originate"
    assert {
        ("Channel", "Local/+14155550111@switchboard-dialer-out/n"),
        ("Context", "switchboard-dialer"),
        ("Exten", "lead"),
        ("Async", "true"),
        ("ChannelId", "att-1"),
        ("Timeout", "15000"),
        ("CallerID", "+14155550100"),
        ("Variable", "SB_ATTEMPT_ID=att-1"),
        ("Variable", "SB_AMD=1"),
        ("Variable", "SB_ABANDON_SECONDS=2"),
    } <= set(rig.headers(0))


async def test_an_answered_person_is_bridged_by_name_after_its_lead_is_marked_connected() -> None:
    rig = Rig()
    await rig.actions.execute(ob.OpenAgentLeg("agent01"))
    leg_id = dict(rig.headers(0))["ChannelId"]
    rig.feed("Newchannel", Uniqueid=leg_id, Channel=LEG)
    assert rig.feed("OriginateResponse", Uniqueid=leg_id, Response="Success", Reason="4") == [
        ob.AgentLegReady("agent01", 1000.0)
    ]
    await rig.actions.execute(ob.DialLead("att-1", "+14155550111", ""))
    assert rig.feed("Newchannel", Uniqueid="att-1", Channel=LEAD) == [
        ob.LeadRinging("att-1", 1000.0)
    ]
    rig.clock.advance(3)
    rig.feed("OriginateResponse", Uniqueid="att-1", Response="Success", Reason="4")
    rig.clock.advance(1.5)
    (answered,) = rig.feed(
        "UserEvent", UserEvent="SwitchboardAmd", Attempt="att-1", Status="HUMAN", Cause="x"
    )
    assert answered == ob.LeadAnswered("att-1", ob.AmdVerdict.HUMAN, 1004.5, 1003.0)
    await rig.actions.execute(ob.ConnectLead("att-1", "agent01"))
    setvar, bridge = rig.link.sent[-2:]
    assert (setvar.name, dict(setvar.headers)["Channel"]) == ("Setvar", LEAD)
    assert bridge.name == "Bridge"
    assert dict(bridge.headers) == {"Channel1": LEAD, "Channel2": LEG, "Tone": "no"}
    assert rig.events[-1] == ob.LeadConnected("att-1", "agent01", 1004.5)
    rig.feed("Hangup", Uniqueid="att-1", Cause="16")
    assert rig.events[-1] == ob.LeadEnded(
        "att-1", ob.LineOutcome.CALLEE_HUNG_UP, 1004.5, "cause 16"
    )


async def test_a_lead_the_dialplan_or_switchboard_ended_is_hung_up_not_callee_hung_up() -> None:
    rig = Rig()
    for attempt in ("att-1", "att-2"):
        await rig.actions.execute(ob.DialLead(attempt, "4155550111", ""))
        rig.feed("Newchannel", Uniqueid=attempt, Channel=f"{LEAD}-{attempt}")
        rig.feed("Newstate", Uniqueid=attempt, ChannelState="6")
    rig.feed("UserEvent", UserEvent="SwitchboardOptOut", Attempt="att-1")
    rig.feed("UserEvent", UserEvent="SwitchboardLeadDone", Attempt="att-1")
    await rig.actions.execute(ob.HangupLead("att-2"))
    rig.feed("Hangup", Uniqueid="att-1", Cause="16")
    rig.feed("Hangup", Uniqueid="att-2", Cause="16")
    assert ob.LeadOptedOut("att-1", 1000.0) in rig.events
    ended = [e for e in rig.events if isinstance(e, ob.LeadEnded)]
    assert [(e.attempt_id, e.outcome) for e in ended] == [
        ("att-1", ob.LineOutcome.HUNG_UP),
        ("att-2", ob.LineOutcome.HUNG_UP),
    ]


@pytest.mark.parametrize(
    ("reason", "cause", "outcome"),
    [
        ("5", "16", ob.LineOutcome.BUSY),  # AST_CONTROL_BUSY, whatever the cause says
        ("3", "19", ob.LineOutcome.NO_ANSWER),  # rang until the Originate's Timeout
        ("8", None, ob.LineOutcome.FAILED),  # AST_CONTROL_CONGESTION
        ("0", "17", ob.LineOutcome.BUSY),  # no control frame: the Q.850 cause decides
        ("0", "1", ob.LineOutcome.FAILED),  # unallocated number
        ("1", "21", ob.LineOutcome.BUSY),  # rejected
        ("0", None, ob.LineOutcome.FAILED),  # nothing known
    ],
)
async def test_a_failed_originate_ends_the_attempt_with_the_mapped_outcome(
    reason: str, cause: str | None, outcome: ob.LineOutcome
) -> None:
    rig = Rig()
    await rig.actions.execute(ob.DialLead("att-1", "+14155550111", ""))
    if cause is not None:
        rig.feed("Newchannel", Uniqueid="att-1", Channel=LEAD)
        rig.feed("Hangup", Uniqueid="att-1", Cause=cause)
    (ended,) = rig.feed("OriginateResponse", Uniqueid="att-1", Response="Failure", Reason=reason)
    assert isinstance(ended, ob.LeadEnded) and ended.outcome is outcome
    assert ended.cause == f"reason {reason}" + (f"; cause {cause}" if cause else "")
    assert failed_line(int(reason), int(cause) if cause else None) is outcome


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (ob.DialLead("att 1", "+14155550111", ""), "attempt_id"),
        (ob.DialLead("att-1;2", "+14155550111", ""), "attempt_id"),
        (ob.DialLead("att-1", "+1415&PJSIP/x", ""), "number"),
        (ob.DialLead("att-1", "", ""), "number"),
        (ob.OpenAgentLeg("agent/01"), "agent_id"),
    ],
)
async def test_a_command_asterisk_must_not_see_is_refused_naming_the_field(
    command: ob.OutboundCommand, field: str
) -> None:
    rig = Rig()
    with pytest.raises(BadOutboundCommand) as refused:
        await rig.actions.execute(command)
    assert refused.value.details["field"] == field and refused.value.status == 422
    assert rig.link.sent == []


async def test_commands_on_a_lead_or_leg_that_is_not_up_raise_no_such_call() -> None:
    rig = Rig()
    for command in (
        ob.ConnectLead("att-9", "agent01"),
        ob.PlaySafeHarbour("att-9"),
        ob.PlayMachineMessage("att-9"),
        ob.HangupLead("att-9"),
        ob.CloseAgentLeg("agent01"),
    ):
        with pytest.raises(NoSuchCall):
            await rig.actions.execute(command)
    await rig.actions.execute(ob.DialLead("att-1", "+14155550111", ""))
    with pytest.raises(BadOutboundCommand):
        await rig.actions.execute(ob.DialLead("att-1", "+14155550111", ""))


@pytest.mark.parametrize(
    "headers",
    [
        {"UserEvent": "SwitchboardAmd", "Attempt": "att-1", "Status": "PERHAPS"},
        {"UserEvent": "SwitchboardAmd", "Attempt": "att-1"},
        {"UserEvent": "SwitchboardAmd", "Attempt": "nobody", "Status": "HUMAN"},
        {"UserEvent": "SwitchboardOptOut"},
    ],
)
async def test_a_bad_dialplan_event_is_logged_with_its_field_and_costs_only_itself(
    headers: dict[str, str],
) -> None:
    rig = Rig()
    await rig.actions.execute(ob.DialLead("att-1", "+14155550111", ""))
    rig.feed("Newchannel", Uniqueid="att-1", Channel=LEAD)
    with capture_logs() as logs:
        assert rig.feed("UserEvent", **headers) == []
    (logged,) = logs
    assert logged["event"] == "dialer.bad_event" and logged["field"] in ("Status", "Attempt")
    assert logged["error"].startswith("UserEvent") and logged["field"] in logged["error"]
    # ...and the attempt carries on: a good verdict still counts.
    (answered,) = rig.feed(
        "UserEvent", UserEvent="SwitchboardAmd", Attempt="att-1", Status="MACHINE"
    )
    assert answered.verdict is ob.AmdVerdict.MACHINE  # type: ignore[union-attr]


async def test_a_malformed_cause_is_logged_and_the_hangup_still_ends_the_attempt() -> None:
    rig = Rig()
    await rig.actions.execute(ob.DialLead("att-1", "+14155550111", ""))
    rig.feed("Newchannel", Uniqueid="att-1", Channel=LEAD)
    rig.feed("Newstate", Uniqueid="att-1", ChannelState="6")
    with capture_logs() as logs:
        (ended,) = rig.feed("Hangup", Uniqueid="att-1", Cause="16; DROP")
    assert ended == ob.LeadEnded("att-1", ob.LineOutcome.CALLEE_HUNG_UP, 1000.0, "")
    assert logs[0]["event"] == "dialer.bad_field" and logs[0]["field"] == "Cause"


async def test_a_resync_ends_once_what_ended_while_the_link_was_down() -> None:
    rig = Rig()
    await rig.actions.execute(ob.OpenAgentLeg("agent01"))
    leg_id = dict(rig.headers(0))["ChannelId"]
    rig.feed("Newchannel", Uniqueid=leg_id, Channel=LEG)
    rig.feed("OriginateResponse", Uniqueid=leg_id, Response="Success", Reason="4")
    for attempt in ("att-talking", "att-gone", "att-ringing-gone", "att-queued"):
        await rig.actions.execute(ob.DialLead(attempt, "+14155550111", ""))
        if attempt != "att-queued":  # Asterisk has not created this one's channel yet
            rig.feed("Newchannel", Uniqueid=attempt, Channel=f"{LEAD}-{attempt}")
    for attempt in ("att-talking", "att-gone"):
        rig.feed("OriginateResponse", Uniqueid=attempt, Response="Success", Reason="4")
    alive = {"att-talking": f"{LEAD}-att-talking"}.get  # all CoreShowChannels lists after the cut
    ended = rig.lines.resync(alive, 1010.0)
    assert ended == [
        ob.LeadEnded(
            "att-gone", ob.LineOutcome.CALLEE_HUNG_UP, 1010.0, "ended while the AMI link was down"
        ),
        ob.LeadEnded(
            "att-ringing-gone", ob.LineOutcome.FAILED, 1010.0, "ended while the AMI link was down"
        ),
        ob.AgentLegGone("agent01", 1010.0, "ended while the AMI link was down"),
    ]
    assert rig.lines.resync(alive, 1011.0) == []  # counted once
    assert rig.feed("Hangup", Uniqueid="att-gone", Cause="16") == []  # a late event: nothing
    assert rig.lines.lead_channel("att-talking") is not None
    assert rig.lines.resync(lambda _: None, 1012.0)[0].attempt_id == "att-talking"


async def test_an_attempt_never_seen_before_a_cut_is_found_or_ended_on_resync() -> None:
    rig = Rig()
    for attempt in ("att-lost", "att-found"):  # queued; then the link dropped their events
        await rig.actions.execute(ob.DialLead(attempt, "+14155550111", ""))
    rig.lines.link_lost()
    await rig.actions.execute(ob.DialLead("att-new", "+14155550111", ""))  # not listed yet
    listed = {"att-found": f"{LEAD}-att-found"}.get
    assert rig.lines.resync(listed, 1010.0) == [
        ob.LeadEnded("att-lost", ob.LineOutcome.FAILED, 1010.0, "lost-during-outage"),
        ob.LeadRinging("att-found", 1010.0),
    ]
    assert rig.lines.lead_channel("att-found") == f"{LEAD}-att-found"
    assert rig.lines.lead_channel("att-new") is None
    assert rig.feed("OriginateResponse", Uniqueid="att-lost", Response="Failure") == []
    assert rig.lines.resync(listed, 1011.0) == []  # att-new was dialled after the drop


async def test_an_attempt_dialled_on_a_link_that_never_dropped_is_left_to_its_events() -> None:
    """The first connection's resync (or any resync) may run while an attempt dialled on this
    link has no channel yet: the PBX does not list it yet, and nothing of it was lost."""
    rig = Rig()
    await rig.actions.execute(ob.DialLead("att-early", "+14155550111", ""))
    assert rig.lines.resync(lambda _: None, 1010.0) == []
    assert rig.feed("Newchannel", Uniqueid="att-early", Channel=f"{LEAD}-att-early") == [
        ob.LeadRinging("att-early", rig.clock.now())
    ]


async def test_an_agent_talking_to_one_lead_is_not_bridged_to_another() -> None:
    rig = Rig()
    await rig.actions.execute(ob.OpenAgentLeg("agent01"))
    leg_id = dict(rig.headers(0))["ChannelId"]
    rig.feed("Newchannel", Uniqueid=leg_id, Channel=LEG)
    rig.feed("OriginateResponse", Uniqueid=leg_id, Response="Success", Reason="4")
    for attempt in ("att-1", "att-2"):
        await rig.actions.execute(ob.DialLead(attempt, "+14155550111", ""))
        rig.feed("Newchannel", Uniqueid=attempt, Channel=f"{LEAD}-{attempt}")
    await rig.actions.execute(ob.ConnectLead("att-1", "agent01"))
    sent = len(rig.link.sent)
    with pytest.raises(BadOutboundCommand, match="still connected to attempt att-1"):
        await rig.actions.execute(ob.ConnectLead("att-2", "agent01"))
    assert len(rig.link.sent) == sent  # nothing went to Asterisk
    rig.feed("Newstate", Uniqueid="att-1", ChannelState="6")
    rig.feed("Hangup", Uniqueid="att-1", Cause="16")
    await rig.actions.execute(ob.ConnectLead("att-2", "agent01"))  # free again
    assert rig.link.sent[-1].name == "Bridge"


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        ("NOTSURE", ob.AmdVerdict.NOT_SURE),
        ("OFF", ob.AmdVerdict.OFF),
        ("human", ob.AmdVerdict.HUMAN),
    ],
)
async def test_each_amd_status_is_one_verdict_told_once(
    status: str, verdict: ob.AmdVerdict
) -> None:
    rig = Rig()
    await rig.actions.execute(ob.DialLead("att-1", "+14155550111", "", amd=status != "OFF"))
    assert ("Variable", f"SB_AMD={0 if status == 'OFF' else 1}") in rig.headers(0)
    verdicts = [
        rig.feed("UserEvent", UserEvent="SwitchboardAmd", Attempt="att-1", Status=status)
        for _ in range(2)
    ]
    assert [len(v) for v in verdicts] == [1, 0]
    assert verdicts[0][0].verdict is verdict  # type: ignore[union-attr]
