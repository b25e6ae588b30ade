"""What an outbound simulation is asked: the team, how calls turn out, the rule, the dialler.

Call outcomes per dial: a person answers with ``live_rate`` after a lognormal ring time
(mean ``person_ring_seconds``), a machine with ``machine_rate`` (mean
``machine_ring_seconds``); of the rest, ``busy_share`` are busy and ``failed_share`` fail
within seconds, and the others ring out at ``ring_timeout`` (at least 15 s, as the rules
ask). AMD listens for ``amd_seconds`` after the answer and takes a person for a machine with
``amd_false_positive`` (they are hung up on: abandoned, by the rules) and a machine for a
person with ``amd_false_negative`` (an agent gets it and hangs up after
``machine_talk_seconds``). A person with no agent within ``abandon_seconds`` hears the
safe-harbour message and is abandoned. Talk is lognormal with mean ``aht`` (cv
``talk_cv``), then ``wrap`` seconds of wrap-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dialer.errors import InvalidPacingSetting


class Mode(StrEnum):
    PROGRESSIVE = "progressive"
    PREDICTIVE = "predictive"
    VICIDIAL = "vicidial"


@dataclass(frozen=True, slots=True)
class OutboundScenario:
    agents: int = 10
    live_rate: float = 0.35
    machine_rate: float = 0.20
    aht: float = 180.0
    wrap: float = 10.0
    hours: float = 8.0
    limit: float = 0.03
    window_seconds: float = 86400.0
    mode: Mode = Mode.PREDICTIVE
    talk_cv: float = 0.8
    person_ring_seconds: float = 9.0
    machine_ring_seconds: float = 8.0
    ring_timeout: float = 25.0
    busy_share: float = 0.10
    failed_share: float = 0.05
    amd_seconds: float = 2.5
    amd_false_positive: float = 0.005
    amd_false_negative: float = 0.10
    machine_talk_seconds: float = 8.0
    abandon_seconds: float = 2.0
    tick_seconds: float = 1.0

    def __post_init__(self) -> None:
        _need("agents", self.agents, self.agents >= 1, "at least 1")
        _need("live_rate", self.live_rate, 0.0 < self.live_rate < 1.0, "between 0 and 1")
        _need("machine_rate", self.machine_rate, 0.0 <= self.machine_rate < 1.0, "in [0, 1)")
        total = self.live_rate + self.machine_rate
        _need("live_rate + machine_rate", total, total < 1.0, "below 1")
        _need("aht", self.aht, self.aht > 0, "positive seconds")
        _need("wrap", self.wrap, self.wrap >= 0, "zero or more seconds")
        _need("hours", self.hours, 0 < self.hours <= 24 * 62, "positive, at most 62 days")
        _need("limit", self.limit, 0.0 < self.limit < 1.0, "between 0 and 1")
        _need("window_seconds", self.window_seconds, self.window_seconds > 0, "positive")
        _need("ring_timeout", self.ring_timeout, self.ring_timeout >= 15.0, "at least 15 s")
        fp = self.amd_false_positive
        _need("amd_false_positive", fp, 0.0 <= fp < self.limit, "≥ 0 and below the limit")
        fn = self.amd_false_negative
        _need("amd_false_negative", fn, 0.0 <= fn < 1.0, "in [0, 1)")

    @property
    def horizon(self) -> float:
        return self.hours * 3600.0


def _need(name: str, value: object, ok: bool, wanted: str) -> None:
    if not ok:
        raise InvalidPacingSetting(
            f"{name} must be {wanted}, not {value!r}", details={"setting": name, "value": value}
        )
