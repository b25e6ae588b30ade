"""The external CRM connector (``SWITCHBOARD_CRM=http``): looks callers up in the
customer's own CRM over HTTP, and writes interactions back.

- Every request has a timeout (``timeout``) and is retried at most ``retries`` times when
  the CRM fails (no answer, a 5xx, a 429); a 4xx other than 429 is not retried.
- A circuit breaker (``cti.crm.breaker``) opens after consecutive failures, so a CRM that is
  down costs a call nothing: the lookup answers ``unavailable`` at once.
- Answers are cached per number for ``cache_seconds`` (found and not found alike; failures
  are not cached), on the injected clock.
- Every answer is validated through the map (``cti.crm.external.read_cards``): junk is
  logged (``crm_response_invalid``, naming the field) and the lookup answers ``invalid``.

``lookup`` never raises: the call engine's pop goes out whatever the CRM does.
``write_back`` raises ``CrmUnavailable`` or ``InvalidCrmResponse``, for the outbox to retry.
"""

from __future__ import annotations

import asyncio
import string
from collections.abc import Mapping
from typing import Any

import httpx
import structlog
from pydantic import SecretStr

from cti.clock import Clock
from cti.crm.breaker import BreakerState, CircuitBreaker
from cti.crm.errors import CrmError, CrmUnavailable, InvalidCrmResponse
from cti.crm.external import CrmMap, ExternalLookup, RequestSpec, read_cards
from cti.crm.phones import normalise

log = structlog.get_logger(__name__)

RETRY_PAUSE_SECONDS = 0.2
MAX_ANSWER_BYTES = 1_000_000
_FORMATTER = string.Formatter()


class HttpCrm:
    def __init__(
        self,
        base_url: str,
        crm_map: CrmMap,
        clock: Clock,
        *,
        token: SecretStr | None = None,
        api_version: str = "v60.0",
        timeout: float = 1.5,
        retries: int = 1,
        breaker: CircuitBreaker | None = None,
        cache_seconds: float = 60.0,
        default_region: str = "US",
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"Accept": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token.get_secret_value()}"
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=httpx.Timeout(timeout),
            transport=transport,
        )
        self._map = crm_map
        self._clock = clock
        self._api_version = api_version
        self._retries = retries
        self.breaker = breaker or CircuitBreaker(clock)
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, ExternalLookup]] = {}
        self._region = default_region

    @property
    def breaker_state(self) -> BreakerState:
        return self.breaker.state

    async def close(self) -> None:
        await self._client.aclose()

    # -- lookups ----------------------------------------------------------------------------
    async def lookup(self, number: str | None) -> ExternalLookup:
        """What the CRM holds on ``number``; never raises."""
        e164 = normalise(number, self._region)
        if e164 is None:
            return ExternalLookup("no-number", number)
        cached = self._cache.get(e164)
        if cached is not None and self._clock.now() < cached[0]:
            return cached[1]
        try:
            answer = await self._send(self._map.lookup, self._lookup_values(e164))
            cards = read_cards(answer, self._map.fields)
        except InvalidCrmResponse as exc:
            log.warning("crm_response_invalid", number=e164, error=exc.message, **exc.details)
            return ExternalLookup("invalid", e164, reason=exc.message)
        except CrmUnavailable as exc:
            log.warning("crm_unavailable", number=e164, error=exc.message)
            return ExternalLookup("unavailable", e164, reason=exc.message)
        found = ExternalLookup("found" if cards else "not-found", e164, cards)
        self._remember(e164, found)
        return found

    def _lookup_values(self, e164: str) -> dict[str, Any]:
        return {"phone": e164, "soql_phone": soql_quoted(e164), "api_version": self._api_version}

    def _remember(self, e164: str, found: ExternalLookup) -> None:
        if self._cache_seconds <= 0:
            return
        now = self._clock.now()
        if len(self._cache) > 10_000:  # forget the expired first, then the oldest
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            while len(self._cache) > 10_000:
                self._cache.pop(next(iter(self._cache)))
        self._cache[e164] = (now + self._cache_seconds, found)

    # -- write-back -------------------------------------------------------------------------
    async def write_back(self, payload: Mapping[str, Any]) -> None:
        """Write one interaction back; raises ``CrmError`` for the outbox to try again."""
        values = dict(payload)
        values["api_version"] = self._api_version
        if values.get("external_id") is None and values.get("phone"):
            found = await self.lookup(str(values["phone"]))
            if found.status in ("unavailable", "invalid"):
                raise CrmUnavailable(
                    f"the caller's record could not be looked up: {found.reason}",
                    details={"reason": found.reason},
                )
            values["external_id"] = found.cards[0].external_id if found.cards else None
        await self._send(self._map.write_back, values)

    # -- one request, its retries and the breaker -------------------------------------------
    async def _send(self, spec: RequestSpec, values: Mapping[str, Any]) -> Any:
        if not self.breaker.allow():
            raise CrmUnavailable("the CRM's circuit breaker is open", details={"reason": "open"})
        request = self._client.build_request(
            spec.method,
            fill(spec.path, values),
            params={k: fill(v, values) for k, v in spec.params.items()},
            json=fill(spec.body, values) if spec.body is not None else None,
        )
        for attempt in range(self._retries + 1):
            try:
                answer = await self._attempt(request)
            except _Retryable as exc:
                if attempt == self._retries:
                    self.breaker.failed()
                    raise CrmUnavailable(exc.reason, details={"reason": exc.reason}) from None
                await asyncio.sleep(RETRY_PAUSE_SECONDS)
            except CrmError:
                self.breaker.failed()
                raise
            else:
                self.breaker.succeeded()
                return answer
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(self, request: httpx.Request) -> Any:
        try:
            response = await self._client.send(request)
        except httpx.TimeoutException:
            raise _Retryable("the CRM did not answer in time") from None
        except httpx.HTTPError as exc:
            raise _Retryable(f"the CRM could not be reached: {type(exc).__name__}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise _Retryable(f"the CRM answered {response.status_code}")
        if response.status_code >= 400:
            raise CrmUnavailable(
                f"the CRM refused the request: {response.status_code}",
                details={"reason": f"status {response.status_code}"},
            )
        if not response.content:
            return None
        if len(response.content) > MAX_ANSWER_BYTES:
            raise _invalid_answer(f"is larger than {MAX_ANSWER_BYTES} bytes")
        try:
            return response.json()
        except ValueError:
            raise _invalid_answer("is not JSON") from None


class _Retryable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _invalid_answer(reason: str) -> InvalidCrmResponse:
    return InvalidCrmResponse(
        f"the CRM's answer {reason}", details={"field": "(answer)", "reason": reason}
    )


def soql_quoted(value: str) -> str:
    """``value`` as a SOQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def fill(template: Any, values: Mapping[str, Any]) -> Any:
    """``template`` with each ``{name}`` replaced by its value; a string that is exactly one
    placeholder becomes the value itself (a number stays a number, a missing one ``None``)."""
    if isinstance(template, dict):
        return {k: fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, values) for v in template]
    if not isinstance(template, str):
        return template
    parts = list(_FORMATTER.parse(template))
    if len(parts) == 1 and parts[0][0] == "" and parts[0][1] and not parts[0][2]:
        return values.get(parts[0][1])
    out = []
    for literal, name, _, _ in parts:
        out.append(literal)
        if name:
            value = values.get(name)
            out.append("" if value is None else str(value))
    return "".join(out)
