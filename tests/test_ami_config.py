"""``AmiConfig``: what ``cti.asterisk`` is told of the settings, checked, and built once."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from cti.asterisk.adapter import AsteriskTelephony
from cti.asterisk.campaign_actions import DialerPlan
from cti.asterisk.client import AmiClient
from cti.asterisk.config import AmiConfig, AsteriskMode, BadAmiConfig
from cti.clock import ManualClock
from cti.pbx.dialplan import dialplan
from cti.server.app import ami_config, asterisk_factory
from cti.server.bus import InProcessBus
from cti.server.hub import Hub
from cti.settings import Settings, TelephonyBackend

SETTINGS = Settings(
    telephony=TelephonyBackend.ASTERISK,
    ami_host="pbx.example.org",
    ami_port=5039,
    ami_user="cti",
    ami_secret=SecretStr("not-printed"),
    ami_tls=True,
    asterisk_mode=AsteriskMode.ROUTE,
    asterisk_inbound_contexts=["from-trunk", "switchboard-hold"],
)


def test_the_application_turns_its_settings_into_the_ami_config() -> None:
    config = ami_config(SETTINGS)
    assert config == AmiConfig(
        host="pbx.example.org",
        port=5039,
        user="cti",
        secret=SecretStr("not-printed"),
        tls=True,
        mode=AsteriskMode.ROUTE,
        inbound_contexts=("from-trunk", "switchboard-hold"),
    )
    assert "not-printed" not in repr(config)


def test_the_server_builds_the_adapter_over_the_socket_client_it_configures() -> None:
    clock = ManualClock()
    adapter = asterisk_factory(SETTINGS)(clock, Hub(InProcessBus(), clock), [], [])
    assert isinstance(adapter, AsteriskTelephony) and isinstance(adapter.link, AmiClient)
    assert repr(adapter.link) == "<AmiClient cti@pbx.example.org:5039 tls disconnected>"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("port", 0, "AMI port 0 is not in 1-65535"),
        ("host", " ", "AMI host is empty"),
        ("user", "", "AMI user is empty"),
        ("inbound_contexts", (), "AMI inbound contexts must name at least one context"),
        ("inbound_contexts", ("inbound", " "), "AMI inbound contexts must name at least one"),
    ],
)
def test_a_config_the_pbx_could_not_use_is_refused_naming_the_field(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(BadAmiConfig) as refused:
        AmiConfig(**{field: value})  # type: ignore[arg-type]
    assert refused.value.message.startswith(message)
    assert refused.value.error_id == "bad-ami-config"


def test_the_dialer_plan_comes_from_the_settings_down_to_the_adapter() -> None:
    settings = Settings(
        asterisk_dialer_lead_channel="PJSIP/{number}@trunk",
        asterisk_dialer_context="campaigns",
        asterisk_dialer_agent_context="campaign-agents",
        asterisk_dialer_agent_ring_seconds=45,
        asterisk_dialer_abandon_seconds=1.5,
    )
    assert dialplan(settings).dialer == DialerPlan(
        lead_channel="PJSIP/{number}@trunk",
        lead_context="campaigns",
        agent_leg_context="campaign-agents",
        agent_leg_ring_timeout=45.0,
        abandon_seconds=1.5,
    )
    assert dialplan(Settings()).dialer == DialerPlan()  # the defaults match docs/asterisk


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("asterisk_dialer_lead_channel", "Local/lead@switchboard-dialer-out"),  # no {number}
        ("asterisk_dialer_context", "switchboard dialer"),
        ("asterisk_dialer_abandon_seconds", 0),
    ],
)
def test_a_dialer_setting_the_pbx_could_not_use_is_refused_naming_it(
    field: str, value: object
) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(**{field: value})  # type: ignore[arg-type]
    assert refused.value.errors()[0]["loc"] == (field,)
