"""What the IVR's routes answer, as models, so ``/openapi.json`` documents every answer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class FlowSchemaOut(BaseModel):
    """The flow format, a JSON Schema document (its keywords beyond these are kept)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    schema_uri: str = Field(alias="$schema")
    title: str
    type: str
    properties: dict[str, Any]
    required: list[str]
    defs: dict[str, Any] = Field(alias="$defs")


class FlowSummaryOut(BaseModel):
    name: str
    active_version: int | None
    latest_version: int


class VersionOut(BaseModel):
    name: str
    version: int
    valid: bool
    errors: list[str]
    active: bool
    created_at: str
    created_by: str
    activated_at: str | None


class VersionDefinitionOut(VersionOut):
    definition: dict[str, Any]


class FlowOut(BaseModel):
    name: str
    active_version: int | None
    versions: list[VersionOut]


class ValidationOut(BaseModel):
    valid: bool
    errors: list[str]


class SecondsInIvrOut(BaseModel):
    mean: float
    median: float
    p90: float


class DropOffOut(BaseModel):
    node: str
    reached: int
    hung_up: int
    rate: float


class ReportOut(BaseModel):
    flow: str
    calls: int
    outcomes: dict[str, int]
    containment: float
    abandoned: float
    seconds_in_ivr: SecondsInIvrOut
    drop_off: list[DropOffOut]
