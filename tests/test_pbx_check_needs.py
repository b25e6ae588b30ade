"""``switchboard pbx check``'s pure half: which contexts a deployment needs, and the line each
missing one gives (the live check is in ``tests/live/test_pbx_check.py``)."""

from __future__ import annotations

from dataclasses import replace

from cti.pbx.check import NEEDED_ACTIONS, Facts, findings, needs
from cti.settings import Settings

INBOUND = {"switchboard-inbound", "switchboard-agents", "switchboard-outbound"}


def test_the_dialer_contexts_are_needed_only_when_dialling_is_configured() -> None:
    assert set(needs(Settings(agi_port=0)).contexts) == INBOUND
    dialling = needs(Settings(agi_port=0, asterisk_dialer=True))
    assert dialling.contexts == {
        **dict.fromkeys(INBOUND, "observe mode"),
        "switchboard-dialer": "dialling",
        "switchboard-dialer-agent": "dialling",
        "switchboard-dialer-out": "dialling",  # where the Local lead channel dials
    }
    trunk = Settings(
        agi_port=0, asterisk_dialer=True, asterisk_dialer_lead_channel="PJSIP/{number}"
    )
    assert "switchboard-dialer-out" not in needs(trunk).contexts


def test_each_missing_dialer_context_is_one_line_naming_it() -> None:
    need = needs(Settings(agi_port=0, asterisk_dialer=True))
    present = dict.fromkeys(need.contexts, True)
    facts = Facts(
        actions=frozenset(NEEDED_ACTIONS),
        varset_seen=True,
        contexts={**present, "switchboard-dialer": False, "switchboard-dialer-out": False},
    )
    assert findings(facts, need) == [
        "dialplan: context 'switchboard-dialer' does not exist (dialling)",
        "dialplan: context 'switchboard-dialer-out' does not exist (dialling)",
    ]


def test_route_mode_needs_the_holding_context_to_take_each_ivr_queue_and_the_connect_one() -> None:
    need = needs(Settings(agi_port=0, asterisk_mode="route"), queues=["billing", "sales"])
    assert need.queues == frozenset()  # no app_queue to ask in route mode
    assert need.held == ("switchboard-hold", frozenset({"billing", "sales"}))
    assert need.connect == ("switchboard-connect", "bridge")
    present = dict.fromkeys(need.contexts, True)
    facts = Facts(actions=frozenset(NEEDED_ACTIONS), varset_seen=True, contexts=present,
                  queues_held={"billing": False, "sales": True}, connect_found=False)  # fmt: skip
    assert findings(facts, need) == [
        "dialplan: no extension of 'switchboard-hold' matches queue 'billing', where the IVR "
        "sends callers (route mode)",
        "dialplan: context 'switchboard-connect' has no extension 'bridge', which the answered "
        "agent leg runs (route mode)",
    ]
    gone = {**present, "switchboard-hold": False, "switchboard-connect": False}
    assert findings(replace(facts, contexts=gone), need) == [  # one line per missing context
        "dialplan: context 'switchboard-hold' does not exist (route mode)",
        "dialplan: context 'switchboard-connect' does not exist (route mode)",
    ]
