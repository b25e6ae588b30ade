"""Flows as managed data: versions in the database, validation, activation, rollback, and the
active versions in memory for the runtimes.

A call takes a ``Bundle`` (the active version of its flow and of every subflow it may run)
when it starts and keeps it to its end, whatever is activated meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import structlog

from cti.clock import Clock
from ivr import reports, schema
from ivr.driver import SessionRecord
from ivr.errors import InvalidFlow, NoSuchFlow
from ivr.schema import CallbackNode, Flow, QueueNode, SetNode, SubflowNode
from ivr.state import Bundle
from ivr.store import FlowStore, StoredVersion
from ivr.validate import Catalogue, problems
from ivr.webhook import HostAllowList

log = structlog.get_logger(__name__)
T = TypeVar("T")
RunDb = Callable[[Callable[[], T]], Awaitable[T]]
SHIPPED = Path(__file__).parent / "flows"
#: What the simulated PBX's callers dial to reach a flow (the demo's IVR traffic).
DEFAULT_ENTRY_POINTS = {"ivr": "main-menu"}


async def _in_thread(job: Callable[[], T]) -> T:
    return await asyncio.to_thread(job)


def shipped_needs(folder: Path = SHIPPED) -> tuple[set[str], set[str]]:
    """The queues and the skills the flows shipped in ``folder`` route to: what a centre
    needs before those flows validate (``switchboard init`` creates them)."""
    queues: set[str] = set()
    skills: set[str] = set()
    for path in sorted(folder.glob("*.yaml")):
        flow = schema.parse_flow(schema.load_text(path.read_text(encoding="utf-8")))
        for node in flow.nodes.values():
            if isinstance(node, QueueNode | CallbackNode):
                queues.add(node.queue)
            if isinstance(node, SetNode):
                skills.update(node.skills)
                if node.language:
                    skills.add(f"lang:{node.language}")
    return queues, skills


class IvrService:
    def __init__(
        self,
        store: FlowStore,
        clock: Clock,
        catalogue: Callable[[], tuple[set[str], set[str]]],
        *,
        write: RunDb[Any] = _in_thread,
        entry_points: dict[str, str] | None = None,
        webhook_hosts: HostAllowList | None = None,
    ) -> None:
        self.store = store
        self.webhook_hosts = webhook_hosts
        self._clock = clock
        self._queues_and_skills = catalogue
        self._write = write
        self.entry_points = dict(DEFAULT_ENTRY_POINTS if entry_points is None else entry_points)
        self._active: dict[str, tuple[int, Flow]] = {}
        self._listeners: list[Callable[[str], None]] = []

    # -- loading ------------------------------------------------------------------------
    async def load(self) -> None:
        """Read the active versions into memory."""
        for stored in await asyncio.to_thread(self.store.active):
            self._active[stored.name] = (stored.version, schema.parse_flow(stored.definition))

    async def install_shipped(self, folder: Path = SHIPPED) -> list[str]:
        """Store and activate the flows shipped in ``folder`` that the database lacks."""
        installed = []
        known = {name for name, _, _ in await asyncio.to_thread(self.store.flows)}
        for path in sorted(folder.glob("*.yaml")):
            data = schema.load_text(path.read_text(encoding="utf-8"))
            name = data.get("name") if isinstance(data, dict) else None
            if not isinstance(name, str) or name in known:
                continue
            stored = await self.add_version(data, by="switchboard")
            if stored.valid:
                await self.activate(name, stored.version)
                installed.append(name)
            else:
                log.warning("ivr.shipped_flow_invalid", flow=name, errors=list(stored.errors))
        return installed

    def on_activate(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    # -- validation ---------------------------------------------------------------------
    def catalogue(self) -> Catalogue:
        queues, skills = self._queues_and_skills()
        flows = {name: flow for name, (_, flow) in self._active.items()}
        return Catalogue(
            frozenset(queues), frozenset(skills), flows, webhook_hosts=self.webhook_hosts
        )

    def check(self, data: Any) -> tuple[Flow | None, list[str]]:
        """The flow and its problems (``path: message``); ``None`` if it does not parse."""
        try:
            flow = schema.parse_flow(data)
        except InvalidFlow as exc:
            return None, list(exc.problems)
        return flow, problems(flow, self.catalogue())

    # -- versions -----------------------------------------------------------------------
    async def add_version(self, data: Any, *, by: str, name: str | None = None) -> StoredVersion:
        """Store a new version, valid or not (its problems are kept with it). A definition
        that does not even parse is refused."""
        flow, found = self.check(data)
        if flow is None:
            raise InvalidFlow(found, name=name)
        if name is not None and flow.name != name:
            raise InvalidFlow([f"name: {flow.name!r} does not match the flow {name!r}"], name=name)
        definition = schema.dump(flow)
        now = self._clock.now()
        stored = await self._write(
            lambda: self.store.add_version(flow.name, definition, found, by, now)
        )
        return stored  # type: ignore[no-any-return]

    async def activate(self, name: str, version: int) -> StoredVersion:
        """Make ``version`` the one new calls get; refused (422) if it does not validate now."""
        stored = await asyncio.to_thread(self.store.version, name, version)
        flow, found = self.check(stored.definition)
        if flow is None or found:
            raise InvalidFlow(found, name=name)
        now = self._clock.now()
        active = await self._write(lambda: self.store.activate(name, version, now))
        self._active[name] = (version, flow)
        log.info("ivr.flow_activated", flow=name, version=version)
        for listener in self._listeners:
            listener(name)
        return active  # type: ignore[no-any-return]

    async def rollback(self, name: str, to_version: int | None = None) -> StoredVersion:
        """Activate ``to_version``, or the version activated most recently before this one."""
        if to_version is None:
            versions = await asyncio.to_thread(self.store.versions, name)
            earlier = [v for v in versions if v.activated_at is not None and not v.active]
            if not earlier:
                raise NoSuchFlow(
                    f"flow {name!r} has no earlier active version", details={"flow": name}
                )
            to_version = max(earlier, key=lambda v: v.activated_at or v.created_at).version
        return await self.activate(name, to_version)

    async def flows(self) -> list[tuple[str, int | None, int]]:
        return await asyncio.to_thread(self.store.flows)

    async def versions(self, name: str) -> list[StoredVersion]:
        return await asyncio.to_thread(self.store.versions, name)

    async def version(self, name: str, version: int) -> StoredVersion:
        return await asyncio.to_thread(self.store.version, name, version)

    # -- for the runtimes ---------------------------------------------------------------
    def active_names(self) -> list[str]:
        return sorted(self._active)

    def bundle(self, name: str) -> Bundle | None:
        """The active version of ``name`` and of every subflow it may reach."""
        if name not in self._active:
            return None
        version, main = self._active[name]
        subflows: dict[str, Flow] = {}
        todo = [main]
        while todo:
            for node in todo.pop().nodes.values():
                if (
                    isinstance(node, SubflowNode)
                    and node.flow not in subflows
                    and node.flow in self._active
                    and node.flow != name
                ):
                    subflows[node.flow] = self._active[node.flow][1]
                    todo.append(subflows[node.flow])
        return Bundle(main, version, subflows)

    def bundle_for_dialled(self, dialled: str) -> Bundle | None:
        flow = self.entry_points.get(dialled)
        return self.bundle(flow) if flow else None

    async def record(self, record: SessionRecord) -> None:
        try:
            await self._write(lambda: self.store.record(record))
        except Exception as exc:  # a report row is not worth a crashed call
            log.warning("ivr.session_not_recorded", call_id=record.call_id, error=str(exc))

    async def report(self, hours: float) -> list[reports.FlowReport]:
        since = self._clock.now() - hours * 3600
        rows = await asyncio.to_thread(self.store.sessions_since, since)
        return reports.report(rows)
