"""Routing configuration as validated data: what the API accepts and the database stores.

``QueueSpec`` is checked field by field by pydantic, then against the live catalogue
(``validate_against``) so that a queue cannot name a skill or a queue that does not exist;
every error names its field (``escalation.1.add_queues.0: queue 'vip' does not exist``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from acd.errors import InvalidConfig
from acd.model import EscalationStep, Overflow, OverflowKind, QueueConfig, Strategy

Level = Annotated[int, Field(ge=1, le=5)]
SkillName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_:.-]{0,31}$")]


class StepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    after_seconds: float = Field(gt=0, le=86400)
    min_level: Level | None = None
    add_skills: dict[SkillName, Level] = Field(default_factory=dict)
    add_queues: list[str] = Field(default_factory=list, max_length=20)


class OverflowSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: OverflowKind
    target: str = Field("", max_length=64)

    @model_validator(mode="after")
    def _target_needed(self) -> OverflowSpec:
        if self.kind is not OverflowKind.CALLBACK and not self.target:
            raise ValueError(f"overflow to {self.kind.value} needs a target")
        return self


class QueueSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field("", max_length=128)
    skills: dict[SkillName, Level] = Field(default_factory=dict)
    strategy: Strategy = Strategy.LONGEST_IDLE
    priority: int = Field(0, ge=-1000, le=1000)
    weight: float = Field(1.0, ge=0, le=100)
    service_level_seconds: float = Field(20, gt=0, le=3600)
    wrapup_seconds: float = Field(0, ge=0, le=3600)
    ring_timeout: float = Field(15, gt=0, le=300)
    escalation: list[StepSpec] = Field(default_factory=list, max_length=10)
    max_wait_seconds: float | None = Field(None, gt=0, le=86400)
    overflow: OverflowSpec | None = None
    auto_pause_after: int = Field(0, ge=0, le=20)
    owner_first_seconds: float = Field(20, ge=0, le=600)
    script: str = Field("", max_length=4000)

    @model_validator(mode="after")
    def _consistent(self) -> QueueSpec:
        times = [step.after_seconds for step in self.escalation]
        if times != sorted(set(times)):
            raise ValueError("escalation steps must have increasing after_seconds")
        if (self.max_wait_seconds is None) != (self.overflow is None):
            raise ValueError("max_wait_seconds and overflow go together")
        return self

    def to_config(self, name: str) -> QueueConfig:
        return QueueConfig(
            name=name,
            label=self.label or name,
            skills=tuple(sorted(self.skills.items())),
            strategy=self.strategy,
            priority=self.priority,
            weight=self.weight,
            service_level_seconds=self.service_level_seconds,
            wrapup_seconds=self.wrapup_seconds,
            ring_timeout=self.ring_timeout,
            escalation=tuple(
                EscalationStep(
                    s.after_seconds,
                    s.min_level,
                    tuple(sorted(s.add_skills.items())),
                    tuple(s.add_queues),
                )
                for s in self.escalation
            ),
            max_wait_seconds=self.max_wait_seconds,
            overflow=Overflow(self.overflow.kind, self.overflow.target) if self.overflow else None,
            auto_pause_after=self.auto_pause_after,
            owner_first_seconds=self.owner_first_seconds,
            script=self.script,
        )

    @classmethod
    def from_config(cls, config: QueueConfig) -> QueueSpec:
        return cls(
            label=config.label,
            skills=dict(config.skills),
            strategy=config.strategy,
            priority=config.priority,
            weight=config.weight,
            service_level_seconds=config.service_level_seconds,
            wrapup_seconds=config.wrapup_seconds,
            ring_timeout=config.ring_timeout,
            escalation=[
                StepSpec(
                    after_seconds=s.after_seconds,
                    min_level=s.min_level,
                    add_skills=dict(s.add_skills),
                    add_queues=list(s.add_queues),
                )
                for s in config.escalation
            ],
            max_wait_seconds=config.max_wait_seconds,
            overflow=(
                OverflowSpec(kind=config.overflow.kind, target=config.overflow.target)
                if config.overflow
                else None
            ),
            auto_pause_after=config.auto_pause_after,
            owner_first_seconds=config.owner_first_seconds,
            script=config.script,
        )


def validate_against(name: str, spec: QueueSpec, skills: set[str], queues: set[str]) -> None:
    """Refuse references to skills or queues that do not exist, naming the field."""
    for skill in spec.skills:
        _known(f"skills.{skill}", skill, skills, "skill")
    for i, step in enumerate(spec.escalation):
        for skill in step.add_skills:
            _known(f"escalation.{i}.add_skills.{skill}", skill, skills, "skill")
        for j, queue in enumerate(step.add_queues):
            _known(f"escalation.{i}.add_queues.{j}", queue, queues - {name}, "queue")
    if spec.overflow and spec.overflow.kind is OverflowKind.QUEUE:
        _known("overflow.target", spec.overflow.target, queues - {name}, "queue")


def _known(field: str, value: str, known: set[str], what: str) -> None:
    if value not in known:
        raise InvalidConfig(
            f"{field}: {what} {value!r} does not exist", details={"field": field, "value": value}
        )
