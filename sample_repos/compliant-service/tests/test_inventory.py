import asyncio

import httpx
import pytest

from orders.inventory import InventoryClient, InventoryUnavailableError


def reserve(handler: httpx.MockTransport) -> None:
    async def run() -> None:
        client = InventoryClient("http://inventory", transport=handler)
        try:
            await client.reserve("BOOK-1", 2, "key-123456")
        finally:
            await client.aclose()

    asyncio.run(run())


def test_reservation_carries_the_idempotency_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201)

    reserve(httpx.MockTransport(handler))
    assert seen[0].url.path == "/v1/reservations"
    assert seen[0].headers["Idempotency-Key"] == "key-123456"


def test_transient_failures_are_retried() -> None:
    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) < 3:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(201)

    reserve(httpx.MockTransport(handler))
    assert len(attempts) == 3


def test_server_errors_make_inventory_unavailable() -> None:
    with pytest.raises(InventoryUnavailableError):
        reserve(httpx.MockTransport(lambda request: httpx.Response(500)))
