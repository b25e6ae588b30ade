"""One constructor per AMI action Switchboard sends, each returning a checked ``Action``.

Each takes the ActionID first (``next(ids)`` from ``ActionIds``) and the rest by keyword.
``None`` leaves a header out, so Asterisk applies its own default. Booleans are written
``true``/``false`` and numbers in decimal, as Asterisk's ``ast_true`` and ``atoi`` read them.
``Action`` then checks every value (no CR or LF, line and count limits).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cti.asterisk.ami.actions import Action
from cti.asterisk.ami.errors import InvalidActionError, InvalidHeaderError
from cti.asterisk.ami.headers import Headers

Value = str | int | bool | None


def action(name: str, action_id: str | None, /, **headers: Value) -> Action:
    """Any action, its headers given as keywords; ``None`` ones are left out."""
    return Action(name, action_id, Headers(_pairs(headers.items())))


def _pairs(items: Iterable[tuple[str, Value]]) -> list[tuple[str, str]]:
    return [(name, _text(value)) for name, value in items if value is not None]


def _text(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _on_off(value: bool | str) -> str:
    return ("on" if value else "off") if isinstance(value, bool) else value


def login(action_id: str, *, username: str, secret: str, events: bool | str = True) -> Action:
    """``events``: every class (True), none (False), or a list such as ``"call,agent"``."""
    return action("Login", action_id, Username=username, Secret=secret, Events=_on_off(events))


def logoff(action_id: str) -> Action:
    return action("Logoff", action_id)


def ping(action_id: str) -> Action:
    return action("Ping", action_id)


def events(action_id: str, *, mask: bool | str) -> Action:
    """Change which event classes this session receives."""
    return action("Events", action_id, EventMask=_on_off(mask))


def event_filter(action_id: str, *, expression: str) -> Action:
    """``Filter`` action: add an ``eventfilter`` to this session (``"!Event: VarSet"``)."""
    return action("Filter", action_id, Operation="Add", Filter=expression)


def originate(
    action_id: str,
    *,
    channel: str,
    context: str | None = None,
    exten: str | None = None,
    priority: int | str | None = None,
    application: str | None = None,
    data: str | None = None,
    timeout_ms: int | None = None,
    caller_id: str | None = None,
    variables: Mapping[str, str] | None = None,
    channel_id: str | None = None,
    other_channel_id: str | None = None,
    account: str | None = None,
    run_async: bool = True,
) -> Action:
    """Dial ``channel`` and, once answered, run ``context``/``exten`` (priority 1 unless
    given) or ``application``/``data``. With ``run_async`` Asterisk answers at once and
    reports the outcome later as an ``OriginateResponse`` event carrying this ActionID.
    """
    if (application is None) == (exten is None):
        raise InvalidActionError("Originate takes either exten (with context) or application")
    if exten is not None and context is None:
        raise InvalidActionError("Originate to an extension needs a context")
    if exten is not None and priority is None:
        priority = 1
    pairs = _pairs(
        [
            ("Channel", channel),
            ("Context", context),
            ("Exten", exten),
            ("Priority", priority),
            ("Application", application),
            ("Data", data),
            ("CallerID", caller_id),
            ("Async", run_async),
            ("Timeout", timeout_ms),
            ("Account", account),
            ("ChannelId", channel_id),
            ("OtherChannelId", other_channel_id),
        ]
    )
    pairs += [("Variable", variable(name, value)) for name, value in (variables or {}).items()]
    return Action("Originate", action_id, Headers(pairs))


def variable(name: str, value: str) -> str:
    """``name=value`` for one ``Variable:`` header of Originate.

    Asterisk splits that header on commas (``AST_STANDARD_APP_ARGS``) and drops double quotes
    and backslashes, so ``Doe, Jane`` would arrive as ``Doe``. A backslash before ``\\``,
    ``,`` and ``"`` keeps each as it is.
    """
    if not name or any(c in name for c in '=,"\\ '):
        raise InvalidHeaderError(f'channel variable name {name!r} is empty or has = , " \\')
    escaped = value.replace("\\", "\\\\").replace(",", "\\,").replace('"', '\\"')
    return f"{name}={escaped}"


def redirect(
    action_id: str,
    *,
    channel: str,
    context: str,
    exten: str,
    priority: int | str = 1,
    extra_channel: str | None = None,
) -> Action:
    return action(
        "Redirect",
        action_id,
        Channel=channel,
        ExtraChannel=extra_channel,
        Context=context,
        Exten=exten,
        Priority=priority,
    )


def bridge(action_id: str, *, channel1: str, channel2: str, tone: str = "no") -> Action:
    """Pull two channels out of what they run into a new bridge (``main/features.c``); each
    goes on at its next priority when the bridge ends."""
    return action("Bridge", action_id, Channel1=channel1, Channel2=channel2, Tone=tone)


def blind_transfer(action_id: str, *, channel: str, exten: str, context: str) -> Action:
    return action("BlindTransfer", action_id, Channel=channel, Exten=exten, Context=context)


def hangup(action_id: str, *, channel: str, cause: int | None = None) -> Action:
    return action("Hangup", action_id, Channel=channel, Cause=cause)


def queue_add(
    action_id: str,
    *,
    queue: str,
    interface: str,
    member_name: str | None = None,
    state_interface: str | None = None,
    penalty: int | None = None,
    paused: bool | None = None,
    reason: str | None = None,
) -> Action:
    return action(
        "QueueAdd",
        action_id,
        Queue=queue,
        Interface=interface,
        MemberName=member_name,
        StateInterface=state_interface,
        Penalty=penalty,
        Paused=paused,
        Reason=reason,
    )


def queue_remove(action_id: str, *, queue: str, interface: str) -> Action:
    return action("QueueRemove", action_id, Queue=queue, Interface=interface)


def queue_pause(
    action_id: str,
    *,
    interface: str,
    paused: bool,
    queue: str | None = None,
    reason: str | None = None,
) -> Action:
    """Pause or unpause ``interface`` in ``queue``, or in every queue when ``queue`` is None."""
    return action(
        "QueuePause", action_id, Queue=queue, Interface=interface, Paused=paused, Reason=reason
    )


def queue_penalty(
    action_id: str, *, interface: str, penalty: int, queue: str | None = None
) -> Action:
    return action("QueuePenalty", action_id, Queue=queue, Interface=interface, Penalty=penalty)


def queue_status(action_id: str, *, queue: str | None = None, member: str | None = None) -> Action:
    """EventList: ``QueueParams``, ``QueueMember`` and ``QueueEntry`` events, then complete."""
    return action("QueueStatus", action_id, Queue=queue, Member=member)


def queue_summary(action_id: str, *, queue: str | None = None) -> Action:
    return action("QueueSummary", action_id, Queue=queue)


def core_show_channels(action_id: str) -> Action:
    """EventList: one ``CoreShowChannel`` per channel, then ``CoreShowChannelsComplete``."""
    return action("CoreShowChannels", action_id)


def core_status(action_id: str) -> Action:
    """``CoreStartupDate`` / ``CoreStartupTime`` (the PBX's local time), ``CoreCurrentCalls``."""
    return action("CoreStatus", action_id)


def mix_monitor(action_id: str, *, channel: str, file: str, options: str | None = None) -> Action:
    return action("MixMonitor", action_id, Channel=channel, File=file, Options=options)


def stop_mix_monitor(action_id: str, *, channel: str, mix_monitor_id: str | None = None) -> Action:
    return action("StopMixMonitor", action_id, Channel=channel, MixMonitorID=mix_monitor_id)


def setvar(action_id: str, *, variable: str, value: str, channel: str | None = None) -> Action:
    """Set a channel variable, or a global one when ``channel`` is None."""
    return action("Setvar", action_id, Channel=channel, Variable=variable, Value=value)


def getvar(action_id: str, *, variable: str, channel: str | None = None) -> Action:
    return action("Getvar", action_id, Channel=channel, Variable=variable)
