"""Test doubles."""

from orders.inventory import InventoryUnavailableError


class FakeInventory:
    """Records reservations; fails like the real client when ``down``."""

    def __init__(self) -> None:
        self.reservations: list[tuple[str, int, str]] = []
        self.down = False

    async def reserve(self, sku: str, quantity: int, idempotency_key: str) -> None:
        if self.down:
            raise InventoryUnavailableError("connection refused")
        self.reservations.append((sku, quantity, idempotency_key))
