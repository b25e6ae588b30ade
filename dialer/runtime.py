"""A running campaign: it decides, dials through the outbound port, and records every attempt.

The decision is the pacer's (``dialer.pacer``), a pure function of its state and ``now``
from the injected clock; this module carries it out and feeds back what the PBX reports
(``cti.telephony.outbound``): it never knows which PBX it talks to.

One ``step(now)`` per tick: settle the agents (who is in the campaign's queue with a ready
persistent leg, free or busy), then say why nothing is dialled, or dial what the pacer asks
for from the leads that are due, off the DNC lists and inside their calling window. Each
event from the PBX moves one attempt on; an attempt the runtime no longer tracks is ignored,
so an event reported twice (a resync after a reconnect) is never counted twice.

When the PBX link drops, nothing is dialled; once it is back, pacing resumes only when every
attempt that was in flight has been heard of again (the adapter's resync reports it), or,
after ``RESYNC_GRACE`` seconds, those still unheard of are closed as failed, once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from cti.clock import Clock, Timer
from cti.telephony import outbound as ob
from cti.telephony.errors import TelephonyError
from dialer import events as pe
from dialer.campaign import AbandonRule, CampaignSpec, DialMode, MachineAction, RetryOutcome
from dialer.models import AttemptOutcome, DialerAttempt, DialerLead, LeadStatus
from dialer.offers import LeadCard, OutboundOffer, PersonReached, PopSink
from dialer.pacer import Pacer
from dialer.seats import Seats
from dialer.settings import PacingSettings
from dialer.store import Store
from dialer.window import may_call

log = structlog.get_logger(__name__)

RESYNC_GRACE = 30.0
UK_NO_REDIAL_HOURS = 72.0

NO_ANSWER_KIND = {
    ob.LineOutcome.NO_ANSWER: (pe.NoAnswerKind.NO_ANSWER, AttemptOutcome.NO_ANSWER),
    ob.LineOutcome.BUSY: (pe.NoAnswerKind.BUSY, AttemptOutcome.BUSY),
    ob.LineOutcome.FAILED: (pe.NoAnswerKind.FAILED, AttemptOutcome.FAILED),
}
RETRY_FOR = {
    AttemptOutcome.NO_ANSWER: RetryOutcome.NO_ANSWER,
    AttemptOutcome.BUSY: RetryOutcome.BUSY,
    AttemptOutcome.FAILED: RetryOutcome.FAILED,
    AttemptOutcome.MACHINE: RetryOutcome.MACHINE,
    AttemptOutcome.ABANDONED: RetryOutcome.NO_ANSWER,
}


def utc(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)


@dataclass(slots=True)
class Live:
    """An attempt in flight."""

    attempt_id: str
    lead_id: int
    phone: str
    dialled_at: float
    attempts: int  # the lead's attempts, this one included
    agent_for: str | None = None  # preview: the agent who dialled
    ringing_at: float | None = None
    answered_at: float | None = None
    verdict: ob.AmdVerdict | None = None
    verdict_at: float | None = None  # the end of the greeting, AMD having listened to it
    person: bool = False  # told to the pacer as a person
    agent_id: str | None = None
    connected_at: float | None = None
    outcome: AttemptOutcome | None = None
    deadline: Timer | None = None
    heard_since_drop: bool = True
    opted_out: bool = False
    card: LeadCard | None = None  # what the agent's pop shows of the lead
    offered_to: str | None = None  # the agent whose desktop was told of the call


@dataclass(slots=True)
class Status:
    dialling: bool
    reason: str
    in_flight: int = 0
    agents_ready: int = 0
    agents_free: int = 0
    agents_busy: int = 0  # on a campaign call or its wrap-up
    last_dial: int = 0
    abandoned: int = 0  # A in the current regulatory period (the pacer's book)
    live: int = 0  # L
    limit: float = 0.0
    period_start: float | None = None  # when the current regulatory period began (clock)
    staffed_seconds: float = 0.0  # agent-seconds with a ready line, free or busy
    talk_seconds: float = 0.0  # agent-seconds busy on the campaign's calls (talk and wrap)
    connected: int = 0  # calls connected to an agent
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def talk_share(self) -> float:
        return self.talk_seconds / self.staffed_seconds if self.staffed_seconds else 0.0

    @property
    def calls_per_agent_hour(self) -> float:
        hours = self.staffed_seconds / 3600.0
        return self.connected / hours if hours else 0.0


class CampaignRuntime:
    def __init__(
        self,
        campaign_id: int,
        spec: CampaignSpec,
        origin: float,
        store: Store,
        port: ob.OutboundDialling,
        seats: Seats,
        clock: Clock,
        legs: set[str],
        name: str = "",
    ) -> None:
        self.campaign_id = campaign_id
        self.name = name
        self.spec = spec
        self.store = store
        self.port = port
        self.seats = seats
        self.clock = clock
        self.legs = legs  # agents whose persistent leg is ready (the engine keeps it)
        self.pacer = Pacer(_pacing(spec, origin))
        self.live: dict[str, Live] = {}
        self.running = False
        self.status = Status(False, "not started")
        self._was_connected = True
        self._reconnected_at: float | None = None
        self._previews: dict[str, int] = {}  # agent -> lead offered to them
        self._last_step: float | None = None
        self.staffed_seconds = 0.0
        self.talk_seconds = 0.0
        self.connected = 0
        #: Told of the people reached and given to agents (the agents' pops).
        self.pops: PopSink | None = None

    # -- edits and controls -------------------------------------------------------
    def update(self, spec: CampaignSpec) -> None:
        """A validated edit: used from the next decision on."""
        self.spec = spec
        self.pacer.bound.limit = spec.limit
        self.pacer.bound.amd_fp = spec.amd_false_positive

    # -- the tick -------------------------------------------------------------------
    async def step(self) -> Status:
        now = self.clock.now()
        self._sync_agents(now)
        self._count_time(now)
        self.status = await self._dial(now)
        return self.status

    def _sync_agents(self, now: float) -> None:
        members = self.seats.agents(self.spec.queue)
        ready = {a for a, available in members.items() if available and a in self.legs}
        p = self.pacer
        for agent_id in sorted(ready - (p.free - p.held)):
            p.apply(pe.AgentFree(agent_id, now))
        for agent_id in sorted((p.free - p.held) - ready):
            p.apply(pe.AgentAway(agent_id, now))
        for agent_id in sorted(set(p.busy) - set(members)):
            p.apply(pe.AgentAway(agent_id, now))

    def _count_time(self, now: float) -> None:
        """Agent time since the last tick, while running: staffed (free or busy) and busy."""
        if self._last_step is not None and self.running:
            dt = max(now - self._last_step, 0.0)
            p = self.pacer
            self.staffed_seconds += dt * (len(p.free - p.held) + len(p.busy))
            self.talk_seconds += dt * len(p.busy)
        self._last_step = now

    async def _dial(self, now: float) -> Status:
        blocked = self._blocked(now)
        if blocked is not None:
            return self._status(False, blocked)
        if self.spec.mode is DialMode.PREVIEW:
            return self._status(False, "preview: agents dial each lead from their desktop")
        own = await self._own_callbacks(now)
        decision = self.pacer.decide(now)
        if self.spec.mode is DialMode.PROGRESSIVE:
            wanted, covered = decision.covered, decision.covered
        else:
            wanted, covered = decision.dial, decision.covered
        if wanted <= 0:
            if own:
                return self._own_status(own)
            return self._status(False, _why_not(decision.reason.value, self))
        placed, why = await self.place(wanted, covered, now)
        if placed == 0:
            return self._own_status(own) if own else self._status(False, why)
        self.status.last_dial = placed + own
        return self._status(True, f"dialled {placed} ({decision.reason.value})")

    def _own_status(self, own: int) -> Status:
        self.status.last_dial = own
        return self._status(True, f"dialled {own} callback(s) for the agents who asked")

    async def _own_callbacks(self, now: float) -> int:
        """The callbacks agents asked for themselves that are due, each dialled only when its
        agent is free (with a line ready), that agent reserved for it: the person is
        connected to them and to nobody else. Returns how many were dialled."""
        free = self.pacer.free - self.pacer.held
        if not free:
            return 0
        skip = [live.lead_id for live in self.live.values()]
        leads = await self.store.due_leads(self.campaign_id, len(free) * 4, skip, own_of=free)
        listed = await self.store.on_dnc([lead.phone for lead in leads])
        placed = 0
        for lead in leads:
            agent_id = lead.callback_agent
            if agent_id is None or agent_id not in self.pacer.free - self.pacer.held:
                continue  # its agent took another callback this tick
            if lead.phone in listed:
                await self.store.set_lead(lead.id, status=LeadStatus.DNC.value)
                continue
            if not may_call(self.spec, _zones(lead), now).open:
                continue
            if await self.dial(lead, now, agent_for=agent_id) is not None:
                self.pacer.apply(pe.AgentAway(agent_id, now))  # theirs, not the pacer's
                placed += 1
        return placed

    def _blocked(self, now: float) -> str | None:
        if not self.running:
            return "the campaign is not running"
        if not getattr(self.port, "connected", True):
            if self._was_connected:
                self._was_connected = False
                for live in self.live.values():
                    live.heard_since_drop = False
            return "the PBX link is down: nothing is dialled until it is back"
        if not self._was_connected:
            self._was_connected = True
            self._reconnected_at = now
        unheard = [a for a in self.live.values() if not a.heard_since_drop]
        if unheard and self._reconnected_at is not None:
            if now - self._reconnected_at < RESYNC_GRACE:
                return f"waiting for the PBX to report {len(unheard)} call(s) in flight"
            for live in unheard:
                self._lost(live, now)
        staffed = self.pacer.free - self.pacer.held
        if not staffed and not self.pacer.busy and self.spec.mode is not DialMode.PREVIEW:
            return f"no agents: nobody in queue {self.spec.queue} with a line ready"
        return None

    def idle(self, reason: str) -> Status:
        """The figures of a campaign that is not dialling (paused or stopped), and why."""
        return self._status(False, reason)

    def _status(self, dialling: bool, reason: str) -> Status:
        p = self.pacer
        period = p.bound.period(self.clock.now())
        book = p.bound.book(period)
        return Status(
            dialling,
            reason,
            in_flight=len(self.live),
            agents_ready=len(p.free - p.held) + len(p.busy),
            agents_free=len(p.free - p.held),
            agents_busy=len(p.busy),
            last_dial=self.status.last_dial if dialling else 0,
            abandoned=book.abandoned,
            live=book.live,
            limit=self.spec.limit,
            period_start=p.bound.origin + period * p.bound.window,
            staffed_seconds=self.staffed_seconds,
            talk_seconds=self.talk_seconds,
            connected=self.connected,
        )

    async def place(self, wanted: int, covered: int, now: float) -> tuple[int, str]:
        """Dial up to ``wanted`` due leads, of which the first ``covered`` have a free agent
        reserved (the UK rule lets only those call a number abandoned within 72 h): how many
        were dialled, and why no more could be."""
        skip = [live.lead_id for live in self.live.values()] + list(self._previews.values())
        leads = await self.store.due_leads(
            self.campaign_id, wanted * 4 + 10, skip, shared_only=True
        )
        if not leads:
            return 0, "no leads are due"
        listed = await self.store.on_dnc([lead.phone for lead in leads])
        placed, closed = 0, []
        for lead in leads:
            if placed >= wanted:
                break
            if lead.phone in listed:
                await self.store.set_lead(lead.id, status=LeadStatus.DNC.value)
                continue
            check = may_call(self.spec, _zones(lead), now)
            if not check.open:
                closed.append(check.reason)
                continue
            if placed >= covered and await self._uk_recently_abandoned(lead, now):
                continue  # Ofcom: no new call to an abandoned number unless an agent is reserved
            await self.dial(lead, now)
            placed += 1
        if placed == 0 and closed:
            return 0, f"every due lead is outside its calling window ({closed[0]})"
        return placed, "no due lead may be called now (DNC, or abandoned within 72 h)"

    async def _uk_recently_abandoned(self, lead: DialerLead, now: float) -> bool:
        if self.spec.abandon_rule is not AbandonRule.UK:
            return False
        since = utc(now) - timedelta(hours=UK_NO_REDIAL_HOURS)
        return await self.store.abandoned_since(lead.phone, since)

    async def dial(self, lead: DialerLead, now: float, agent_for: str | None = None) -> str | None:
        """Dial ``lead``; for ``agent_for`` (a preview dial, or their own callback) that agent
        is reserved in the ACD first, and None is returned, with nothing dialled, when they
        are not available."""
        attempt_id = f"att-{int(now * 1000):013d}-{secrets.token_hex(4)}"
        if agent_for is not None and not self.seats.reserve(attempt_id, agent_for, self.spec.queue):
            return None
        live = Live(attempt_id, lead.id, lead.phone, now, lead.attempts + 1, agent_for)
        live.card = LeadCard.of(lead, live.attempts)
        self.live[attempt_id] = live
        if agent_for is None:
            self.pacer.apply(pe.Dialled(attempt_id, now))
        await self.store.set_lead(lead.id, status=LeadStatus.DIALLING.value, attempts=live.attempts)
        await self.store.record(self._row(live))
        command = ob.DialLead(
            attempt_id,
            lead.phone,
            self.spec.caller_id,
            ring_timeout=self.spec.ring_seconds,
            amd=self.spec.amd,
            variables=(("CAMPAIGN", str(self.campaign_id)), ("LEAD", str(lead.id))),
        )
        try:
            await self.port.execute_outbound(command)
        except TelephonyError as exc:
            self.ended(ob.LeadEnded(attempt_id, ob.LineOutcome.FAILED, now, exc.message))
        return attempt_id

    # -- events from the PBX ------------------------------------------------------
    def handle(self, event: ob.OutboundEvent) -> None:
        attempt_id = getattr(event, "attempt_id", None)
        live = self.live.get(attempt_id) if attempt_id else None
        if live is None:
            return
        live.heard_since_drop = True
        match event:
            case ob.LeadRinging(_, at):
                live.ringing_at = live.ringing_at or at
            case ob.LeadAnswered():
                self._answered(live, event)
            case ob.LeadConnected(_, agent_id, at):
                self._connected(live, agent_id, at)
            case ob.LeadOptedOut(_, at):
                live.opted_out = True
                self.store.later_dnc_opt_out(live.phone, live.lead_id, at)
            case ob.LeadEnded():
                self.ended(event)

    def _answered(self, live: Live, event: ob.LeadAnswered) -> None:
        if live.answered_at is not None:
            return
        live.answered_at, live.verdict = event.answered_at, event.verdict
        live.verdict_at = event.at
        self._tell(live, pe.Answered(live.attempt_id, event.answered_at))
        if event.verdict is ob.AmdVerdict.MACHINE:
            live.outcome = AttemptOutcome.MACHINE
            self._tell(live, pe.Machine(live.attempt_id, event.at))
            leave = self.spec.machine_action is MachineAction.MESSAGE
            command: ob.OutboundCommand = (
                ob.PlayMachineMessage(live.attempt_id) if leave else ob.HangupLead(live.attempt_id)
            )
            self._send(command)
            return
        live.outcome, live.person = AttemptOutcome.LIVE, True
        self._tell(live, pe.Person(live.attempt_id, event.at))
        if self.pops is not None and live.card is not None:
            self.pops.reached(PersonReached(live.attempt_id, live.card, event.at))
        if live.agent_for is not None:  # preview: the agent who dialled takes it
            self._pop(live, live.agent_for)
            self._send(ob.ConnectLead(live.attempt_id, live.agent_for))
            return
        self.seats.person(live.attempt_id, self.spec.queue)
        if live.connected_at is None and live.attempt_id in self.live:
            delay = self.spec.abandon_seconds - (self.clock.now() - event.at)
            live.deadline = self.clock.call_later(delay, lambda: self._deadline(live.attempt_id))

    def offered(self, attempt_id: str, agent_id: str) -> None:
        """The ACD chose ``agent_id`` for the person on ``attempt_id``: bridge them."""
        live = self.live.get(attempt_id)
        if live is None or live.connected_at is not None:
            return
        self._pop(live, agent_id)
        self._send(ob.ConnectLead(attempt_id, agent_id))

    def _pop(self, live: Live, agent_id: str) -> None:
        """Tell ``agent_id``'s desktop of the lead, the campaign and its script."""
        if self.pops is None or live.card is None:
            return
        live.offered_to = agent_id
        now = self.clock.now()
        offer = OutboundOffer(
            live.attempt_id,
            agent_id,
            self.name,
            self.spec.script,
            self.spec.queue,
            live.card,
            live.dialled_at,
            live.answered_at,
            now,
        )
        self.pops.offered(offer)

    def _unpop(self, live: Live, at: float) -> None:
        if self.pops is not None:
            self.pops.ended(live.attempt_id, live.offered_to, at)
            live.offered_to = None

    def _connected(self, live: Live, agent_id: str, at: float) -> None:
        if live.connected_at is not None:
            return
        if live.deadline is not None:
            live.deadline.cancel()
        live.agent_id, live.connected_at = agent_id, at
        self.connected += 1
        if live.agent_for is not None:
            self.seats.connected(live.attempt_id, agent_id, self.spec.queue)
        else:
            if agent_id not in self.pacer.free:
                self.pacer.apply(pe.AgentFree(agent_id, at))
            self.pacer.apply(pe.Connected(live.attempt_id, agent_id, at))
        self.store.later(self._row(live))

    def _deadline(self, attempt_id: str) -> None:
        live = self.live.get(attempt_id)
        if live is None or live.connected_at is not None or not self.seats.waiting(attempt_id):
            return
        self.seats.abandon(attempt_id)
        self._abandon(live, self.clock.now())
        self._send(ob.PlaySafeHarbour(attempt_id))

    def _abandon(self, live: Live, at: float) -> None:
        live.outcome = AttemptOutcome.ABANDONED
        self._tell(live, pe.Abandoned(live.attempt_id, at))
        live.person = False  # the pacer has closed it
        self.store.later(self._row(live))

    def ended(self, event: ob.LeadEnded) -> None:
        live = self.live.pop(event.attempt_id, None)
        if live is None:
            return
        if live.deadline is not None:
            live.deadline.cancel()
        self.live[event.attempt_id] = live  # while the pacer is told
        if live.answered_at is None:
            kind, outcome = NO_ANSWER_KIND.get(event.outcome, NO_ANSWER_KIND[ob.LineOutcome.FAILED])
            live.outcome = outcome
            self._tell(live, pe.Unanswered(live.attempt_id, event.at, kind))
        elif live.person and live.connected_at is None:
            if self.seats.waiting(live.attempt_id):
                self.seats.abandon(live.attempt_id)
            self._abandon(live, event.at)  # the callee left before an agent: counted, to be safe
        elif live.connected_at is not None and live.agent_id and live.agent_for is None:
            self.seats.done(live.attempt_id, live.agent_id, self.spec.queue)
        if live.agent_for is not None:  # the reserved agent: wrap-up after a talk, else free
            if live.connected_at is not None:
                self.seats.done(live.attempt_id, live.agent_for, self.spec.queue)
            else:
                self.seats.release(live.attempt_id, live.agent_for)
        del self.live[event.attempt_id]
        self._unpop(live, event.at)
        self._finish(live, event.at, event.cause)

    def _lost(self, live: Live, now: float) -> None:
        log.warning("dialer.attempt_lost", attempt_id=live.attempt_id)
        self.ended(
            ob.LeadEnded(live.attempt_id, ob.LineOutcome.FAILED, now, "no state after resync")
        )

    def _finish(self, live: Live, at: float, cause: str) -> None:
        row = self._row(live)
        row.ended_at, row.cause = utc(at), cause
        self.store.later(row)
        outcome = live.outcome or AttemptOutcome.FAILED
        if live.opted_out:
            return  # the lead is opted out for good (written when the digit was pressed)
        if outcome is AttemptOutcome.LIVE and live.connected_at is not None:
            self.store.later_lead(live.lead_id, {"status": LeadStatus.DONE.value, "next_at": None})
            return
        rule = self.spec.retry_rule(RETRY_FOR.get(outcome, RetryOutcome.FAILED))
        if rule.retry and live.attempts < self.spec.max_attempts:
            due = utc(at) + timedelta(minutes=rule.delay_minutes)
            values: dict[str, Any] = {"status": LeadStatus.RETRY.value, "next_at": due}
        else:
            values = {"status": LeadStatus.EXHAUSTED.value, "next_at": None}
        self.store.later_lead(live.lead_id, values)

    # -- helpers --------------------------------------------------------------------
    def _tell(self, live: Live, event: pe.PacingEvent) -> None:
        if live.agent_for is None:  # preview dials are the agent's, not the pacer's
            self.pacer.apply(event)

    def _send(self, command: ob.OutboundCommand) -> None:
        self.store.spawn(self._execute(command))

    async def _execute(self, command: ob.OutboundCommand) -> None:
        try:
            await self.port.execute_outbound(command)
        except TelephonyError as exc:
            log.warning("dialer.command_refused", command=type(command).__name__, error=exc.message)
            if isinstance(command, ob.ConnectLead):
                self._not_bridged(command)

    def _not_bridged(self, command: ob.ConnectLead) -> None:
        """The bridge was refused: the agent goes back, the person gets the message now."""
        live = self.live.get(command.attempt_id)
        if live is None or live.connected_at is not None:
            return
        if live.deadline is not None:
            live.deadline.cancel()
        if live.agent_for is None:
            self.seats.done(command.attempt_id, command.agent_id, self.spec.queue)
        else:
            self.seats.release(command.attempt_id, live.agent_for)
        self._unpop(live, self.clock.now())
        if live.person:
            self._abandon(live, self.clock.now())
            self._send(ob.PlaySafeHarbour(command.attempt_id))

    def _row(self, live: Live) -> DialerAttempt:
        ring = None
        if live.answered_at is not None:
            ring = live.answered_at - (live.ringing_at or live.dialled_at)
        to_agent = None
        if live.connected_at is not None and live.verdict_at is not None:
            to_agent = live.connected_at - live.verdict_at  # the rules' 2 s run from here
        return DialerAttempt(
            id=live.attempt_id,
            campaign_id=self.campaign_id,
            lead_id=live.lead_id,
            phone=live.phone,
            dialled_at=utc(live.dialled_at),
            ringing_at=utc(live.ringing_at) if live.ringing_at else None,
            answered_at=utc(live.answered_at) if live.answered_at else None,
            connected_at=utc(live.connected_at) if live.connected_at else None,
            ended_at=None,
            ring_seconds=ring,
            outcome=live.outcome.value if live.outcome else None,
            amd_verdict=live.verdict.value if live.verdict else None,
            agent_id=live.agent_id,
            seconds_to_agent=to_agent,
            cause="",
        )


def _pacing(spec: CampaignSpec, origin: float) -> PacingSettings:
    return PacingSettings(
        limit=spec.limit,
        window_seconds=spec.window_seconds,
        origin=origin,
        amd_false_positive=spec.amd_false_positive if spec.amd else 0.0,
    )


def _zones(lead: DialerLead) -> tuple[str, ...]:
    return tuple(z for z in lead.zones.split(";") if z)


def _why_not(reason: str, runtime: CampaignRuntime) -> str:
    if runtime.pacer.free - runtime.pacer.held:
        return f"waiting: {reason}"
    return f"every agent is busy ({reason})"
