"""Order storage.

In memory to keep the sample small; a real deployment keeps orders in its database, with the
idempotency key as a unique column.
"""

from orders.models import Order, OrderIn


class OrderStore:
    """Orders by id, and by the Idempotency-Key of the request that created them."""

    def __init__(self) -> None:
        self._orders: dict[int, Order] = {}
        self._by_key: dict[str, int] = {}

    def get(self, order_id: int) -> Order | None:
        """The order with this id, if any."""
        return self._orders.get(order_id)

    def by_key(self, idempotency_key: str) -> Order | None:
        """The order an earlier request with this Idempotency-Key created, if any."""
        order_id = self._by_key.get(idempotency_key)
        return None if order_id is None else self._orders[order_id]

    def add(self, order: OrderIn, idempotency_key: str) -> Order:
        """Store a new order (or return the one this key already created)."""
        existing = self.by_key(idempotency_key)
        if existing is not None:
            return existing
        stored = Order(id=len(self._orders) + 1, **order.model_dump())
        self._orders[stored.id] = stored
        self._by_key[idempotency_key] = stored.id
        return stored

    def page(self, limit: int, offset: int) -> list[Order]:
        """At most ``limit`` orders, oldest first, skipping ``offset``."""
        return list(self._orders.values())[offset : offset + limit]
