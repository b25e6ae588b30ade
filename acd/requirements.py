"""A call's requirements: from its queue, then what the IVR set, then what the CRM knows.

IVR variables (set by a flow's ``set`` node or any dialplan):

| variable | example | effect |
|---|---|---|
| ``SB_SKILLS`` | ``billing:3,lang:de`` | add or raise required skills (name:min level) |
| ``SB_PRIORITY`` | ``10`` or ``-5`` | add to the call's priority |
| ``SB_LANGUAGE`` | ``de`` | only agents holding skill ``lang:de`` |

CRM (``CallerProfile``): a VIP customer gets ``vip_priority`` more, gold ``gold_priority``;
a customer whose churn risk is at least ``at_risk`` also needs the retention skill; the
customer's owner agent is tried alone first (the queue's ``owner_first_seconds``).
Values that do not parse are ignored, and the reason is kept for the explanation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from acd.model import QueueConfig, Requirements


@dataclass(frozen=True, slots=True)
class CallerProfile:
    tier: str = "standard"
    churn_risk: float = 0.0
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    vip_priority: int = 50
    gold_priority: int = 10
    at_risk: float = 0.7
    retention_skill: str = "retention"


def requirements_for(
    queue: QueueConfig,
    ivr: Mapping[str, str],
    caller: CallerProfile | None,
    policy: Policy = Policy(),
) -> Requirements:
    skills = dict(queue.skills)
    priority, reasons = queue.priority, list[str]()
    for name, level in _skills(ivr.get("SB_SKILLS", ""), reasons):
        skills[name] = max(level, skills.get(name, 0))
        reasons.append(f"IVR requires {name} ≥ {level}")
    bump = _int(ivr.get("SB_PRIORITY"), reasons)
    if bump:
        priority += bump
        reasons.append(f"IVR priority {bump:+d}")
    language = ivr.get("SB_LANGUAGE") or None
    owner = None
    if caller is not None:
        priority += _tier_bonus(caller.tier, policy, reasons)
        if caller.churn_risk >= policy.at_risk and policy.retention_skill not in skills:
            skills[policy.retention_skill] = 1
            reasons.append(f"churn risk {caller.churn_risk:.0%}: needs {policy.retention_skill}")
        owner = caller.owner
    return Requirements(tuple(sorted(skills.items())), language, priority, owner, tuple(reasons))


def _tier_bonus(tier: str, policy: Policy, reasons: list[str]) -> int:
    bonus = {"vip": policy.vip_priority, "gold": policy.gold_priority}.get(tier, 0)
    if bonus:
        reasons.append(f"{tier} customer: priority +{bonus}")
    return bonus


def _skills(raw: str, reasons: list[str]) -> list[tuple[str, int]]:
    found = []
    for part in filter(None, (p.strip() for p in raw.split(","))):
        name, _, level = part.partition(":") if part.count(":") == 1 else (part, "", "1")
        if part.startswith("lang:"):
            name, level = part, "1"
        if name and level.isdigit() and 1 <= int(level) <= 5:
            found.append((name, int(level)))
        else:
            reasons.append(f"ignored SB_SKILLS entry {part!r}")
    return found


def _int(raw: str | None, reasons: list[str]) -> int:
    if not raw:
        return 0
    try:
        return int(raw)
    except ValueError:
        reasons.append(f"ignored SB_PRIORITY {raw!r}")
        return 0
