"""One typed settings object, loaded once from the environment (prefix ``SWITCHBOARD_``).

Secrets are ``SecretStr`` so they never print in logs or reprs.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, StringConstraints, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cti.asterisk.config import AsteriskMode
from ivr.webhook import WEBHOOK_HOST_PATTERN

__all__ = ["AsteriskMode", "CrmBackend", "CrmPreset", "Settings", "TelephonyBackend", "WebhookHost"]

WebhookHost = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=WEBHOOK_HOST_PATTERN)
]


#: Dialplan templates must name the agent (or the number); contexts are plain names.
AGENT = r"\{agent\}"
AGENT_OR_NONE = r"(^$)|\{agent\}"
NUMBER = r"\{number\}"
CONTEXT = r"^[A-Za-z0-9_-]+$"


class TelephonyBackend(StrEnum):
    SIMULATED = "simulated"
    ASTERISK = "asterisk"


class CrmBackend(StrEnum):
    LOCAL = "local"  # the customers in Switchboard's own database only
    HTTP = "http"  # and the customer's own CRM over HTTP (cti.crm.connector; docs/crm.md)


class CrmPreset(StrEnum):
    REST = "rest"
    SALESFORCE = "salesforce"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SWITCHBOARD_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///var/switchboard.db"
    redis_url: str | None = None
    redis_prefix: str = Field("switchboard:", min_length=1, max_length=64)  # one per centre
    engine_lock_seconds: float = Field(10.0, ge=1, le=300)  # a dead engine's lock expires

    telephony: TelephonyBackend = TelephonyBackend.SIMULATED
    ami_host: str = "127.0.0.1"
    ami_port: int = Field(5038, ge=1, le=65535)
    ami_user: str = "switchboard"
    ami_secret: SecretStr = SecretStr("")
    ami_tls: bool = False
    asterisk_mode: AsteriskMode = AsteriskMode.OBSERVE
    asterisk_inbound_contexts: list[str] = [
        "switchboard-inbound",
        "switchboard-routed",
        "switchboard-hold",
    ]
    # The dialplan's names (cti.asterisk.adapter.Dialplan; docs/asterisk ships these defaults).
    # {agent} is the agent's login, {number} the number dialled.
    # /n: the Local channel is never optimised away, so the call keeps its channel and id
    asterisk_agent_channel: str = Field("Local/{agent}@switchboard-agents/n", pattern=AGENT)
    asterisk_customer_dial: str = Field("Local/{number}@switchboard-outbound/n", pattern=NUMBER)
    asterisk_member_interface: str = Field("Local/{agent}@switchboard-agents/n", pattern=AGENT)
    # app_queue's state interface for members Switchboard adds; "" for none
    asterisk_member_state_interface: str = Field("PJSIP/{agent}", pattern=AGENT_OR_NONE)
    asterisk_queue_context: str = Field("switchboard-inbound", pattern=CONTEXT)
    asterisk_outbound_context: str = Field("switchboard-outbound", pattern=CONTEXT)
    asterisk_agent_context: str = Field("switchboard-agents", pattern=CONTEXT)
    asterisk_hold_context: str = Field("switchboard-hold", pattern=CONTEXT)
    asterisk_connect_context: str = Field("switchboard-connect", pattern=CONTEXT)
    asterisk_caller_id: str | None = None  # what a customer sees on click-to-dial
    asterisk_agent_ring_seconds: float = Field(20.0, gt=0, le=300)  # click-to-dial agent leg
    # Outbound campaigns (cti.asterisk.campaign_actions.DialerPlan): on, `pbx check` verifies
    # the dialer's contexts. The lead's channel names {number}; the agent's leg rings as above.
    asterisk_dialer: bool = False
    asterisk_dialer_lead_channel: str = Field(
        "Local/{number}@switchboard-dialer-out/n", pattern=NUMBER
    )
    asterisk_dialer_context: str = Field("switchboard-dialer", pattern=CONTEXT)
    asterisk_dialer_agent_context: str = Field("switchboard-dialer-agent", pattern=CONTEXT)
    asterisk_dialer_agent_ring_seconds: float = Field(30.0, gt=0, le=300)  # the persistent leg
    # the dialplan's own fallback to the safe-harbour message, if Switchboard has not acted
    asterisk_dialer_abandon_seconds: float = Field(2.0, gt=0, le=60)
    stats_flush_seconds: float = Field(60.0, gt=0)
    call_log_spool: Path = Path("var/call-log-spool.jsonl")  # the call log's write-ahead journal
    agi_host: str = "0.0.0.0"  # FastAGI: Asterisk usually connects from another host
    agi_port: int = Field(4573, ge=0, le=65535)
    ivr_tts_application: str | None = None  # e.g. "Flite": speaks a node's `say` text
    # hosts IVR webhook nodes may call: "crm.example.com" or "*.example.com"; none: no webhooks
    ivr_webhook_hosts: list[WebhookHost] = Field(default_factory=list)

    # The external CRM (docs/crm.md): looked up beside the local records, written back to.
    crm: CrmBackend = CrmBackend.LOCAL
    crm_url: str | None = Field(None, pattern=r"^https?://")  # e.g. https://x.my.salesforce.com
    crm_preset: CrmPreset = CrmPreset.REST
    crm_map_file: Path | None = None  # a JSON map replacing the preset's
    crm_token: SecretStr | None = None  # sent as "Authorization: Bearer ..." (OAuth)
    crm_api_version: str = Field("v60.0", pattern=r"^v\d{2,3}\.\d$")  # Salesforce's vXX.X
    crm_timeout_seconds: float = Field(1.5, gt=0, le=30)
    crm_retries: int = Field(1, ge=0, le=5)
    crm_breaker_failures: int = Field(5, ge=1, le=1000)
    crm_breaker_reset_seconds: float = Field(30.0, gt=0, le=3600)
    crm_cache_seconds: float = Field(60.0, ge=0, le=86400)
    crm_outbox_poll_seconds: float = Field(2.0, gt=0, le=3600)
    crm_outbox_retry_seconds: float = Field(5.0, gt=0, le=3600)  # doubling from here
    crm_outbox_max_retry_seconds: float = Field(600.0, gt=0, le=86400)

    http_host: str = "127.0.0.1"
    http_port: int = Field(8000, ge=1, le=65535)
    # permessage-deflate on websockets: off, since compressing every small message costs more
    # CPU than a contact centre's LAN saves (a tenth of the loop at 1,000 agents)
    ws_compression: bool = False

    jwt_secret: SecretStr | None = None  # at least 32 bytes; required unless demo
    jwt_secret_file: Path = Path("var/jwt-secret")  # the demo's generated key (mode 0600)
    jwt_ttl_seconds: int = Field(8 * 3600, gt=0)
    auth_cache_seconds: float = Field(5.0, ge=0, le=60)  # longest a missed revocation lives
    login_free_failures_per_account: int = Field(5, ge=1)  # then the backoff starts
    login_free_failures_per_address: int = Field(50, ge=1)  # a whole floor may share one NAT
    login_backoff_seconds: float = Field(1.0, gt=0, le=3600)  # the first wait, then doubling
    login_backoff_max_seconds: int = Field(300, ge=1, le=86400)
    login_failure_window_seconds: int = Field(900, ge=60)  # failures older are forgotten
    # /metrics: with a token, a scraper sends "Authorization: Bearer <token>" from anywhere;
    # without one, only a client on this host's loopback (127.0.0.1, ::1) may scrape
    metrics_token: SecretStr | None = None

    # on by default with the simulated PBX only; with Asterisk, off unless asked for
    demo: bool = True
    demo_password: SecretStr = SecretStr("switchboard")
    demo_calls_per_minute: float = Field(12.0, ge=0)
    demo_seed: int = 7
    # The demo's small predictive campaign on the sales queue, beside the inbound traffic
    # (simulated PBX only; it runs only when the demo has inbound traffic too).
    demo_campaign: bool = True
    demo_agents: int = Field(24, ge=1, le=5000)
    demo_customers: int = Field(2000, ge=2)
    demo_traffic_days: int = Field(56, ge=0, le=730)  # call-log history for the planner
    demo_mean_talk_seconds: float = Field(120.0, gt=0)
    demo_mean_patience_seconds: float = Field(90.0, gt=0)

    @model_validator(mode="after")
    def _crm_needs_its_url(self) -> Settings:
        if self.crm is CrmBackend.HTTP and not self.crm_url:
            raise ValueError("SWITCHBOARD_CRM=http needs SWITCHBOARD_CRM_URL")
        return self

    @model_validator(mode="before")
    @classmethod
    def _demo_follows_the_pbx(cls, values: Any) -> Any:
        """No demo accounts on a real PBX unless ``SWITCHBOARD_DEMO`` says so."""
        if isinstance(values, dict) and values.get("demo") is None:
            telephony = values.get("telephony", TelephonyBackend.SIMULATED)
            values = {**values, "demo": str(telephony).lower() == TelephonyBackend.SIMULATED}
        return values

    def sqlite_path(self) -> Path | None:
        """The file behind a SQLite URL, so the caller can create its folder."""
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and self.database_url != "sqlite:///:memory:":
            return Path(self.database_url[len(prefix) :])
        return None
