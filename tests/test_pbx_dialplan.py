"""The dialplan a deployment configures: its campaign contexts reach the Asterisk adapter."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cti.asterisk.campaign_actions import DIALER_PLAN
from cti.pbx.dialplan import dialplan
from cti.settings import Settings


def test_the_dialer_contexts_and_lead_trunk_come_from_the_settings() -> None:
    settings = Settings(
        telephony="asterisk",
        asterisk_dialer_lead_channel="PJSIP/{number}@carrier",
        asterisk_dialer_context="acme-dialer",
        asterisk_dialer_agent_context="acme-dialer-agent",
        asterisk_dialer_agent_ring_seconds=12,
    )
    plan = dialplan(settings).dialer
    assert plan.lead_channel == "PJSIP/{number}@carrier"
    assert (plan.lead_context, plan.agent_leg_context) == ("acme-dialer", "acme-dialer-agent")
    assert plan.agent_leg_ring_timeout == 12
    # what the settings do not name stays as docs/asterisk has it
    assert plan.safe_harbour_exten == DIALER_PLAN.safe_harbour_exten


def test_the_defaults_are_the_example_dialplans() -> None:
    assert dialplan(Settings(telephony="asterisk")).dialer == DIALER_PLAN


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("asterisk_dialer_lead_channel", "PJSIP/carrier"),  # no {number}
        ("asterisk_dialer_context", "bad context"),
        ("asterisk_dialer_agent_context", ""),
        ("asterisk_dialer_agent_ring_seconds", 0),
    ],
)
def test_a_bad_dialer_setting_is_refused_naming_it(field: str, value: object) -> None:
    with pytest.raises(ValidationError, match=field):
        Settings(telephony="asterisk", **{field: value})
