"""Client of the inventory service: timeouts, retries with backoff, a circuit breaker."""

import httpx
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_random_exponential

#: connect quickly; give the inventory service a few seconds to answer
TIMEOUT = httpx.Timeout(5.0, connect=2.0)
#: after 5 consecutive failures, fail fast for 30 s instead of piling up requests
breakers = AsyncCircuitBreakerFactory(default_threshold=5, default_ttl=30)


class InventoryUnavailableError(Exception):
    """The inventory service cannot reserve stock right now."""


class InventoryClient:
    """Reserves stock for orders. One connection pool per process, closed at shutdown."""

    def __init__(self, base_url: str, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT, transport=transport)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def reserve(self, sku: str, quantity: int, idempotency_key: str) -> None:
        """Reserve stock; the key makes a retried reservation a no-op on the other side."""
        try:
            async with await breakers.get_breaker("inventory"):
                await self._post_reservation(sku, quantity, idempotency_key)
        except (OpenedState, httpx.HTTPError) as exc:
            raise InventoryUnavailableError(str(exc)) from exc

    @retry(
        retry=retry_if_exception_type(httpx.TransportError),
        wait=wait_random_exponential(multiplier=0.1, max=2),
        stop=stop_after_attempt(3),
        reraise=True,
    )
    async def _post_reservation(self, sku: str, quantity: int, idempotency_key: str) -> None:
        response = await self._http.post(
            "/v1/reservations",
            json={"sku": sku, "quantity": quantity},
            headers={"Idempotency-Key": idempotency_key},
        )
        response.raise_for_status()
