"""What the engine works on: actions for a runtime, inputs from it, a call's state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from ivr.schema import Flow

EndKind = Literal["queue", "callback", "voicemail", "hangup"]


# -- actions ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Play:
    prompt: str | None
    say: str | None


@dataclass(frozen=True, slots=True)
class SetVariables:
    variables: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class AskMenu:
    """Play the prompt, then wait ``timeout`` s for one of ``choices``; answer ``Digits``."""

    prompt: str | None
    say: str | None
    choices: str
    timeout: float


@dataclass(frozen=True, slots=True)
class AskDigits:
    """Play the prompt, collect up to ``max_digits`` or the terminator; answer ``Digits``."""

    prompt: str | None
    say: str | None
    max_digits: int
    terminator: str | None
    timeout: float


@dataclass(frozen=True, slots=True)
class Lookup:
    """A CRM lookup by caller number or account number; answer ``Looked``."""

    by: Literal["caller", "account"]
    key: str


@dataclass(frozen=True, slots=True)
class CallWebhook:
    url: str
    method: Literal["GET", "POST"]
    payload: tuple[tuple[str, str], ...]
    timeout: float


@dataclass(frozen=True, slots=True)
class End:
    kind: EndKind
    target: str | None = None
    reason: str = "flow"


Action = Play | SetVariables | AskMenu | AskDigits | Lookup | CallWebhook | End


# -- inputs -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Digits:
    value: str  # "" when the caller pressed nothing before the timeout


@dataclass(frozen=True, slots=True)
class Looked:
    found: bool
    variables: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Fetched:
    ok: bool
    values: tuple[tuple[str, str], ...] = ()
    error: str = ""


Reply = Digits | Looked | Fetched


# -- state ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Bundle:
    """A flow at one version, with the subflows it may run: what a call keeps to its end."""

    main: Flow
    version: int = 0
    subflows: Mapping[str, Flow] = field(default_factory=dict)

    def flow(self, name: str) -> Flow:
        return self.main if name == self.main.name else self.subflows[name]

    @property
    def label(self) -> str:
        return f"{self.main.name}@{self.version}"


@dataclass(frozen=True, slots=True)
class Frame:
    flow: str
    resume: str | None = None  # where the parent flow carries on after a ``return``


@dataclass(frozen=True, slots=True)
class CallState:
    call_id: str
    caller: str | None
    stack: tuple[Frame, ...]
    node: str
    variables: tuple[tuple[str, str], ...] = ()
    attempts: int = 0
    steps: int = 0
    path: tuple[str, ...] = ()
    journey: tuple[str, ...] = ()
    ending: End | None = None

    @property
    def flow(self) -> str:
        return self.stack[-1].flow

    def vars(self) -> dict[str, str]:
        return dict(self.variables)

    def with_vars(self, changes: Mapping[str, str]) -> CallState:
        return replace(self, variables=tuple({**self.vars(), **changes}.items()))

    def noted(self, text: str | None) -> CallState:
        return replace(self, journey=(*self.journey, text)) if text else self

    @property
    def summary(self) -> str:
        return ", ".join(self.journey)


Step = tuple[CallState, tuple[Action, ...]]
