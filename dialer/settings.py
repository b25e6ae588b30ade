"""A campaign's pacing settings, validated where they are made."""

from __future__ import annotations

from dataclasses import dataclass

from dialer.errors import InvalidPacingSetting

US_WINDOW = 30 * 86400.0  # FTC TSR: 3% of live answers per campaign per 30 days
UK_WINDOW = 86400.0  # Ofcom: 3% per campaign per 24 hours


@dataclass(frozen=True, slots=True)
class PacingSettings:
    limit: float = 0.03  # alpha: abandons per live answer allowed in a period
    window_seconds: float = UK_WINDOW
    origin: float = 0.0  # when the campaign's first period starts (clock time)
    amd_false_positive: float = 0.0  # share of people AMD takes for machines (stated)
    handle_seconds: float = 200.0  # prior talk + wrap, until the campaign's own data is in
    live_rate: float = 0.25  # prior share of dials a person answers
    seconds_to_person: float = 12.0  # prior time from dial to a person's verdict
    target_share: float = 0.7  # aim the realised rate at this share of what the limit leaves
    trim_gain: float = 0.004  # how fast alpha* follows the realised rate
    max_lines_per_agent: float = 5.0

    def __post_init__(self) -> None:
        _check("limit", self.limit, 0.0 < self.limit < 1.0, "between 0 and 1, exclusive")
        _check("window_seconds", self.window_seconds, self.window_seconds > 0, "positive")
        fp = self.amd_false_positive
        _check("amd_false_positive", fp, 0.0 <= fp < self.limit, "≥ 0 and below the limit")
        _check("handle_seconds", self.handle_seconds, self.handle_seconds > 0, "positive")
        _check("live_rate", self.live_rate, 0.0 < self.live_rate < 1.0, "between 0 and 1")
        _check("seconds_to_person", self.seconds_to_person, self.seconds_to_person > 0, "positive")
        _check("target_share", self.target_share, 0.0 < self.target_share <= 1.0, "in (0, 1]")
        _check("trim_gain", self.trim_gain, 0.0 <= self.trim_gain < 1.0, "in [0, 1)")
        lines = self.max_lines_per_agent
        _check("max_lines_per_agent", lines, lines >= 1.0, "at least 1")

    @property
    def target_rate(self) -> float:
        """The abandonment rate the trim aims at: a share of what AMD's errors leave."""
        return self.target_share * (self.limit - self.amd_false_positive)


def _check(name: str, value: float, ok: bool, wanted: str) -> None:
    if not ok:
        raise InvalidPacingSetting(
            f"pacing setting {name} must be {wanted}, not {value!r}",
            details={"setting": name, "value": value},
        )
