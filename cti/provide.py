"""A router's own dependency on the one service it needs.

Each feature's ``api.py`` declares ``Provided("name")`` and a dependency built from it; the
wiring (``cti/server/app.py``) hands the service over once it has built it, with
``provide(app.state, service)``. Nothing reaches through a shared container, and a router
knows nothing of the application above it (as wazo-calld's ``plugin.py`` hands each resource
its service).
"""

from __future__ import annotations

from typing import Generic, TypeVar

from starlette.datastructures import State
from starlette.requests import HTTPConnection

T = TypeVar("T")


class Provided(Generic[T]):
    """One service the wiring hands to a router: ``provide`` it, then depend on the instance
    (it is called with the request, or the websocket, and returns the service)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._key = f"provided_{name.replace('.', '_')}"

    def provide(self, state: State, service: T) -> None:
        setattr(state, self._key, service)

    def find(self, connection: HTTPConnection) -> T | None:
        """The service, or None where the wiring chose not to build it."""
        service: T | None = getattr(connection.app.state, self._key, None)
        return service

    def __call__(self, connection: HTTPConnection) -> T:
        service = self.find(connection)
        if service is None:
            raise RuntimeError(f"nothing provides {self.name}: the wiring calls its provide()")
        return service
