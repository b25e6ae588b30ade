"""What the dialer's API calls: campaigns (create, edit, start, pause, stop), their leads,
the DNC lists and the compliance record. Plain synchronous database work; the API runs it
off the event loop, and the runtime (``dialer.runtime``) reads what it needs from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from cti.clock import Clock
from dialer import leads as lead_files
from dialer.campaign import CampaignSpec
from dialer.errors import (
    CampaignExists,
    CampaignStateConflict,
    InvalidCampaign,
    NoSuchAttempt,
    NoSuchCampaign,
    NoSuchLead,
)
from dialer.models import (
    CampaignState,
    DialerAttempt,
    DialerCampaign,
    DialerDnc,
    DialerLead,
    DncSource,
    LeadStatus,
)

# What each control does from each state.
TRANSITIONS: dict[str, dict[CampaignState, CampaignState]] = {
    "start": {
        CampaignState.DRAFT: CampaignState.RUNNING,
        CampaignState.PAUSED: CampaignState.RUNNING,
        CampaignState.STOPPED: CampaignState.RUNNING,
    },
    "pause": {CampaignState.RUNNING: CampaignState.PAUSED},
    "stop": {
        CampaignState.RUNNING: CampaignState.STOPPED,
        CampaignState.PAUSED: CampaignState.STOPPED,
    },
}


@dataclass(frozen=True, slots=True)
class Campaign:
    id: int
    name: str
    spec: CampaignSpec
    state: CampaignState
    started_at: datetime | None


def validate_spec(raw: Any) -> CampaignSpec:
    """``raw`` as a spec, or ``InvalidCampaign`` listing "field: reason" for every problem."""
    try:
        return CampaignSpec.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'campaign'}: {e['msg']}" for e in exc.errors()
        ]
        raise InvalidCampaign(problems[0], details={"errors": problems}) from None


class CampaignService:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock
        self.listeners: list[Callable[[Campaign], None]] = []  # told of every change

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.now(), UTC)

    # -- campaigns ----------------------------------------------------------------
    def create(self, name: str, raw: Any) -> Campaign:
        spec = validate_spec(raw)
        now = self.now()
        row = DialerCampaign(
            name=name,
            spec=spec.model_dump(mode="json"),
            state=CampaignState.DRAFT.value,
            created_at=now,
            updated_at=now,
        )
        try:
            with self.sessions.begin() as s:
                s.add(row)
        except IntegrityError:
            raise CampaignExists(f"campaign {name!r} exists", details={"campaign": name}) from None
        return self.get(name)

    def campaigns(self) -> list[Campaign]:
        with self.sessions() as s:
            return [
                _campaign(r)
                for r in s.scalars(select(DialerCampaign).order_by(DialerCampaign.name))
            ]

    def get(self, name: str) -> Campaign:
        with self.sessions() as s:
            return _campaign(self._row(s, name))

    def by_id(self, campaign_id: int) -> Campaign:
        with self.sessions() as s:
            row = s.get(DialerCampaign, campaign_id)
            if row is None:
                raise NoSuchCampaign(
                    f"no campaign {campaign_id}", details={"campaign": campaign_id}
                )
            return _campaign(row)

    def edit(self, name: str, raw: Any) -> Campaign:
        """Validate and store a new spec; a running campaign uses it from its next decision."""
        spec = validate_spec(raw)
        with self.sessions.begin() as s:
            row = self._row(s, name)
            row.spec, row.updated_at = spec.model_dump(mode="json"), self.now()
        return self._changed(name)

    def control(self, name: str, action: str) -> Campaign:
        with self.sessions.begin() as s:
            row = self._row(s, name)
            state = CampaignState(row.state)
            target = TRANSITIONS[action].get(state)
            if target is None:
                raise CampaignStateConflict(
                    f"campaign {name!r} is {state.value}: it cannot {action}",
                    details={"campaign": name, "state": state.value, "action": action},
                )
            row.state, row.updated_at = target.value, self.now()
            if target is CampaignState.RUNNING and row.started_at is None:
                row.started_at = self.now()
        return self._changed(name)

    def _changed(self, name: str) -> Campaign:
        campaign = self.get(name)
        for listener in self.listeners:
            listener(campaign)
        return campaign

    def _row(self, s: Session, name: str) -> DialerCampaign:
        row = s.scalar(select(DialerCampaign).where(DialerCampaign.name == name))
        if row is None:
            raise NoSuchCampaign(f"no campaign {name!r}", details={"campaign": name})
        return row

    # -- leads --------------------------------------------------------------------
    def upload(self, name: str, data: IO[bytes], filename: str) -> lead_files.UploadReport:
        campaign = self.get(name)
        return lead_files.load(self.sessions, campaign.id, campaign.spec.region, data, filename)

    def lead_counts(self, campaign_id: int) -> dict[str, int]:
        with self.sessions() as s:
            rows = s.execute(
                select(DialerLead.status, func.count())
                .where(DialerLead.campaign_id == campaign_id)
                .group_by(DialerLead.status)
            )
            return {status: n for status, n in rows}

    def leads(self, name: str, limit: int, offset: int) -> list[DialerLead]:
        campaign = self.get(name)
        with self.sessions() as s:
            q = (
                select(DialerLead)
                .where(DialerLead.campaign_id == campaign.id)
                .order_by(DialerLead.id)
                .limit(limit)
                .offset(offset)
            )
            return list(s.scalars(q))

    def lead(self, lead_id: int) -> DialerLead:
        with self.sessions() as s:
            row = s.get(DialerLead, lead_id)
            if row is None:
                raise NoSuchLead(f"no lead {lead_id}", details={"lead": lead_id})
            return row

    def due_leads(
        self,
        campaign_id: int,
        limit: int,
        skip: Iterable[int] = (),
        *,
        shared_only: bool = False,
        own_of: Iterable[str] | None = None,
    ) -> list[DialerLead]:
        """Leads that may be dialled now (DNC and the window are checked by the runtime).

        ``shared_only``: not the callbacks an agent asked for themselves; ``own_of``: only
        those, of these agents."""
        now = self.now()
        due = (DialerLead.next_at.is_(None)) | (DialerLead.next_at <= now)
        waiting = DialerLead.status.in_([LeadStatus.NEW, LeadStatus.RETRY, LeadStatus.CALLBACK])
        whose: ColumnElement[bool] = DialerLead.id.is_not(None)
        if shared_only:
            whose = DialerLead.callback_agent.is_(None)
        if own_of is not None:
            mine = DialerLead.callback_agent.in_(list(own_of))
            whose = mine & (DialerLead.status == LeadStatus.CALLBACK)
        q = (
            select(DialerLead)
            .where(DialerLead.campaign_id == campaign_id, waiting, due, whose)
            .where(DialerLead.id.not_in(list(skip)) if skip else DialerLead.id.is_not(None))
            .order_by(DialerLead.status != LeadStatus.CALLBACK, DialerLead.next_at, DialerLead.id)
            .limit(limit)
        )
        with self.sessions() as s:
            return list(s.scalars(q))

    def set_lead(self, lead_id: int, **values: Any) -> None:
        with self.sessions.begin() as s:
            s.execute(update(DialerLead).where(DialerLead.id == lead_id).values(**values))

    # -- DNC ----------------------------------------------------------------------
    def dnc_add(self, phones: Iterable[str], source: DncSource, reason: str) -> int:
        now, added = self.now(), 0
        with self.sessions.begin() as s:
            for phone in phones:
                if s.get(DialerDnc, (phone, source.value)) is None:
                    s.add(DialerDnc(phone=phone, source=source.value, reason=reason, added_at=now))
                    s.flush()
                    added += 1
        return added

    def dnc_remove(self, phone: str, source: DncSource) -> bool:
        with self.sessions.begin() as s:
            row = s.get(DialerDnc, (phone, source.value))
            if row is None:
                return False
            s.delete(row)
            return True

    def dnc_list(
        self, source: DncSource | None, limit: int, offset: int, phone: str | None = None
    ) -> list[DialerDnc]:
        q = select(DialerDnc).order_by(DialerDnc.phone).limit(limit).offset(offset)
        if source is not None:
            q = q.where(DialerDnc.source == source.value)
        if phone is not None:
            q = q.where(DialerDnc.phone == phone)
        with self.sessions() as s:
            return list(s.scalars(q))

    def on_dnc(self, phones: Iterable[str]) -> set[str]:
        wanted = list(set(phones))
        if not wanted:
            return set()
        with self.sessions() as s:
            return set(s.scalars(select(DialerDnc.phone).where(DialerDnc.phone.in_(wanted))))

    def dnc_import(
        self, data: IO[bytes], filename: str, source: DncSource, region: str
    ) -> lead_files.DncReport:
        return lead_files.load_dnc(self.sessions, data, filename, source, region, self.now())

    # -- attempts (the compliance record) ---------------------------------------
    def record(self, attempt: DialerAttempt) -> None:
        with self.sessions.begin() as s:
            s.merge(attempt)

    def attempt(self, attempt_id: str) -> DialerAttempt:
        with self.sessions() as s:
            row = s.get(DialerAttempt, attempt_id)
            if row is None:
                raise NoSuchAttempt(f"no attempt {attempt_id!r}", details={"attempt": attempt_id})
            return row

    def close_stale(self, cause: str) -> int:
        """Attempts left open by a process that stopped: closed as failed, their leads due
        again, so none is lost or left dialling for ever. Returns how many."""
        now = self.now()
        with self.sessions.begin() as s:
            stale = list(s.scalars(select(DialerAttempt).where(DialerAttempt.ended_at.is_(None))))
            for row in stale:
                row.ended_at, row.cause = now, cause
                row.outcome = row.outcome or "failed"
                s.execute(
                    update(DialerLead)
                    .where(DialerLead.id == row.lead_id, DialerLead.status == LeadStatus.DIALLING)
                    .values(status=LeadStatus.RETRY.value, next_at=now)
                )
        return len(stale)

    def abandoned_since(self, phone: str, since: datetime) -> bool:
        with self.sessions() as s:
            q = select(func.count()).where(
                DialerAttempt.phone == phone,
                DialerAttempt.outcome == "abandoned",
                DialerAttempt.dialled_at >= since,
            )
            return bool(s.scalar(q))

    def attempts(self, campaign_id: int) -> Iterator[DialerAttempt]:
        """Every attempt of the campaign, oldest first, read in pages (bounded memory)."""
        last = ""
        while True:
            with self.sessions() as s:
                page = list(
                    s.scalars(
                        select(DialerAttempt)
                        .where(DialerAttempt.campaign_id == campaign_id, DialerAttempt.id > last)
                        .order_by(DialerAttempt.id)
                        .limit(1000)
                    )
                )
            if not page:
                return
            yield from page
            last = page[-1].id

    def outcome_counts(self, campaign_id: int, since: datetime) -> dict[str, int]:
        with self.sessions() as s:
            rows = s.execute(
                select(DialerAttempt.outcome, func.count())
                .where(DialerAttempt.campaign_id == campaign_id, DialerAttempt.dialled_at >= since)
                .group_by(DialerAttempt.outcome)
            )
            return {str(outcome): n for outcome, n in rows}

    def hours_ago(self, hours: float) -> datetime:
        return self.now() - timedelta(hours=hours)


def _campaign(row: DialerCampaign) -> Campaign:
    return Campaign(
        row.id,
        row.name,
        CampaignSpec.model_validate(row.spec),
        CampaignState(row.state),
        row.started_at,
    )
