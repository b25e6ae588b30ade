"""Websockets: ``/ws/agent`` (one agent's events and pops) and ``/ws/board`` (supervisors).

The token comes as a ``Sec-WebSocket-Protocol`` (``["switchboard", "bearer.<token>"]``),
never in the URL, and is checked against the account for the socket's whole life
(``cti.server.ws_auth``). An agent may only watch their own events; supervisors may watch
anyone's. Refusals close with 1008.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from acd.agents import AgentState
from acd.views import agent_view
from cti.audit.middleware import client_address
from cti.audit.recorders import socket_audited, socket_entry
from cti.auth.service import Principal
from cti.calls import control
from cti.calls.model import Phase
from cti.calls.policy import Action, authorise_call
from cti.calls.views import call_view
from cti.db import OUTAGES, database_unavailable, outage_reason
from cti.errors import SwitchboardError
from cti.roles import Role
from cti.server import messages, payloads
from cti.server.bus import Subscription
from cti.server.hub import BOARD, WATCH_EVERY, Hub, agent_topic
from cti.server.sockets import Sockets, sockets
from cti.server.ws_auth import SocketSession
from cti.telephony import commands as cmd

log = structlog.get_logger(__name__)
router = APIRouter()

Handler = Callable[[str], Awaitable[None]]

POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013


async def _send(ws: WebSocket, payload: bytes) -> None:
    await ws.send_text(payload.decode())


async def _authenticate(ws: WebSocket, svc: Sockets) -> SocketSession | None:
    return await SocketSession.open(ws, svc)


@router.websocket("/ws/agent")
async def agent_socket(ws: WebSocket) -> None:
    svc = sockets(ws)
    session = await _authenticate(ws, svc)
    if session is None:
        return
    who = session.principal
    target = ws.query_params.get("agent_id") or who.login
    if target != who.login and not who.at_least(Role.SUPERVISOR):
        await ws.close(code=POLICY_VIOLATION, reason="agents may only watch their own events")
        return
    try:
        svc.centre.acd.agent(target)
    except SwitchboardError as exc:
        await ws.close(code=POLICY_VIOLATION, reason=exc.message[:120])
        return
    await session.accept()
    own = target == who.login
    sub = svc.bus.subscribe(agent_topic(target))
    if own:
        svc.hub.attach(target)
    try:
        await _send_hello(ws, svc, target)
        handler = session.authorised(lambda raw: _agent_message(ws, svc, who, target, raw))
        await _pump(ws, sub, handler, session)
    finally:
        sub.close()
        if own:
            svc.hub.detach(target)


async def _send_hello(ws: WebSocket, svc: Sockets, agent_id: str) -> None:
    """Current truth on (re)connect; a call still ringing or up is popped again."""
    agent = svc.centre.acd.agent(agent_id)
    call = svc.centre.call_for_agent(agent_id)
    campaign_call = svc.hub.outbound_call(agent_id) if call is None else None
    view = call_view(call) if call else campaign_call[0] if campaign_call else None
    hello = {"type": "hello", "agent": agent_view(agent), "call": view}
    await _send(ws, payloads.encode(hello))
    if campaign_call is not None:
        await _send(ws, campaign_call[1])
    if call is not None and call.phase in (Phase.RINGING, Phase.CONNECTED):
        lookup = svc.centre.lookup_result(call.call_id)
        crm = svc.centre.external_result(call.call_id)
        await _send(ws, payloads.pop(call, lookup, svc.clock.now(), crm))


async def _agent_message(
    ws: WebSocket, svc: Sockets, who: Principal, target: str, raw: str
) -> None:
    message = messages.parse(raw)
    if not socket_audited(who, message.type):
        await _act(ws, svc, who, target, message)
        return
    status = 200
    try:
        await _act(ws, svc, who, target, message)
    except SwitchboardError as exc:
        status = exc.status
        raise
    except Exception:
        status = 500
        raise
    finally:
        acted_on = {"agent_id": target, **message.model_dump(exclude={"type"}, exclude_none=True)}
        address = client_address(ws.scope)
        entry = socket_entry(who, "/ws/agent", message.type, status, address, acted_on)
        await svc.audit.write(entry)


async def _act(
    ws: WebSocket, svc: Sockets, who: Principal, target: str, message: messages.AgentMessage
) -> None:
    match message:
        case messages.Ping():
            await _send(ws, payloads.encode({"type": "pong"}))
        case messages.Resync():
            await _send_hello(ws, svc, target)
        case messages.SetState(state=state, reason=reason):
            await control.change_state(svc.centre, who, target, AgentState(state), reason)
        case messages.AnswerCall(call_id=call_id):
            authorise_call(svc.centre, who, Action.ANSWER, call_id)
            await svc.telephony.execute(cmd.Answer(call_id, who.login))
        case messages.HangupCall(call_id=call_id):
            authorise_call(svc.centre, who, Action.HANGUP, call_id)
            await svc.telephony.execute(cmd.Hangup(call_id))
        case messages.HoldCall(call_id=call_id, on_hold=on_hold):
            authorise_call(svc.centre, who, Action.HOLD, call_id)
            await svc.telephony.execute(cmd.Hold(call_id, on_hold))


@router.websocket("/ws/board")
async def board_socket(ws: WebSocket) -> None:
    svc = sockets(ws)
    session = await _authenticate(ws, svc)
    if session is None:
        return
    if not session.principal.at_least(Role.SUPERVISOR):
        await ws.close(code=POLICY_VIOLATION, reason="the board is for supervisors")
        return
    await session.accept()
    sub = svc.bus.subscribe(BOARD)
    watching = asyncio.create_task(_watching(svc.hub))
    try:
        await _send(ws, svc.hub.board_now())
        await _pump(ws, sub, session.authorised(lambda raw: _board_message(ws, raw)), session)
    finally:
        watching.cancel()
        sub.close()


async def _watching(hub: Hub) -> None:
    """Say that a board is open, for as long as it is (see ``hub.WATCHING``)."""
    while True:
        hub.board_watched()
        await asyncio.sleep(WATCH_EVERY)


async def _board_message(ws: WebSocket, raw: str) -> None:
    messages.parse(raw, allowed=messages.BOARD_TYPES)
    await _send(ws, payloads.encode({"type": "pong"}))


async def _pump(
    ws: WebSocket, sub: Subscription, on_message: Handler, session: SocketSession
) -> None:
    """Forward bus messages out and client messages in until either side ends, or until
    the session's guard closes the socket (token expired or revoked)."""
    sender = asyncio.create_task(_send_loop(ws, sub))
    receiver = asyncio.create_task(receive_loop(ws, on_message))
    guard = asyncio.create_task(session.guard())
    tasks = {sender, receiver, guard}
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
            await task
    for task in done:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            task.result()


async def _send_loop(ws: WebSocket, sub: Subscription) -> None:
    async for payload in sub:
        await _send(ws, payload)
    await ws.close(code=TRY_AGAIN_LATER, reason="too far behind; reconnect to resync")


async def _receive(ws: WebSocket) -> str:
    """One client message as text; binary frames must hold UTF-8 JSON too."""
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    if message.get("text") is not None:
        return str(message["text"])
    try:
        return bytes(message.get("bytes") or b"").decode()
    except UnicodeDecodeError:
        raise messages.InvalidMessage(
            "a binary frame must hold UTF-8 JSON", details={"reason": "invalid-utf8"}
        ) from None


async def receive_loop(ws: WebSocket, on_message: Handler) -> None:
    while True:
        try:
            await on_message(await _receive(ws))
        except SwitchboardError as exc:
            await _send(ws, payloads.encode({"type": "error", **exc.to_dict()}))
        except WebSocketDisconnect:
            raise
        except OUTAGES as exc:  # one line per message, not a traceback
            log.warning("websocket.database_unavailable", reason=outage_reason(exc))
            await _send(ws, payloads.encode({"type": "error", **database_unavailable().to_dict()}))
        except Exception:  # a bug must cost one message, not the agent's connection
            log.exception("websocket_message_failed")
            error = {"type": "error", "error_id": "internal-error", "message": "internal error"}
            await _send(ws, payloads.encode(error))
