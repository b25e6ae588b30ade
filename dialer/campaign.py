"""What a campaign is: its mode, queue, caller ID, script, calling window, retry rules, AMD,
abandonment rule and safe-harbour message, validated where it is made.

``CampaignSpec`` is the whole of a campaign's settings; the same model validates a new
campaign and an edit to a running one (the runtime reads the stored spec again at its next
decision, so an edit takes effect without a restart).
"""

from __future__ import annotations

import re
from datetime import time
from enum import StrEnum
from typing import Annotated

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dialer.settings import UK_WINDOW, US_WINDOW

NAME = r"^[a-z][a-z0-9-]{0,63}$"
MAX_ABANDON_SECONDS = 2.0  # FTC TSR and Ofcom: a person is connected within 2 s of their greeting
MIN_RING_SECONDS = 15.0  # FTC TSR: ring at least 15 s (or four rings) before giving up
MAX_LIMIT = 0.03


class DialMode(StrEnum):
    PREVIEW = "preview"  # the agent sees the lead and chooses dial or skip
    PROGRESSIVE = "progressive"  # one line per free agent
    PREDICTIVE = "predictive"  # the pacer, inside the hard bound


class AbandonRule(StrEnum):
    US = "us"  # FTC TSR: ≤ 3% of live answers per campaign per 30 days
    UK = "uk"  # Ofcom: ≤ 3% per 24 h; no new call to an abandoned number within 72 h


class MachineAction(StrEnum):
    HANG_UP = "hang-up"
    MESSAGE = "message"


class UnknownZonePolicy(StrEnum):
    SKIP = "skip"  # a number whose time zone is unknown is not dialled
    ASSUME = "assume"  # it is dialled as if in ``assume_zone``


class RetryOutcome(StrEnum):
    NO_ANSWER = "no-answer"
    BUSY = "busy"
    MACHINE = "machine"
    FAILED = "failed"


class RetryRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    retry: bool = True
    delay_minutes: float = Field(60.0, ge=0.0, le=60.0 * 24 * 30)


def _default_retries() -> dict[RetryOutcome, RetryRule]:
    return {
        RetryOutcome.NO_ANSWER: RetryRule(delay_minutes=120.0),
        RetryOutcome.BUSY: RetryRule(delay_minutes=15.0),
        RetryOutcome.MACHINE: RetryRule(delay_minutes=240.0),
        RetryOutcome.FAILED: RetryRule(delay_minutes=60.0),
    }


class CallingWindow(BaseModel):
    """Hours in the callee's local time; ``days`` are ISO weekdays (1 Monday … 7 Sunday)."""

    model_config = ConfigDict(extra="forbid")

    start: time = time(9, 0)
    end: time = time(20, 0)
    days: list[Annotated[int, Field(ge=1, le=7)]] = Field(
        default_factory=lambda: [1, 2, 3, 4, 5, 6], min_length=1, max_length=7
    )

    @model_validator(mode="after")
    def _ordered(self) -> CallingWindow:
        if self.end <= self.start:
            raise ValueError("end must be after start (windows do not cross midnight)")
        return self


class SafeHarbour(BaseModel):
    """The message a person hears when no agent is free within the limit."""

    model_config = ConfigDict(extra="forbid")

    company: str = Field(min_length=1, max_length=100)
    callback_number: str = Field(min_length=3, max_length=32)
    opt_out_digit: str = Field("9", pattern=r"^[0-9]$")

    @field_validator("callback_number")
    @classmethod
    def _callable(cls, value: str) -> str:
        return e164(value, "US", "callback_number")

    def text(self) -> str:
        return (
            f"This is a call from {self.company}. We are sorry we could not connect you. "
            f"To call us back, dial {self.callback_number}. "
            f"To stop these calls, press {self.opt_out_digit} now."
        )


class CampaignSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: DialMode = DialMode.PREDICTIVE
    queue: str = Field(min_length=1, max_length=64)
    caller_id: str = Field(min_length=3, max_length=32)
    script: str = Field("", max_length=20000)
    region: str = Field("US", pattern=r"^[A-Z]{2}$")  # numbers without a + are read as here
    window: CallingWindow = Field(default_factory=CallingWindow)
    unknown_zone: UnknownZonePolicy = UnknownZonePolicy.SKIP
    assume_zone: str | None = Field(None, max_length=64)
    max_attempts: int = Field(3, ge=1, le=20)
    retries: dict[RetryOutcome, RetryRule] = Field(default_factory=_default_retries)
    recycle_minutes: float = Field(60.0, ge=0.0, le=60.0 * 24 * 30)  # a skip, or "try again"
    amd: bool = True
    machine_action: MachineAction = MachineAction.HANG_UP
    machine_message: str = Field("", max_length=2000)
    abandon_rule: AbandonRule = AbandonRule.US
    limit: float = Field(MAX_LIMIT, gt=0.0, le=MAX_LIMIT)
    abandon_seconds: float = Field(MAX_ABANDON_SECONDS, gt=0.0, le=MAX_ABANDON_SECONDS)
    ring_seconds: float = Field(20.0, ge=MIN_RING_SECONDS, le=120.0)
    safe_harbour: SafeHarbour
    amd_false_positive: float = Field(0.005, ge=0.0, lt=MAX_LIMIT)  # stated by the AMD in use

    @field_validator("caller_id")
    @classmethod
    def _caller_id(cls, value: str) -> str:
        return e164(value, "US", "caller_id")

    @model_validator(mode="after")
    def _consistent(self) -> CampaignSpec:
        if self.unknown_zone is UnknownZonePolicy.ASSUME:
            if not self.assume_zone:
                raise ValueError("assume_zone is needed when unknown_zone is 'assume'")
            check_zone(self.assume_zone)
        if self.machine_action is MachineAction.MESSAGE and not self.machine_message.strip():
            raise ValueError("machine_message is needed when machine_action is 'message'")
        if not re.match(NAME, self.queue.lower()):
            raise ValueError("queue must be a queue name (letters, digits, dashes)")
        return self

    @property
    def window_seconds(self) -> float:
        return UK_WINDOW if self.abandon_rule is AbandonRule.UK else US_WINDOW

    def retry_rule(self, outcome: RetryOutcome) -> RetryRule:
        return self.retries.get(outcome) or _default_retries()[outcome]


def e164(value: str, region: str, field: str) -> str:
    """``value`` as E.164, or ``ValueError`` naming ``field``."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"{field}: not a phone number ({exc})") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{field}: {value!r} is not a valid number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_zone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"assume_zone: {name!r} is not an IANA time zone") from None
