"""Mode (b), Switchboard routes: the holding context's UserEvent queues the call in our ACD.

No recording of this dialplan exists (the captures use app_queue), so the events below are
written by hand in the shape Asterisk 22 gives a ``UserEvent`` raised on a channel: the
channel snapshot headers, then ``UserEvent`` and the custom headers.
"""

from __future__ import annotations

from cti.asterisk.ami import Event, Headers
from cti.asterisk.normalise import AmiNormaliser
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
