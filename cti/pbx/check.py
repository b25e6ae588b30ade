"""``switchboard pbx check``: is this Asterisk ready for Switchboard, as configured?

``probe()`` opens one AMI session with the configured settings and gathers ``Facts``;
``findings()`` (pure) turns them into what is wrong, one line each. Checked:

- the AMI login (address, account, secret);
- write permissions: the actions Switchboard sends are among those ``ListCommands`` shows
  this account (Asterisk lists only the actions the account may send); ``MixMonitor`` only
  when recording is wanted;
- read permissions and event filters: a global ``Setvar`` of a Switchboard variable must come
  back as a ``VarSet`` event (class ``dialplan``), one of a variable the example's
  ``eventfilter`` lines exclude must not; app_queue events (class ``agent``) come back from a
  ``QueuePenalty`` that sets a member's penalty to what it already is;
- the dialplan: each context the mode needs exists (``ShowDialPlan``), and the agent context
  has an extension for each agent login given; with dialling on (``SWITCHBOARD_ASTERISK_DIALER``),
  the dialer's contexts too: the lead's, the agent leg's, and the one its Local lead channel
  dials through;
- the queues: each queue the IVR flows send callers to exists in app_queue (observe mode), or
  has an extension of the holding context (route mode, where the connect context must also
  have the extension the answered agent leg runs);
- FastAGI: something accepts connections on the configured host and port.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

from cti.asterisk.ami import builders
from cti.pbx.dialplan import dialplan
from cti.pbx.session import OneSession, SessionFailed
from cti.settings import AsteriskMode, Settings

#: Actions Switchboard sends, each needing a write class of the account.
NEEDED_ACTIONS = (
    *("Originate", "Redirect", "Hangup", "QueueAdd", "QueueRemove", "QueuePause"),
    *("QueuePenalty", "CoreShowChannels", "QueueStatus", "CoreStatus", "Setvar", "Getvar"),
)
RECORDING_ACTIONS = ("MixMonitor", "StopMixMonitor")
FILTERED_VARIABLE = "RINGTIME_SWITCHBOARD_CHECK"  # excluded by manager.conf's RINGTIME filter
PROBE_VARIABLE = "SWITCHBOARD_CHECK"
_LOCAL_CONTEXT = re.compile(r"Local/[^@]*@([A-Za-z0-9_-]+)")  # the context a Local channel dials


@dataclass
class Needs:
    """What this deployment needs of the PBX."""

    mode: AsteriskMode
    contexts: dict[str, str]  # each context, and what needs it ("observe mode", "dialling")
    agent_context: str
    queues: frozenset[str] = frozenset()  # the queues the IVR flows target (observe mode)
    agents: tuple[str, ...] = ()  # agent logins that must ring through the agent context
    held: tuple[str, frozenset[str]] | None = None  # route mode: hold context, its queues
    connect: tuple[str, str] | None = None  # route mode: the connect context, its extension
    recording: bool = False
    agi: tuple[str, int] | None = None


@dataclass
class Facts:
    login_error: str | None = None
    actions: frozenset[str] = frozenset()
    varset_seen: bool = False
    filtered_varset_seen: bool = False
    member_event_seen: bool | None = None  # None: no member to try it on
    contexts: dict[str, bool] = field(default_factory=dict)
    agents_routed: dict[str, bool] = field(default_factory=dict)
    queues: frozenset[str] = frozenset()
    queues_held: dict[str, bool] = field(default_factory=dict)  # route mode
    connect_found: bool | None = None  # route mode
    agi_error: str | None = None


def needs(settings: Settings, *, queues: Iterable[str] = (), agents: Iterable[str] = (),
          recording: bool = False) -> Needs:  # fmt: skip
    plan = dialplan(settings)
    contexts = [plan.queue_context, plan.agent_context, plan.outbound_context]
    if settings.asterisk_mode is AsteriskMode.ROUTE:
        contexts += [settings.asterisk_hold_context, plan.connect_context]
    wanted = dict.fromkeys(contexts, f"{settings.asterisk_mode.value} mode")
    if settings.asterisk_dialer:
        dialer = plan.dialer
        local = _LOCAL_CONTEXT.match(dialer.lead_channel)
        for context in (dialer.lead_context, dialer.agent_leg_context, local[1] if local else None):
            if context:
                wanted.setdefault(context, "dialling")
    host = "127.0.0.1" if settings.agi_host in ("0.0.0.0", "::", "") else settings.agi_host
    route = settings.asterisk_mode is AsteriskMode.ROUTE
    return Needs(
        mode=settings.asterisk_mode,
        contexts=wanted,
        agent_context=plan.agent_context,
        queues=frozenset() if route else frozenset(queues),
        agents=tuple(agents),
        held=(settings.asterisk_hold_context, frozenset(queues)) if route else None,
        connect=(plan.connect_context, plan.connect_exten) if route else None,
        recording=recording,
        agi=(host, settings.agi_port) if settings.agi_port else None,
    )


def findings(facts: Facts, need: Needs) -> list[str]:
    """What is wrong, one line each; empty when the PBX is ready."""
    if facts.login_error is not None:
        return [facts.login_error]
    lines: list[str] = []
    wanted = NEEDED_ACTIONS + (RECORDING_ACTIONS if need.recording else ())
    for name in wanted:
        if name not in facts.actions:
            lines.append(f"AMI permissions: this account may not send {name} (write classes)")
    if not facts.varset_seen:
        lines.append("AMI permissions: no VarSet event came back: add `dialplan` to `read`")
    if facts.filtered_varset_seen:
        lines.append("AMI event filters: a VarSet of RINGTIME* came through: add the "
                     "eventfilter lines of docs/asterisk/manager.conf")  # fmt: skip
    if facts.member_event_seen is False:
        lines.append("AMI permissions: no queue member event came back: add `agent` to `read`")
    for context, present in facts.contexts.items():
        if not present:
            why = need.contexts[context]
            lines.append(f"dialplan: context {context!r} does not exist ({why})")
    for agent, routed in facts.agents_routed.items():
        if not routed and facts.contexts.get(need.agent_context, False):
            where = need.agent_context
            lines.append(
                f"dialplan: no extension of {where!r} matches agent {agent!r} "
                "(in patterns, N, X and Z are wildcards, in either case)"
            )
    for queue in sorted(need.queues - facts.queues):
        lines.append(f"queues: the IVR sends callers to {queue!r}, which app_queue does not have")
    return lines + _route_findings(facts, need) + ([facts.agi_error] if facts.agi_error else [])


def _route_findings(facts: Facts, need: Needs) -> list[str]:
    """Route mode: the holding context takes each queue, the connect context its extension
    (only said when the context itself exists: a missing one is already a line)."""
    lines: list[str] = []
    if need.held is not None and facts.contexts.get(need.held[0], False):
        for queue, held in sorted(facts.queues_held.items()):
            if not held:
                lines.append(f"dialplan: no extension of {need.held[0]!r} matches queue "
                             f"{queue!r}, where the IVR sends callers (route mode)")  # fmt: skip
    if need.connect is not None and facts.connect_found is False:
        context, exten = need.connect
        if facts.contexts.get(context, False):
            lines.append(f"dialplan: context {context!r} has no extension {exten!r}, which "
                         "the answered agent leg runs (route mode)")  # fmt: skip
    return lines


async def probe(settings: Settings, need: Needs, *, timeout: float = 5.0) -> Facts:
    facts = Facts()
    try:
        async with OneSession(settings, timeout=timeout) as ami:
            await _gather(ami, facts, need)
    except SessionFailed as exc:
        facts.login_error = exc.message
    if need.agi is not None:
        facts.agi_error = await _agi_reachable(*need.agi, timeout=timeout)
    return facts


async def _gather(ami: OneSession, facts: Facts, need: Needs) -> None:
    commands = await ami.execute(partial(builders.action, "ListCommands"))
    facts.actions = frozenset(name for name, _ in commands.response.headers.items())
    token = secrets.token_hex(4)
    for variable in (PROBE_VARIABLE, FILTERED_VARIABLE):
        await ami.execute(partial(builders.setvar, variable=variable, value=token))
        await ami.execute(partial(builders.setvar, variable=variable, value=""))
    status = await ami.execute(builders.queue_status)
    facts.queues = frozenset(e.get("Queue") or "" for e in status.events if e.name == "QueueParams")
    member = next((e for e in status.events if e.name == "QueueMember"), None)
    if member is not None:
        await ami.execute(partial(builders.queue_penalty, interface=member.get("Location") or "",
                                  penalty=int(member.get("Penalty") or 0),
                                  queue=member.get("Queue")))  # fmt: skip
    for context in need.contexts:
        shown = await ami.execute(partial(builders.action, "ShowDialPlan", Context=context))
        facts.contexts[context] = shown.ok
    for agent in need.agents:
        facts.agents_routed[agent] = await _matches(ami, need.agent_context, agent)
    if need.held is not None:
        for queue in need.held[1]:
            facts.queues_held[queue] = await _matches(ami, need.held[0], queue)
    if need.connect is not None:
        facts.connect_found = await _matches(ami, *need.connect)
    await ami.listen(0.5)  # the events of the probes above
    varsets = [e for e in ami.events if e.name == "VarSet" and e.get("Value") == token]
    facts.varset_seen = any(e.get("Variable") == PROBE_VARIABLE for e in varsets)
    facts.filtered_varset_seen = any(e.get("Variable") == FILTERED_VARIABLE for e in varsets)
    if member is not None:
        facts.member_event_seen = any(e.name.startswith("QueueMember") for e in ami.events)


async def _matches(ami: OneSession, context: str, exten: str) -> bool:
    """Whether an extension of ``context`` matches ``exten`` (``ShowDialPlan`` lists it)."""
    shown = await ami.execute(partial(builders.action, "ShowDialPlan", Context=context,
                                      Extension=exten))  # fmt: skip
    return shown.ok and any(e.name == "ListDialplan" for e in shown.events)


async def _agi_reachable(host: str, port: int, *, timeout: float) -> str | None:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, TimeoutError) as exc:
        return f"FastAGI: nothing accepts connections on {host}:{port} ({exc or 'timed out'})"
    writer.close()
    return None
