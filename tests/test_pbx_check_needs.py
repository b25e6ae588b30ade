"""``switchboard pbx check``'s pure half: which contexts a deployment needs, and the line each
missing one gives (the live check is in ``tests/live/test_pbx_check.py``)."""

from __future__ import annotations

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
