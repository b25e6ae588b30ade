"""Every running campaign, on one outbound port: the application builds one ``DialerEngine``.

It subscribes to the port's events and hands each to the campaign whose attempt it is; it
keeps the agents' persistent legs (opened for every agent signed in to the queue of a
campaign that is running, closed when they are no longer needed);
it ticks every campaign on the injected clock; and it carries out what the API asks: a
campaign started, paused, stopped or edited (the edit is used from the next tick), a preview
lead dialled or skipped, an agent's disposition.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog

from cti.clock import Clock
from cti.telephony import outbound as ob
from dialer.campaign import DialMode
from dialer.errors import CampaignStateConflict, NotYourAttempt
from dialer.models import AttemptOutcome, CampaignState, DialerLead, LeadStatus
from dialer.offers import PopSink
from dialer.runtime import CampaignRuntime, Status, utc
from dialer.seats import Seats
from dialer.service import Campaign, CampaignService
from dialer.store import Store

log = structlog.get_logger(__name__)

TICK_SECONDS = 1.0
WAITING = (LeadStatus.NEW, LeadStatus.RETRY, LeadStatus.CALLBACK, LeadStatus.DIALLING)
ENDED = {o.value for o in AttemptOutcome}


def rates(outcomes: dict[str, int]) -> dict[str, float]:
    """Live-answer and machine rates of the attempts that ended, from their outcome counts
    (an abandoned call was answered by a person)."""
    ended = sum(n for outcome, n in outcomes.items() if outcome in ENDED)
    live = outcomes.get(AttemptOutcome.LIVE, 0) + outcomes.get(AttemptOutcome.ABANDONED, 0)
    machine = outcomes.get(AttemptOutcome.MACHINE, 0)
    return {
        "live_rate": live / ended if ended else 0.0,
        "machine_rate": machine / ended if ended else 0.0,
    }


@dataclass(frozen=True, slots=True)
class Disposition:
    code: str  # the agent's wrap-up code
    final: bool = True  # the lead is done; False: dial again after the retry delay
    callback_at: float | None = None  # a callback at this time (clock seconds)
    callback_mine: bool = False  # the callback is for this agent, not the campaign


class DialerEngine:
    def __init__(
        self,
        service: CampaignService,
        port: ob.OutboundDialling,
        seats: Seats,
        clock: Clock,
    ) -> None:
        self.service = service
        self.port = port
        self.seats = seats
        self.clock = clock
        self.store = Store(service)
        self.runtimes: dict[int, CampaignRuntime] = {}
        self.legs: set[str] = set()  # agents whose persistent leg is ready
        self._opening: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        #: Told every campaign's status after each tick (the board's ``campaigns`` message).
        self.publish: Callable[[list[dict[str, Any]]], None] | None = None
        #: Whether anyone watches the campaigns now: their status is computed (three
        #: queries a campaign) and published only then.
        self.watched: Callable[[], bool] = _always
        #: Told of the people reached and given to agents (``dialer.offers``): their pops.
        self.pops: PopSink | None = None
        service.listeners.append(self._changed)

    # -- lifecycle ------------------------------------------------------------------
    async def start(self, *, ticking: bool = True) -> None:
        """Adopt the stored campaigns and tick every second; ``ticking=False`` leaves the
        ticks (``step()``) to the caller, as a test on a manual clock does."""
        self.store.start()
        closed = await asyncio.to_thread(self.service.close_stale, "open when the server stopped")
        if closed:
            log.warning("dialer.stale_attempts_closed", count=closed)
        for campaign in await asyncio.to_thread(self.service.campaigns):
            if campaign.state is not CampaignState.DRAFT:
                self._changed(campaign)
        if ticking:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        await self.store.stop()

    async def _run(self) -> None:
        while True:
            try:
                await self.step()
            except Exception:  # one bad tick is logged; the next one tries again
                log.exception("dialer.tick_failed")
            await asyncio.sleep(TICK_SECONDS)

    async def step(self) -> None:
        await self._legs()
        for runtime in list(self.runtimes.values()):
            await runtime.step()
        if self.publish is not None and self.watched():
            self.publish(await self.status_views())

    # -- events -------------------------------------------------------------------
    def handle(self, event: object) -> None:
        """Every event on the port's stream; those that are not outbound are not ours."""
        if isinstance(event, ob.AgentLegReady):
            self._opening.discard(event.agent_id)
            self.legs.add(event.agent_id)
        elif isinstance(event, ob.AgentLegGone):
            self._opening.discard(event.agent_id)
            self.legs.discard(event.agent_id)
        elif isinstance(
            event,
            ob.LeadRinging | ob.LeadAnswered | ob.LeadConnected | ob.LeadEnded | ob.LeadOptedOut,
        ):
            for runtime in self.runtimes.values():
                if event.attempt_id in runtime.live:
                    runtime.handle(event)
                    return

    def offered(self, attempt_id: str, agent_id: str) -> bool:
        """The ACD's offer of a dialer call; False when the call is not a dialer's."""
        for runtime in self.runtimes.values():
            if attempt_id in runtime.live:
                runtime.offered(attempt_id, agent_id)
                return True
        return False

    # -- campaigns --------------------------------------------------------------------
    def _changed(self, campaign: Campaign) -> None:
        runtime = self.runtimes.get(campaign.id)
        if runtime is None:
            if campaign.state is not CampaignState.RUNNING:
                return
            origin = (campaign.started_at or utc(self.clock.now())).timestamp()
            runtime = CampaignRuntime(
                campaign.id,
                campaign.spec,
                origin,
                self.store,
                self.port,
                self.seats,
                self.clock,
                self.legs,
                campaign.name,
            )
            runtime.pops = self.pops
            self.runtimes[campaign.id] = runtime
        runtime.update(campaign.spec)
        runtime.running = campaign.state is CampaignState.RUNNING

    def status(self, campaign: Campaign) -> Status:
        runtime = self.runtimes.get(campaign.id)
        if runtime is None:
            return Status(False, f"the campaign is {campaign.state.value}")
        if not runtime.running:
            return runtime.idle(f"the campaign is {campaign.state.value}")
        return runtime.status

    async def status_view(self, campaign: Campaign) -> dict[str, Any]:
        """What the status endpoint answers and the board's ``campaign`` message carries: the
        runtime's figures, the leads by status, the attempts by outcome in the current
        regulatory period, and the rates and shares drawn from them."""
        s = self.status(campaign)
        leads = await asyncio.to_thread(self.service.lead_counts, campaign.id)
        day = await asyncio.to_thread(
            self.service.outcome_counts, campaign.id, self.service.hours_ago(24)
        )
        since = utc(s.period_start) if s.period_start is not None else None
        period = (
            await asyncio.to_thread(self.service.outcome_counts, campaign.id, since)
            if since is not None
            else {}
        )
        return {
            "campaign": campaign.name,
            "state": campaign.state.value,
            "mode": campaign.spec.mode.value,
            "dialling": s.dialling,
            "reason": s.reason,
            "in_flight": s.in_flight,
            "agents_ready": s.agents_ready,
            "agents_free": s.agents_free,
            "agents_busy": s.agents_busy,
            "abandoned": s.abandoned,
            "live_answers": s.live,
            "abandonment_rate": s.abandoned / s.live if s.live else 0.0,
            "limit": campaign.spec.limit,
            "abandon_rule": campaign.spec.abandon_rule.value,
            "period_start": since,
            "leads": leads,
            "leads_left": sum(leads.get(k.value, 0) for k in WAITING),
            "attempts_24h": day,
            "attempts_period": period,
            **rates(period),
            "talk_share": s.talk_share,
            "calls_per_agent_hour": s.calls_per_agent_hour,
            "at": self.clock.now(),
        }

    async def preview_campaigns(self, agent_id: str) -> list[Campaign]:
        """The running preview campaigns whose queue ``agent_id`` is signed in to."""
        return [
            c
            for c in await asyncio.to_thread(self.service.campaigns)
            if c.state is CampaignState.RUNNING
            and c.spec.mode is DialMode.PREVIEW
            and agent_id in self.seats.agents(c.spec.queue)
        ]

    async def status_views(self) -> list[dict[str, Any]]:
        return [await self.status_view(c) for c in await asyncio.to_thread(self.service.campaigns)]

    async def _legs(self) -> None:
        wanted: set[str] = set()
        for runtime in self.runtimes.values():
            if runtime.running:
                wanted |= set(self.seats.agents(runtime.spec.queue))
        busy = {live.agent_id for r in self.runtimes.values() for live in r.live.values()}
        for agent_id in sorted(wanted - self.legs - self._opening):
            self._opening.add(agent_id)
            await self._send(ob.OpenAgentLeg(agent_id))
        for agent_id in sorted(self.legs - wanted - busy):
            self.legs.discard(agent_id)
            await self._send(ob.CloseAgentLeg(agent_id))

    async def _send(self, command: ob.OutboundCommand) -> None:
        try:
            await self.port.execute_outbound(command)
        except Exception as exc:  # a refused leg is tried again at the next tick
            log.warning("dialer.leg_refused", command=type(command).__name__, error=str(exc))
            if isinstance(command, ob.OpenAgentLeg):
                self._opening.discard(command.agent_id)

    # -- preview ------------------------------------------------------------------------
    async def preview_next(self, campaign: Campaign, agent_id: str) -> DialerLead | None:
        runtime = self._running(campaign, DialMode.PREVIEW)
        held = runtime._previews.get(agent_id)
        if held is not None:
            return await asyncio.to_thread(self.service.lead, held)
        skip = [*runtime._previews.values(), *(live.lead_id for live in runtime.live.values())]
        for lead in await self.store.due_leads(campaign.id, 20, skip):
            if lead.callback_agent not in (None, agent_id):
                continue
            if lead.phone in await self.store.on_dnc([lead.phone]):
                await self.store.set_lead(lead.id, status=LeadStatus.DNC.value)
                continue
            runtime._previews[agent_id] = lead.id
            return lead
        return None

    async def preview_choose(
        self, campaign: Campaign, agent_id: str, lead_id: int, dial: bool
    ) -> str | None:
        runtime = self._running(campaign, DialMode.PREVIEW)
        if runtime._previews.get(agent_id) != lead_id:
            raise CampaignStateConflict(
                f"lead {lead_id} is not the one offered to {agent_id}",
                details={"lead": lead_id, "agent": agent_id},
            )
        lead = await asyncio.to_thread(self.service.lead, lead_id)
        if dial and not self.seats.agents(runtime.spec.queue).get(agent_id, False):
            raise _unavailable(agent_id, lead_id)  # the lead stays theirs to dial later
        del runtime._previews[agent_id]
        if not dial:
            later = utc(self.clock.now()) + timedelta(minutes=runtime.spec.recycle_minutes)
            await self.store.set_lead(lead_id, next_at=later)
            return None
        if lead.phone in await self.store.on_dnc([lead.phone]):
            await self.store.set_lead(lead_id, status=LeadStatus.DNC.value)
            raise CampaignStateConflict(
                f"lead {lead_id} is on a DNC list", details={"lead": lead_id}
            )
        attempt_id = await runtime.dial(lead, self.clock.now(), agent_for=agent_id)
        if attempt_id is None:
            raise _unavailable(agent_id, lead_id)
        return attempt_id

    def _running(self, campaign: Campaign, mode: DialMode) -> CampaignRuntime:
        runtime = self.runtimes.get(campaign.id)
        if runtime is None or not runtime.running or runtime.spec.mode is not mode:
            raise CampaignStateConflict(
                f"campaign {campaign.name!r} is not running in {mode.value} mode",
                details={"campaign": campaign.name},
            )
        return runtime

    # -- wrap-up --------------------------------------------------------------------------
    async def dispose(
        self, attempt_id: str, agent_id: str | None, disposition: Disposition
    ) -> dict[str, Any]:
        """An agent's wrap-up: the lead's status and recycling follow from it."""
        attempt = await asyncio.to_thread(self.service.attempt, attempt_id)
        if agent_id is not None and attempt.agent_id != agent_id:
            raise NotYourAttempt(
                f"attempt {attempt_id} was not yours", details={"attempt": attempt_id}
            )
        campaign = await asyncio.to_thread(self.service.by_id, attempt.campaign_id)
        lead = await asyncio.to_thread(self.service.lead, attempt.lead_id)
        values: dict[str, Any] = {"disposition": disposition.code}
        if disposition.callback_at is not None:
            values.update(
                status=LeadStatus.CALLBACK.value,
                next_at=utc(disposition.callback_at),
                callback_agent=attempt.agent_id if disposition.callback_mine else None,
            )
        elif disposition.final or lead.attempts >= campaign.spec.max_attempts:
            values.update(
                status=LeadStatus.DONE.value if disposition.final else LeadStatus.EXHAUSTED.value,
                next_at=None,
            )
        else:
            delay = campaign.spec.recycle_minutes
            values.update(
                status=LeadStatus.RETRY.value,
                next_at=utc(self.clock.now()) + timedelta(minutes=delay),
            )
        attempt.disposition = disposition.code
        await self.store.record(attempt)
        await self.store.set_lead(lead.id, **values)
        return {
            "lead": lead.id,
            **{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()},
        }


def _unavailable(agent_id: str, lead_id: int) -> CampaignStateConflict:
    """A preview dial while the agent is not available (on another call, paused)."""
    return CampaignStateConflict(
        f"{agent_id} is not available for a call now", details={"lead": lead_id, "agent": agent_id}
    )


def _always() -> bool:
    return True
